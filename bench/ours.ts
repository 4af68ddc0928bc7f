/** Ours as the benchmarks run it, kept apart from the Encryption SDK so a profile holds only ours. */
import { randomBytes } from 'node:crypto';
import { CachingMaterialsManager } from '../lambda/core/caching-materials-manager';
import { DataKeyCache } from '../lambda/core/data-key-cache';
import { EnvelopeClient } from '../lambda/core/envelope-client';
import { DefaultMaterialsManager } from '../lambda/core/materials';
import { LocalKms } from '../lambda/providers/local-kms';
import { LocalKmsKeyProvider } from '../lambda/providers/local-kms-provider';

/** Cache limits shared by ours and the Encryption SDK's caching materials manager. */
export const CACHE_MAX_AGE_SECONDS = 300;
export const CACHE_CAPACITY = 100;

/** Ours as the issue asks: default suite and frame length, local KMS provider, a warm data-key cache. */
export async function oursWithWarmCache(kms: LocalKms, keyArn: string): Promise<{ client: EnvelopeClient; provider: LocalKmsKeyProvider }> {
  const provider = new LocalKmsKeyProvider({ kms, keyId: keyArn });
  const client = new EnvelopeClient({
    materialsManager: new CachingMaterialsManager({
      underlying: new DefaultMaterialsManager(provider),
      cache: new DataKeyCache({ capacity: CACHE_CAPACITY }),
      maxAgeSeconds: CACHE_MAX_AGE_SECONDS,
    }),
  });
  return { client, provider };
}

/**
 * Ours only: encrypt then decrypt round trips of `size` bytes for about `seconds`, for the parent
 * to run under `node --cpu-prof` and summarise where the time goes.
 */
export async function profileLoop(size: number, seconds: number): Promise<{ size: number; roundTrips: number }> {
  const kms = new LocalKms();
  const keyArn = (await kms.createKey({ Description: 'bench' })).KeyMetadata.Arn;
  const { client: ours } = await oursWithWarmCache(kms, keyArn);
  const data = randomBytes(size);
  const end = Date.now() + seconds * 1000;
  let roundTrips = 0;
  while (Date.now() < end) {
    await ours.decrypt((await ours.encrypt(data)).message);
    roundTrips++;
  }
  return { size, roundTrips };
}
