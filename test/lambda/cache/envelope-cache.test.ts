/**
 * End to end: EnvelopeClient -> CachingMaterialsManager -> DefaultMaterialsManager ->
 * LocalKmsKeyProvider -> LocalKms, counting the KMS calls the cache saves.
 */
import { CachingMaterialsManager } from '../../../lambda/core/caching-materials-manager';
import { DataKeyCache } from '../../../lambda/core/data-key-cache';
import { EnvelopeClient } from '../../../lambda/core/envelope-client';
import { DefaultMaterialsManager } from '../../../lambda/core/materials';
import { AlgorithmSuiteId } from '../../../lambda/core/types';
import { LocalKms } from '../../../lambda/providers/local-kms';
import { LocalKmsKeyProvider } from '../../../lambda/providers/local-kms-provider';

async function build(options: { maxMessagesEncrypted?: number; suite?: AlgorithmSuiteId } = {}) {
  const kms = new LocalKms();
  const { KeyMetadata } = await kms.createKey({});
  const provider = new LocalKmsKeyProvider({ kms, keyId: KeyMetadata.Arn });
  const cmm = new CachingMaterialsManager({
    underlying: new DefaultMaterialsManager(provider),
    cache: new DataKeyCache({ capacity: 10 }),
    maxAgeSeconds: 300,
    maxMessagesEncrypted: options.maxMessagesEncrypted,
  });
  return { kms, provider, cmm, client: new EnvelopeClient({ materialsManager: cmm, suite: options.suite }) };
}

test.each([
  ['unsigned', AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY],
  ['signed', AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384],
])('%s: 20 concurrent encrypts make one GenerateDataKey, 20 decrypts one Decrypt, and every message decrypts', async (_, suite) => {
  const { kms, provider, cmm, client } = await build({ suite });
  const plaintexts = Array.from({ length: 20 }, (__, i) => Buffer.from(`message ${i}`));
  const messages = await Promise.all(plaintexts.map((p) => client.encrypt(p, { encryptionContext: { tenant: 'a' } })));
  expect(provider.stats.generateDataKey).toBe(1);
  expect(messages.filter((m) => m.header.cacheHit)).toHaveLength(19);
  const decrypted = await Promise.all(messages.map((m) => client.decrypt(m.message)));
  expect(decrypted.map((d) => d.plaintext.toString())).toEqual(plaintexts.map((p) => p.toString()));
  expect(provider.stats.decrypt).toBe(1);
  expect(kms.cloudTrailEvents().filter((e) => e.eventName !== 'CreateKey')).toHaveLength(2);
  expect(cmm.counters).toMatchObject({ encryptMisses: 1, encryptHits: 19, decryptMisses: 1, decryptHits: 19 });
});

test('with maxMessagesEncrypted 5, 12 messages use 3 data keys', async () => {
  const { provider, client } = await build({ maxMessagesEncrypted: 5 });
  for (let i = 0; i < 12; i++) await client.encrypt(Buffer.from('x'));
  expect(provider.stats.generateDataKey).toBe(3);
});

test('a disabled key surfaces as a typed KmsError through the client, and nothing is cached', async () => {
  const { kms, provider, cmm, client } = await build();
  await kms.disableKey({ KeyId: provider.keyId });
  await expect(client.encrypt(Buffer.from('x'))).rejects.toMatchObject({ errorType: 'KmsError', kmsErrorName: 'DisabledException' });
  expect(cmm.cache.size).toBe(0);
  await kms.enableKey({ KeyId: provider.keyId });
  await expect(client.encrypt(Buffer.from('x'))).resolves.toBeDefined();
});

async function streamEncrypt(client: EnvelopeClient, data: Buffer, plaintextLength?: number): Promise<Buffer> {
  const stream = client.encryptStream(plaintextLength === undefined ? {} : { plaintextLength });
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => { stream.on('end', resolve); stream.on('error', reject); });
  stream.end(data);
  await done;
  return Buffer.concat(chunks);
}

test('streams use the cache only when their length is stated', async () => {
  const { provider, client } = await build();
  const data = Buffer.alloc(1000, 1);
  await streamEncrypt(client, data);
  await streamEncrypt(client, data);
  expect(provider.stats.generateDataKey).toBe(2);
  await streamEncrypt(client, data, data.length);
  await streamEncrypt(client, data, data.length);
  expect(provider.stats.generateDataKey).toBe(3);
  const message = await streamEncrypt(client, data, data.length);
  expect((await client.decrypt(message)).plaintext.equals(data)).toBe(true);
});
