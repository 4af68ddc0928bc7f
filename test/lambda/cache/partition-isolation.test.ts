/**
 * A shared data-key cache partition must never hand one account's data key to another: the cache
 * key carries the resolved key (a key or alias ARN), or the provider itself when the configured key
 * is an alias name or key id that each account resolves on its own.
 */
import { CachingMaterialsManager } from '../../../lambda/core/caching-materials-manager';
import { DataKeyCache } from '../../../lambda/core/data-key-cache';
import { EnvelopeClient } from '../../../lambda/core/envelope-client';
import { DefaultMaterialsManager } from '../../../lambda/core/materials';
import { LocalKms } from '../../../lambda/providers/local-kms';
import { LocalKmsKeyProvider } from '../../../lambda/providers/local-kms-provider';

const ALIAS = 'alias/app';

async function accountWithAlias(accountId: string) {
  const kms = new LocalKms({ accountId });
  const { KeyMetadata } = await kms.createKey({});
  await kms.createAlias({ AliasName: ALIAS, TargetKeyId: KeyMetadata.KeyId });
  return { kms, keyArn: KeyMetadata.Arn };
}

function clientOver(provider: LocalKmsKeyProvider, cache: DataKeyCache): EnvelopeClient {
  return new EnvelopeClient({
    materialsManager: new CachingMaterialsManager({
      underlying: new DefaultMaterialsManager(provider), cache, maxAgeSeconds: 300, partition: 'shared',
    }),
  });
}

describe('a shared cache partition', () => {
  test('two providers with the same alias name in different accounts do not share data keys', async () => {
    const a = await accountWithAlias('111111111111');
    const b = await accountWithAlias('222222222222');
    const cache = new DataKeyCache({ capacity: 10 });
    const providerA = new LocalKmsKeyProvider({ kms: a.kms, keyId: ALIAS });
    const providerB = new LocalKmsKeyProvider({ kms: b.kms, keyId: ALIAS });
    const data = Buffer.from('payload');
    const fromA = await clientOver(providerA, cache).encrypt(data);
    const fromB = await clientOver(providerB, cache).encrypt(data);
    expect(fromA.header.encryptedDataKeys[0].providerInfo).toBe(a.keyArn);
    // Account B's message is under account B's key, from its own GenerateDataKey call.
    expect(fromB.header.cacheHit).toBe(false);
    expect(fromB.header.encryptedDataKeys[0].providerInfo).toBe(b.keyArn);
    expect([providerA.stats.generateDataKey, providerB.stats.generateDataKey]).toEqual([1, 1]);
    // And account B's own KMS can read it back.
    expect((await clientOver(new LocalKmsKeyProvider({ kms: b.kms, keyId: b.keyArn }), new DataKeyCache({ capacity: 1 }))
      .decrypt(fromB.message)).plaintext.equals(data)).toBe(true);
  });

  test('decrypt materials cached for one account are not served to the other', async () => {
    const a = await accountWithAlias('111111111111');
    const b = await accountWithAlias('222222222222');
    const cache = new DataKeyCache({ capacity: 10 });
    const providerA = new LocalKmsKeyProvider({ kms: a.kms, keyId: ALIAS });
    const providerB = new LocalKmsKeyProvider({ kms: b.kms, keyId: ALIAS });
    const { message } = await clientOver(providerA, cache).encrypt(Buffer.from('payload'));
    await clientOver(providerA, cache).decrypt(message);
    // B has no business decrypting A's message: it must ask its own KMS, which refuses.
    await expect(clientOver(providerB, cache).decrypt(message)).rejects.toThrow();
  });

  test('managers over the same provider, or the same key ARN, still share the partition', async () => {
    const a = await accountWithAlias('111111111111');
    const cache = new DataKeyCache({ capacity: 10 });
    const byAlias = new LocalKmsKeyProvider({ kms: a.kms, keyId: ALIAS });
    await clientOver(byAlias, cache).encrypt(Buffer.from('x'));
    expect((await clientOver(byAlias, cache).encrypt(Buffer.from('x'))).header.cacheHit).toBe(true);
    const byArn1 = new LocalKmsKeyProvider({ kms: a.kms, keyId: a.keyArn });
    const byArn2 = new LocalKmsKeyProvider({ kms: a.kms, keyId: a.keyArn });
    await clientOver(byArn1, cache).encrypt(Buffer.from('x'));
    expect((await clientOver(byArn2, cache).encrypt(Buffer.from('x'))).header.cacheHit).toBe(true);
  });
});
