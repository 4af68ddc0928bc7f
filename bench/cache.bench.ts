/**
 * KMS GenerateDataKey calls, ours (CachingMaterialsManager) against the Encryption SDK's caching
 * materials manager (NodeCachingMaterialsManager + getLocalCryptographicMaterialsCache over a
 * KmsKeyringNode) with the same limits. Both call the same LocalKms, which counts the calls and
 * adds a network-like delay, so concurrent requests really overlap. Runs in the bench child.
 */
import { randomBytes } from 'node:crypto';
import {
  AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, getLocalCryptographicMaterialsCache, KMS, KmsKeyringNode,
  NodeCachingMaterialsManager,
} from '@aws-crypto/client-node';
import { sleep } from './support';
import { CachingMaterialsManager } from '../lambda/core/caching-materials-manager';
import { DataKeyCache } from '../lambda/core/data-key-cache';
import { EnvelopeClient } from '../lambda/core/envelope-client';
import { DefaultMaterialsManager } from '../lambda/core/materials';
import { LocalKms } from '../lambda/providers/local-kms';
import { LocalKmsKeyProvider } from '../lambda/providers/local-kms-provider';

type ClientProvider = NonNullable<ConstructorParameters<typeof KmsKeyringNode>[0]>['clientProvider'];
type GenerateDataKeyInput = Parameters<LocalKms['generateDataKey']>[0];

/** LocalKms that counts GenerateDataKey calls and answers after `latencyMs`, like a KMS round trip. */
class CountingKms extends LocalKms {
  public generateDataKeyCalls = 0;
  constructor(private readonly latencyMs: number) {
    super();
  }
  public async generateDataKey(input: GenerateDataKeyInput): ReturnType<LocalKms['generateDataKey']> {
    this.generateDataKeyCalls++;
    await sleep(this.latencyMs);
    return super.generateDataKey(input);
  }
}

export interface KmsCallsCase {
  readonly what: string;
  readonly encrypts: number;
  readonly concurrency: number;
  readonly limits: string;
  /** Cache windows the limits allow over the run: the target number of calls. */
  readonly windows: number;
  readonly calls: Record<string, number>;
}

export interface KmsCallsResult {
  readonly latencyMs: number;
  readonly cases: KmsCallsCase[];
}

interface Limits {
  readonly maxAgeSeconds: number;
  readonly maxMessagesEncrypted?: number;
}

/** Counts GenerateDataKey calls of `encrypts` encrypts of 1 KiB, `concurrency` at a time, for one side. */
async function count(side: 'ours' | 'sdk-caching', limits: Limits, encrypts: number, concurrency: number, latencyMs: number): Promise<number> {
  const kms = new CountingKms(latencyMs);
  const keyArn = (await kms.createKey({ Description: 'bench' })).KeyMetadata.Arn;
  const payload = randomBytes(1024);
  const encryptionContext = { tenant: 'bench' };
  let encrypt: () => Promise<unknown>;
  if (side === 'ours') {
    const client = new EnvelopeClient({
      materialsManager: new CachingMaterialsManager({
        underlying: new DefaultMaterialsManager(new LocalKmsKeyProvider({ kms, keyId: keyArn })),
        cache: new DataKeyCache({ capacity: 10 }),
        maxAgeSeconds: limits.maxAgeSeconds,
        maxMessagesEncrypted: limits.maxMessagesEncrypted,
      }),
    });
    encrypt = () => client.encrypt(payload, { encryptionContext });
  } else {
    const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const cmm = new NodeCachingMaterialsManager({
      backingMaterials: new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: (() => kms as unknown as KMS) as unknown as ClientProvider }),
      cache: getLocalCryptographicMaterialsCache(10),
      maxAge: limits.maxAgeSeconds * 1000, // milliseconds in the SDK
      maxMessagesEncrypted: limits.maxMessagesEncrypted,
    });
    const suiteId = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
    encrypt = () => sdk.encrypt(cmm, payload, { suiteId, encryptionContext });
  }
  for (let done = 0; done < encrypts; done += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, encrypts - done) }, encrypt));
  }
  return kms.generateDataKeyCalls;
}

export async function kmsCalls(): Promise<KmsCallsResult> {
  const latencyMs = 10;
  const cases: { what: string; encrypts: number; concurrency: number; limits: Limits; windows: number }[] = [
    // 1,000 messages per data key: ten cache windows over the run, so ten calls is the target.
    { what: '10,000 encrypts, one encryption context, one at a time', encrypts: 10_000, concurrency: 1, limits: { maxAgeSeconds: 300, maxMessagesEncrypted: 1000 }, windows: 10 },
    { what: '100 concurrent encrypts on a cold cache', encrypts: 100, concurrency: 100, limits: { maxAgeSeconds: 300 }, windows: 1 },
  ];
  const out: KmsCallsCase[] = [];
  for (const c of cases) {
    const calls: Record<string, number> = {};
    for (const side of ['ours', 'sdk-caching'] as const) {
      calls[side] = await count(side, c.limits, c.encrypts, c.concurrency, latencyMs);
    }
    const limits = `maxAge ${c.limits.maxAgeSeconds} s${c.limits.maxMessagesEncrypted ? `, maxMessagesEncrypted ${c.limits.maxMessagesEncrypted}` : ''}, capacity 10`;
    out.push({ what: c.what, encrypts: c.encrypts, concurrency: c.concurrency, limits, windows: c.windows, calls });
  }
  return { latencyMs, cases: out };
}
