/**
 * Envelope throughput (encrypt and decrypt, separately) against raw node:crypto AES-256-GCM (the
 * ceiling) and @aws-crypto/client-node (the peer), and the small-message rate against the
 * Encryption SDK's caching materials manager. Runs in a child process (bench/child.ts, bundled by
 * esbuild): the parent runs under ts-node, whose TypeScript compiler sits in the heap and makes
 * every full GC several times slower, which is no part of what a service pays.
 *
 * All contenders of one size run in the same rounds, in rotating order; ratios are taken per round
 * (paired) and reported as median and IQR.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, getLocalCryptographicMaterialsCache, KMS, KmsKeyringNode,
  NodeCachingMaterialsManager, RawAesKeyringNode, RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import { CACHE_CAPACITY, CACHE_MAX_AGE_SECONDS, oursWithWarmCache } from './ours';
import {
  batchFor, Contender, interleave, KiB, mbps, median, MiB, pairedRatio, quantile, Spread,
} from './support';
import { DEFAULT_FRAME_LENGTH } from '../lambda/core/envelope-client';
import { LocalKms } from '../lambda/providers/local-kms';

export const THROUGHPUT_SIZES = [1 * KiB, 64 * KiB, 1 * MiB, 16 * MiB];
/** The Encryption SDK's default frame length. */
const SDK_DEFAULT_FRAME_LENGTH = 4096;

type ClientProvider = NonNullable<ConstructorParameters<typeof KmsKeyringNode>[0]>['clientProvider'];

/**
 * One contender's encrypt and decrypt of the same plaintext; `decrypt` opens a message made once.
 * A contender without `encrypt` is measured decrypting only.
 */
interface Pair {
  readonly name: string;
  readonly encrypt?: () => unknown;
  readonly decrypt: () => unknown;
}

/** node:crypto's GCM is fed this much per update() call by the sliced contenders (ours feeds the same). */
const SLICE = 64 * KiB;

/**
 * Raw AES-256-GCM, no framing, no KDF, no header, three ways each direction:
 * - `raw`: one update() over the whole buffer, whose output node:crypto allocates afresh each call;
 * - `raw-sliced`: 64 KiB slices, each slice's output copied into one output buffer reused by every
 *   call (no fresh memory per call);
 * - `raw-sliced-fresh`: the same into a fresh output buffer per call, as any whole-buffer API that
 *   returns a new message must: the difference to `raw-sliced` is what a fresh output costs.
 * The ceiling of a round is the faster of `raw` and `raw-sliced` in that round.
 */
function rawPairs(data: Buffer): Pair[] {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(data), c.final()]);
  const tag = c.getAuthTag();
  const reused = Buffer.allocUnsafe(data.length);
  const sealSliced = (out: Buffer) => {
    const e = createCipheriv('aes-256-gcm', key, iv);
    let pos = 0;
    for (let at = 0; at < data.length; at += SLICE) pos += e.update(data.subarray(at, at + SLICE)).copy(out, pos);
    e.final();
    e.getAuthTag();
    return out;
  };
  const openSliced = (out: Buffer) => {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAuthTag(tag);
    let pos = 0;
    for (let at = 0; at < ct.length; at += SLICE) pos += d.update(ct.subarray(at, at + SLICE)).copy(out, pos);
    d.final();
    return out;
  };
  return [
    {
      name: 'raw',
      encrypt: () => {
        const e = createCipheriv('aes-256-gcm', key, iv);
        const out = e.update(data);
        e.final();
        e.getAuthTag();
        return out;
      },
      decrypt: () => {
        const d = createDecipheriv('aes-256-gcm', key, iv);
        d.setAuthTag(tag);
        const out = d.update(ct);
        d.final();
        return out;
      },
    },
    { name: 'raw-sliced', encrypt: () => sealSliced(reused), decrypt: () => openSliced(reused) },
    {
      name: 'raw-sliced-fresh',
      encrypt: () => sealSliced(Buffer.allocUnsafe(data.length)),
      decrypt: () => openSliced(Buffer.allocUnsafe(data.length)),
    },
  ];
}

export interface ThroughputRow {
  readonly size: number;
  readonly rounds: number;
  /** Median MB/s (10^6 bytes of plaintext per CPU second) per contender and direction. */
  readonly mbps: Record<string, { encrypt: number; decrypt: number }>;
  /** Paired per-round ratios of CPU time: ours' speed over the other's (above 1 = ours faster). */
  readonly oursVs: Record<string, { encrypt: Spread; decrypt: Spread }>;
  /** Median minor page faults per call (fresh memory from the OS). */
  readonly faults: Record<string, { encrypt: number; decrypt: number }>;
  /** Ours decrypting with decryptInto() into a reused target: MB/s, faults per call, speed over the ceiling's. */
  readonly oursInto: { readonly mbps: number; readonly faults: number; readonly vsCeiling: Spread };
  /** Rounds in which whole-buffer raw GCM was the faster raw way (the ceiling), per direction. */
  readonly ceilingWholeBufferRounds: { encrypt: number; decrypt: number };
}

export interface ThroughputResult {
  readonly frameLength: number;
  readonly contenders: Record<string, string>;
  /** How the samples were taken (CPU pinning, sample length, warm-up). */
  readonly method: string;
  readonly rows: ThroughputRow[];
}

/** Every contender's sample lasts about this long (several calls per sample for fast ones). */
const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS ?? 100);

export async function throughput(sizes: readonly number[] = THROUGHPUT_SIZES): Promise<ThroughputResult> {
  const kms = new LocalKms();
  const keyArn = (await kms.createKey({ Description: 'bench' })).KeyMetadata.Arn;
  const { client: ours } = await oursWithWarmCache(kms, keyArn);
  const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = new RawAesKeyringNode({
    keyName: 'bench',
    keyNamespace: 'bench',
    unencryptedMasterKey: randomBytes(32),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const contenders = {
    'raw': 'node:crypto AES-256-GCM, one update() over the whole buffer into the fresh buffer node:crypto returns',
    'raw-sliced': 'node:crypto AES-256-GCM in 64 KiB update() slices, copied into one output buffer reused by every call',
    'raw-sliced-fresh': 'as raw-sliced, into a fresh output buffer per call (what any whole-buffer API returning a new message pays)',
    'ceiling': 'the faster of raw and raw-sliced in each round',
    'ours': `ours, whole-buffer encrypt()/decrypt(), suite 0x0478, ${DEFAULT_FRAME_LENGTH / KiB} KiB frames (defaults), LocalKms provider behind a warm data-key cache`,
    'ours-into': 'ours, decryptInto() a target buffer reused by every call (decrypt only; what a caller that reuses its plaintext buffer gets)',
    'sdk-0478': `@aws-crypto/client-node, raw AES keyring, suite 0x0478, ${DEFAULT_FRAME_LENGTH / KiB} KiB frames (same as ours)`,
    'sdk-default': `@aws-crypto/client-node, raw AES keyring, its defaults: suite 0x0578 (ECDSA P-384 signed), ${SDK_DEFAULT_FRAME_LENGTH / KiB} KiB frames`,
  };
  const rows: ThroughputRow[] = [];
  for (const size of sizes) {
    const data = randomBytes(size);
    const oursMessage = (await ours.encrypt(data)).message;
    const target = Buffer.alloc(size);
    const sdkMessage = async (suiteId: AlgorithmSuiteIdentifier, frameLength: number) =>
      (await sdk.encrypt(keyring, data, { suiteId, frameLength })).result;
    const sdk0478 = await sdkMessage(AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY, DEFAULT_FRAME_LENGTH);
    const sdkDefault = (await sdk.encrypt(keyring, data)).result;
    const pairs: Pair[] = [
      ...rawPairs(data),
      { name: 'ours', encrypt: () => ours.encrypt(data), decrypt: () => ours.decrypt(oursMessage) },
      { name: 'ours-into', decrypt: () => ours.decryptInto(oursMessage, target) },
      {
        name: 'sdk-0478',
        encrypt: () => sdkMessage(AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY, DEFAULT_FRAME_LENGTH),
        decrypt: () => sdk.decrypt(keyring, sdk0478),
      },
      { name: 'sdk-default', encrypt: () => sdk.encrypt(keyring, data), decrypt: () => sdk.decrypt(keyring, sdkDefault) },
    ];
    const list: Contender[] = [];
    for (const p of pairs) {
      if (p.encrypt) list.push({ name: `${p.name}:encrypt`, run: p.encrypt, batch: await batchFor(p.encrypt, SAMPLE_MS) });
      list.push({ name: `${p.name}:decrypt`, run: p.decrypt, batch: await batchFor(p.decrypt, SAMPLE_MS) });
    }
    const rounds = size >= 16 * MiB ? 15 : 25;
    const t = await interleave(list, rounds);
    const cpu = (name: string, dir: string): number[] => t.get(`${name}:${dir}`)!.cpuMs;
    const ceilingCpu = (dir: string) => cpu('raw', dir).map((w, i) => Math.min(w, cpu('raw-sliced', dir)[i]));
    const row: ThroughputRow = {
      size,
      rounds,
      mbps: {},
      oursVs: {},
      faults: {},
      oursInto: {
        mbps: mbps(size, median(cpu('ours-into', 'decrypt'))),
        faults: quantile(t.get('ours-into:decrypt')!.faults, 0.5),
        vsCeiling: pairedRatio(ceilingCpu('decrypt'), cpu('ours-into', 'decrypt')),
      },
      ceilingWholeBufferRounds: {
        encrypt: cpu('raw', 'encrypt').filter((w, i) => w <= cpu('raw-sliced', 'encrypt')[i]).length,
        decrypt: cpu('raw', 'decrypt').filter((w, i) => w <= cpu('raw-sliced', 'decrypt')[i]).length,
      },
    };
    for (const p of pairs) {
      if (!p.encrypt) continue;
      row.mbps[p.name] = { encrypt: mbps(size, median(cpu(p.name, 'encrypt'))), decrypt: mbps(size, median(cpu(p.name, 'decrypt'))) };
      if (p.name !== 'ours') {
        row.oursVs[p.name] = {
          encrypt: pairedRatio(cpu(p.name, 'encrypt'), cpu('ours', 'encrypt')),
          decrypt: pairedRatio(cpu(p.name, 'decrypt'), cpu('ours', 'decrypt')),
        };
      }
      row.faults[p.name] = {
        encrypt: quantile(t.get(`${p.name}:encrypt`)!.faults, 0.5),
        decrypt: quantile(t.get(`${p.name}:decrypt`)!.faults, 0.5),
      };
    }
    row.mbps.ceiling = { encrypt: mbps(size, median(ceilingCpu('encrypt'))), decrypt: mbps(size, median(ceilingCpu('decrypt'))) };
    row.oursVs.ceiling = {
      encrypt: pairedRatio(ceilingCpu('encrypt'), cpu('ours', 'encrypt')),
      decrypt: pairedRatio(ceilingCpu('decrypt'), cpu('ours', 'decrypt')),
    };
    rows.push(row);
  }
  return { frameLength: DEFAULT_FRAME_LENGTH, contenders, method: samplingMethod(), rows };
}

/** How this child process was measured, for the report. */
export function samplingMethod(): string {
  const pinned = process.env.BENCH_PINNED_CPU;
  return `CPU time (user + system) per call, ${SAMPLE_MS} ms samples, 2 warm-up rounds, contenders interleaved in rotating order, `
    + `${pinned !== undefined ? `process pinned to CPU ${pinned} (taskset)` : 'process not pinned (taskset unavailable)'}`;
}

export interface SmallRateResult {
  readonly size: number;
  readonly rounds: number;
  readonly suite: string;
  readonly limits: string;
  readonly method: string;
  /** Median operations per CPU second. */
  readonly opsPerSecond: Record<string, { encrypt: number; decrypt: number }>;
  /** Paired per-round ratios, ours over the SDK's caching materials manager. */
  readonly oursVsSdkCaching: { encrypt: Spread; decrypt: Spread };
}

/**
 * 1 KiB messages with a warm cache: ours against the Encryption SDK's caching materials manager
 * (NodeCachingMaterialsManager + getLocalCryptographicMaterialsCache over a KmsKeyringNode), same
 * suite, same cache limits, both over the same LocalKms.
 */
export async function smallMessageRate(): Promise<SmallRateResult> {
  const size = KiB;
  const kms = new LocalKms();
  const keyArn = (await kms.createKey({ Description: 'bench' })).KeyMetadata.Arn;
  const { client: ours } = await oursWithWarmCache(kms, keyArn);
  const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const cmm = new NodeCachingMaterialsManager({
    backingMaterials: new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: (() => kms as unknown as KMS) as unknown as ClientProvider }),
    cache: getLocalCryptographicMaterialsCache(CACHE_CAPACITY),
    maxAge: CACHE_MAX_AGE_SECONDS * 1000, // the SDK takes milliseconds
  });
  const suiteId = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
  const data = randomBytes(size);
  const context = { purpose: 'bench' };
  const oursMessage = (await ours.encrypt(data, { encryptionContext: context })).message;
  const sdkMessage = (await sdk.encrypt(cmm, data, { suiteId, encryptionContext: context })).result;
  const list: Contender[] = [];
  const add = async (name: string, run: () => unknown) => list.push({ name, run, batch: await batchFor(run, SAMPLE_MS) });
  await add('ours:encrypt', () => ours.encrypt(data, { encryptionContext: context }));
  await add('ours:decrypt', () => ours.decrypt(oursMessage));
  await add('sdk-caching:encrypt', () => sdk.encrypt(cmm, data, { suiteId, encryptionContext: context }));
  await add('sdk-caching:decrypt', () => sdk.decrypt(cmm, sdkMessage));
  const rounds = 31;
  const t = await interleave(list, rounds);
  const ms = (name: string) => t.get(name)!.cpuMs;
  const ops = (name: string) => 1000 / median(ms(name));
  return {
    size,
    rounds,
    suite: '0x0478 (both)',
    limits: `maxAge ${CACHE_MAX_AGE_SECONDS} s, capacity ${CACHE_CAPACITY}, message and byte limits at their defaults (both)`,
    method: samplingMethod(),
    opsPerSecond: {
      'ours': { encrypt: ops('ours:encrypt'), decrypt: ops('ours:decrypt') },
      'sdk-caching': { encrypt: ops('sdk-caching:encrypt'), decrypt: ops('sdk-caching:decrypt') },
    },
    oursVsSdkCaching: {
      encrypt: pairedRatio(ms('sdk-caching:encrypt'), ms('ours:encrypt')),
      decrypt: pairedRatio(ms('sdk-caching:decrypt'), ms('ours:decrypt')),
    },
  };
}

