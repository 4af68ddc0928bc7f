/**
 * Ours against @aws-crypto/client-node (the peer): whole-buffer throughput with the same suite and
 * frames, and the small-message rate against the Encryption SDK's caching materials manager. Runs in
 * a child process of its own (bench/child.ts, bundled by esbuild): the parent runs under ts-node,
 * whose TypeScript compiler sits in the heap and makes every full GC several times slower, which is
 * no part of what a service pays. Ours against raw GCM runs in another child without the SDK
 * (bench/throughput.bench.ts).
 */
import { randomBytes } from 'node:crypto';
import {
  AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, getLocalCryptographicMaterialsCache, KMS, KmsKeyringNode,
  NodeCachingMaterialsManager, RawAesKeyringNode, RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import { CACHE_CAPACITY, CACHE_MAX_AGE_SECONDS, oursWithWarmCache } from './ours';
import { batchFor, Contender, interleave, KiB, mbps, median, pairedRatio, Spread } from './support';
import {
  measurePairs, Pair, roundsFor, SAMPLE_MS, samplingMethod, SMALL_RATE_ROUNDS, THROUGHPUT_SIZES, ThroughputResult, ThroughputRow,
} from './throughput.bench';
import { DEFAULT_FRAME_LENGTH } from '../lambda/core/envelope-client';
import { LocalKms } from '../lambda/providers/local-kms';

/** The Encryption SDK's default frame length. */
const SDK_DEFAULT_FRAME_LENGTH = 4096;

type ClientProvider = NonNullable<ConstructorParameters<typeof KmsKeyringNode>[0]>['clientProvider'];

export const SDK_CONTENDERS: Record<string, string> = {
  'sdk-0478': `@aws-crypto/client-node, raw AES keyring, suite 0x0478, ${DEFAULT_FRAME_LENGTH / KiB} KiB frames (same as ours)`,
  'sdk-default': `@aws-crypto/client-node, raw AES keyring, its defaults: suite 0x0578 (ECDSA P-384 signed), ${SDK_DEFAULT_FRAME_LENGTH / KiB} KiB frames`,
};

/**
 * Ours against the Encryption SDK, in a process with only the two of them. Rows carry the SDK's
 * MB/s and ours over each SDK contender; `mbps['ours-with-sdk']` is ours in this process. With
 * `withOurs` false, the SDK alone: in one process with the SDK, ours (and raw GCM alike) ran at
 * about half the speed it has in a process of its own, while the SDK ran at the same speed with or
 * without ours, so the report gives ours over the SDK both ways.
 */
export async function sdkThroughput(sizes: readonly number[] = THROUGHPUT_SIZES, withOurs = true): Promise<ThroughputResult> {
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
  const suite0478 = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
  const rows: ThroughputRow[] = [];
  for (const size of sizes) {
    const data = randomBytes(size);
    const oursMessage = (await ours.encrypt(data)).message;
    const encrypt0478 = async () => (await sdk.encrypt(keyring, data, { suiteId: suite0478, frameLength: DEFAULT_FRAME_LENGTH })).result;
    const sdk0478 = await encrypt0478();
    const sdkDefault = (await sdk.encrypt(keyring, data)).result;
    const pairs: Pair[] = [
      ...(withOurs ? [{ name: 'ours', encrypt: () => ours.encrypt(data), decrypt: () => ours.decrypt(oursMessage) }] : []),
      { name: 'sdk-0478', encrypt: encrypt0478, decrypt: () => sdk.decrypt(keyring, sdk0478) },
      { name: 'sdk-default', encrypt: () => sdk.encrypt(keyring, data), decrypt: () => sdk.decrypt(keyring, sdkDefault) },
    ];
    const rounds = roundsFor(size);
    const { cpu, faults } = await measurePairs(pairs, rounds);
    const row: ThroughputRow = { size, rounds, mbps: {}, cpuMs: {}, oursVs: {}, faults: {} };
    for (const p of pairs) {
      const name = p.name === 'ours' ? 'ours-with-sdk' : p.name;
      row.mbps[name] = { encrypt: mbps(size, median(cpu(p.name, 'encrypt'))), decrypt: mbps(size, median(cpu(p.name, 'decrypt'))) };
      row.cpuMs[name] = { encrypt: cpu(p.name, 'encrypt'), decrypt: cpu(p.name, 'decrypt') };
      row.faults[name] = { encrypt: faults(p.name, 'encrypt'), decrypt: faults(p.name, 'decrypt') };
      if (p.name !== 'ours' && withOurs) {
        row.oursVs[p.name] = {
          encrypt: pairedRatio(cpu(p.name, 'encrypt'), cpu('ours', 'encrypt')),
          decrypt: pairedRatio(cpu(p.name, 'decrypt'), cpu('ours', 'decrypt')),
        };
      }
    }
    rows.push(row);
  }
  return { frameLength: DEFAULT_FRAME_LENGTH, contenders: SDK_CONTENDERS, method: samplingMethod(), rows };
}

export interface SmallRateResult {
  readonly size: number;
  readonly rounds: number;
  readonly suite: string;
  readonly limits: string;
  readonly method: string;
  /** Median operations per CPU second. */
  readonly opsPerSecond: Record<string, { encrypt: number; decrypt: number }>;
  /** CPU ms per call of every sample, per contender and direction. */
  readonly cpuMs: Record<string, { encrypt: number[]; decrypt: number[] }>;
  /** Paired per-round ratios, ours over the SDK's caching materials manager (absent when the SDK ran alone). */
  readonly oursVsSdkCaching?: { encrypt: Spread; decrypt: Spread };
  /** Ours measured alone over the SDK measured alone (unpaired), filled in by the parent. */
  readonly oursAloneVsSdkAlone?: { encrypt: Spread; decrypt: Spread };
}

export async function smallMessageRate(withOurs = true): Promise<SmallRateResult> {
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
  if (withOurs) {
    await add('ours:encrypt', () => ours.encrypt(data, { encryptionContext: context }));
    await add('ours:decrypt', () => ours.decrypt(oursMessage));
  }
  await add('sdk-caching:encrypt', () => sdk.encrypt(cmm, data, { suiteId, encryptionContext: context }));
  await add('sdk-caching:decrypt', () => sdk.decrypt(cmm, sdkMessage));
  const rounds = SMALL_RATE_ROUNDS;
  const t = await interleave(list, rounds);
  const ms = (name: string) => t.get(name)!.cpuMs;
  const names = withOurs ? ['ours', 'sdk-caching'] : ['sdk-caching'];
  return {
    size,
    rounds,
    suite: '0x0478 (both)',
    limits: `maxAge ${CACHE_MAX_AGE_SECONDS} s, capacity ${CACHE_CAPACITY}, message and byte limits at their defaults (both)`,
    method: samplingMethod(),
    opsPerSecond: Object.fromEntries(names.map((n) => [n, { encrypt: 1000 / median(ms(`${n}:encrypt`)), decrypt: 1000 / median(ms(`${n}:decrypt`)) }])),
    cpuMs: Object.fromEntries(names.map((n) => [n, { encrypt: ms(`${n}:encrypt`), decrypt: ms(`${n}:decrypt`) }])),
    oursVsSdkCaching: withOurs ? {
      encrypt: pairedRatio(ms('sdk-caching:encrypt'), ms('ours:encrypt')),
      decrypt: pairedRatio(ms('sdk-caching:decrypt'), ms('ours:decrypt')),
    } : undefined,
  };
}

