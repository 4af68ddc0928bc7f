/**
 * Data-key cache: KMS calls per cache window under bursts of concurrent encrypts (target: one
 * GenerateDataKey per window), and the cost of a cached vs uncached encrypt with a simulated KMS
 * round trip. LocalKms behind an SDK-shaped client that adds latency stands in for KMS.
 */
import { fmt } from './support';
import { CachingMaterialsManager } from '../lambda/core/caching-materials-manager';
import { DataKeyCache } from '../lambda/core/data-key-cache';
import { EnvelopeClient } from '../lambda/core/envelope-client';
import { DefaultMaterialsManager } from '../lambda/core/materials';
import { AwsKmsKeyProvider, type KmsCommandClient } from '../lambda/providers/aws-kms';
import { LocalKms } from '../lambda/providers/local-kms';

const LATENCY_MS = 15;
const BURST = 500;
const WINDOWS = 5;

function slowClient(kms: LocalKms): KmsCommandClient {
  return {
    send: async (command) => {
      await new Promise((r) => setTimeout(r, LATENCY_MS));
      return kms.send(command);
    },
  };
}

export default async function run(): Promise<void> {
  const kms = new LocalKms();
  const { KeyMetadata } = await kms.createKey({});
  let now = Date.now();
  const provider = new AwsKmsKeyProvider({ client: slowClient(kms), keyId: KeyMetadata.Arn });
  const cmm = new CachingMaterialsManager({
    underlying: new DefaultMaterialsManager(provider),
    cache: new DataKeyCache({ capacity: 100, clock: () => now }),
    maxAgeSeconds: 60,
  });
  const client = new EnvelopeClient({ materialsManager: cmm });
  const payload = Buffer.alloc(1024, 7);

  const perWindow: number[] = [];
  const t0 = process.hrtime.bigint();
  for (let w = 0; w < WINDOWS; w++) {
    const before = provider.stats.generateDataKey;
    await Promise.all(Array.from({ length: BURST }, () => client.encrypt(payload, { encryptionContext: { tenant: 'bench' } })));
    perWindow.push(provider.stats.generateDataKey - before);
    now += 61_000; // next cache window
  }
  const cachedMs = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`burst of ${BURST} concurrent encrypts x ${WINDOWS} windows (KMS latency ${LATENCY_MS} ms): GenerateDataKey calls per window = [${perWindow.join(', ')}] (target 1)`);

  const uncachedProvider = new AwsKmsKeyProvider({ client: slowClient(kms), keyId: KeyMetadata.Arn });
  const uncached = new EnvelopeClient({ keyProvider: uncachedProvider });
  const t1 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: BURST }, () => uncached.encrypt(payload, { encryptionContext: { tenant: 'bench' } })));
  const uncachedMs = Number(process.hrtime.bigint() - t1) / 1e6;
  console.log(`without cache: ${uncachedProvider.stats.generateDataKey} GenerateDataKey calls for one burst of ${BURST}`);
  console.log(`wall time per burst: cached ${fmt(cachedMs / WINDOWS)} ms, uncached ${fmt(uncachedMs)} ms`);

  // Sequential: the cache hit path vs one KMS round trip per message.
  const N = 200;
  const t2 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await client.encrypt(payload);
  const hitUs = Number(process.hrtime.bigint() - t2) / 1e3 / N;
  const M = 20;
  const t3 = process.hrtime.bigint();
  for (let i = 0; i < M; i++) await uncached.encrypt(payload);
  const missUs = Number(process.hrtime.bigint() - t3) / 1e3 / M;
  console.log(`sequential 1 KiB encrypt: cache hit ${fmt(hitUs, 0)} us, uncached ${fmt(missUs, 0)} us (${fmt(missUs / hitUs, 0)}x)`);
  cmm.cache.clear();
}
