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
  batchFor, Contender, interleave, KiB, mbps, median, MiB, pairedRatio, quantile, Samples, Spread,
} from './support';
import { DEFAULT_FRAME_LENGTH } from '../lambda/core/envelope-client';
import { LocalKms } from '../lambda/providers/local-kms';

export const THROUGHPUT_SIZES = [1 * KiB, 64 * KiB, 1 * MiB, 16 * MiB];
/** The Encryption SDK's default frame length. */
const SDK_DEFAULT_FRAME_LENGTH = 4096;

type ClientProvider = NonNullable<ConstructorParameters<typeof KmsKeyringNode>[0]>['clientProvider'];

/** One contender's encrypt and decrypt of the same plaintext; `decrypt` opens a message made once. */
interface Pair {
  readonly name: string;
  readonly encrypt: () => unknown;
  readonly decrypt: () => unknown;
}

/** Raw AES-256-GCM over the whole buffer, each way into a fresh buffer: no framing, no KDF, no header. */
function rawPair(data: Buffer): Pair {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(data), c.final()]);
  const tag = c.getAuthTag();
  return {
    name: 'raw',
    encrypt: () => {
      const e = createCipheriv('aes-256-gcm', key, randomBytes(12));
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
  };
}

/**
 * The floor for any framed format through node:crypto: per frame a fresh GCM context, its output
 * (a new buffer, as `update()` always returns one) copied into one message buffer, and on decrypt
 * each frame's temporary copied out and wiped. No KDF, no header, no AAD: what ours cannot avoid.
 */
function framedFloorPair(data: Buffer, frameLength: number): Pair {
  const key = randomBytes(32);
  const frames = Math.max(1, Math.ceil(data.length / frameLength));
  const seal = (): Buffer => {
    const out = Buffer.allocUnsafe(data.length + frames * 16);
    let pos = 0;
    for (let off = 0, i = 0; i < frames; off += frameLength, i++) {
      const iv = Buffer.alloc(12);
      iv.writeUInt32BE(i + 1, 8);
      const c = createCipheriv('aes-256-gcm', key, iv);
      pos += c.update(data.subarray(off, off + frameLength)).copy(out, pos);
      pos += c.final().copy(out, pos);
      pos += c.getAuthTag().copy(out, pos);
    }
    return out;
  };
  const sealed = seal();
  return {
    name: 'raw-framed',
    encrypt: seal,
    decrypt: () => {
      const out = Buffer.allocUnsafe(data.length);
      let pos = 0;
      let at = 0;
      for (let i = 0; i < frames; i++) {
        const n = Math.min(frameLength, data.length - at);
        const iv = Buffer.alloc(12);
        iv.writeUInt32BE(i + 1, 8);
        const d = createDecipheriv('aes-256-gcm', key, iv);
        d.setAuthTag(sealed.subarray(pos + n, pos + n + 16));
        const plain = d.update(sealed.subarray(pos, pos + n));
        d.final();
        at += plain.copy(out, at);
        plain.fill(0);
        pos += n + 16;
      }
      return out;
    },
  };
}

export interface ThroughputRow {
  readonly size: number;
  readonly rounds: number;
  /** Median MB/s (10^6 bytes of plaintext per second) per contender and direction. */
  readonly mbps: Record<string, { encrypt: number; decrypt: number }>;
  /** Paired per-round ratios: ours' speed over the other's (above 1 = ours faster). */
  readonly oursVs: Record<string, { encrypt: Spread; decrypt: Spread; roundTrip: Spread }>;
  /** Median minor page faults per call (fresh memory from the OS), ours and raw. */
  readonly faults: Record<string, { encrypt: number; decrypt: number }>;
}

export interface ThroughputResult {
  readonly frameLength: number;
  readonly contenders: Record<string, string>;
  readonly rows: ThroughputRow[];
}

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
    'raw': 'node:crypto AES-256-GCM, one pass each way over the whole buffer (the ceiling)',
    'raw-framed': `node:crypto AES-256-GCM in ${DEFAULT_FRAME_LENGTH / KiB} KiB frames, each frame's output copied into one buffer (and on decrypt wiped): the floor for a framed format through node:crypto's API, with no KDF, header or AAD`,
    'ours': `ours, suite 0x0478, ${DEFAULT_FRAME_LENGTH / KiB} KiB frames (defaults), LocalKms provider behind a warm data-key cache`,
    'sdk-0478': `@aws-crypto/client-node, raw AES keyring, suite 0x0478, ${DEFAULT_FRAME_LENGTH / KiB} KiB frames (same as ours)`,
    'sdk-default': `@aws-crypto/client-node, raw AES keyring, its defaults: suite 0x0578 (ECDSA P-384 signed), ${SDK_DEFAULT_FRAME_LENGTH / KiB} KiB frames`,
  };
  const rows: ThroughputRow[] = [];
  for (const size of sizes) {
    const data = randomBytes(size);
    const oursMessage = (await ours.encrypt(data)).message;
    const sdkMessage = async (suiteId: AlgorithmSuiteIdentifier, frameLength: number) =>
      (await sdk.encrypt(keyring, data, { suiteId, frameLength })).result;
    const sdk0478 = await sdkMessage(AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY, DEFAULT_FRAME_LENGTH);
    const sdkDefault = (await sdk.encrypt(keyring, data)).result;
    const pairs: Pair[] = [
      rawPair(data),
      framedFloorPair(data, DEFAULT_FRAME_LENGTH),
      { name: 'ours', encrypt: () => ours.encrypt(data), decrypt: () => ours.decrypt(oursMessage) },
      {
        name: 'sdk-0478',
        encrypt: () => sdkMessage(AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY, DEFAULT_FRAME_LENGTH),
        decrypt: () => sdk.decrypt(keyring, sdk0478),
      },
      { name: 'sdk-default', encrypt: () => sdk.encrypt(keyring, data), decrypt: () => sdk.decrypt(keyring, sdkDefault) },
    ];
    // Small messages: ~20 ms per timed sample. From 1 MiB on one call is long enough.
    const batch = async (fn: () => unknown) => (size >= MiB ? 1 : batchFor(fn, 20));
    const list: Contender[] = [];
    for (const p of pairs) {
      list.push({ name: `${p.name}:encrypt`, run: p.encrypt, batch: await batch(p.encrypt) });
      list.push({ name: `${p.name}:decrypt`, run: p.decrypt, batch: await batch(p.decrypt) });
    }
    const rounds = size >= 16 * MiB ? 9 : size >= MiB ? 15 : 21;
    const t = await interleave(list, rounds);
    const s = (name: string, dir: string): Samples => t.get(`${name}:${dir}`)!;
    const row: ThroughputRow = { size, rounds, mbps: {}, oursVs: {}, faults: {} };
    for (const p of pairs) {
      row.mbps[p.name] = { encrypt: mbps(size, median(s(p.name, 'encrypt').ms)), decrypt: mbps(size, median(s(p.name, 'decrypt').ms)) };
      if (p.name !== 'ours') {
        const roundTrip = (name: string) => s(name, 'encrypt').ms.map((e, i) => e + s(name, 'decrypt').ms[i]);
        row.oursVs[p.name] = {
          encrypt: pairedRatio(s(p.name, 'encrypt').ms, s('ours', 'encrypt').ms),
          decrypt: pairedRatio(s(p.name, 'decrypt').ms, s('ours', 'decrypt').ms),
          roundTrip: pairedRatio(roundTrip(p.name), roundTrip('ours')),
        };
      }
    }
    for (const name of ['raw', 'raw-framed', 'ours']) {
      row.faults[name] = { encrypt: quantile(s(name, 'encrypt').faults, 0.5), decrypt: quantile(s(name, 'decrypt').faults, 0.5) };
    }
    rows.push(row);
  }
  return { frameLength: DEFAULT_FRAME_LENGTH, contenders, rows };
}

export interface SmallRateResult {
  readonly size: number;
  readonly rounds: number;
  readonly suite: string;
  readonly limits: string;
  /** Median operations per second. */
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
  const add = async (name: string, run: () => unknown) => list.push({ name, run, batch: await batchFor(run, 25) });
  await add('ours:encrypt', () => ours.encrypt(data, { encryptionContext: context }));
  await add('ours:decrypt', () => ours.decrypt(oursMessage));
  await add('sdk-caching:encrypt', () => sdk.encrypt(cmm, data, { suiteId, encryptionContext: context }));
  await add('sdk-caching:decrypt', () => sdk.decrypt(cmm, sdkMessage));
  const rounds = 15;
  const t = await interleave(list, rounds);
  const ms = (name: string) => t.get(name)!.ms;
  const ops = (name: string) => 1000 / median(ms(name));
  return {
    size,
    rounds,
    suite: '0x0478 (both)',
    limits: `maxAge ${CACHE_MAX_AGE_SECONDS} s, capacity ${CACHE_CAPACITY}, message and byte limits at their defaults (both)`,
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

