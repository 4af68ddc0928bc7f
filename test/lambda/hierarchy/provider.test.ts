import { inMemoryStore } from './support';
import { EnvelopeClient } from '../../../lambda/core/envelope-client';
import { NoDecryptableDataKeyError } from '../../../lambda/core/errors';
import { AlgorithmSuiteId } from '../../../lambda/core/types';
import { BranchKeyCache } from '../../../lambda/hierarchy/branch-key-cache';
import { branchKeyIdFromContext, HierarchicalKeyProvider } from '../../../lambda/hierarchy/hierarchical-key-provider';

describe('hierarchical key provider with EnvelopeClient', () => {
  test('one branch key per tenant: KMS calls follow tenants, not messages', async () => {
    const { store, calls } = await inMemoryStore();
    for (let t = 0; t < 5; t++) await store.createKey({ branchKeyId: `tenant-${t}`, encryptionContext: { tenant: `${t}` } });
    const before = { ...calls };
    const provider = new HierarchicalKeyProvider({ keyStore: store, branchKeyIdSupplier: branchKeyIdFromContext('tenant', (t) => `tenant-${t}`), cacheTtlSeconds: 300 });
    const client = new EnvelopeClient({ keyProvider: provider });
    const messages: Buffer[] = [];
    for (let i = 0; i < 100; i++) {
      messages.push((await client.encrypt(Buffer.from(`message ${i}`), { encryptionContext: { tenant: `${i % 5}` } })).message);
    }
    for (let i = 0; i < 100; i++) {
      expect((await client.decrypt(messages[i])).plaintext.toString()).toBe(`message ${i}`);
    }
    expect(calls.decrypt - before.decrypt).toBe(10); // 5 ACTIVE reads for encrypt, 5 version reads for decrypt
    expect(provider.stats.storeReads).toBe(10);
    const header = (await client.decrypt(messages[3])).header;
    expect(header.encryptedDataKeys.map((e) => [e.providerId, e.providerInfo])).toEqual([['aws-kms-hierarchy', 'tenant-3']]);
  });

  test('every message gets its own data key', async () => {
    const { store } = await inMemoryStore();
    const id = await store.createKey();
    const provider = new HierarchicalKeyProvider({ keyStore: store, branchKeyId: id, cacheTtlSeconds: 60 });
    const a = await provider.generateDataKey({ numberOfBytes: 32, encryptionContext: {} });
    const b = await provider.generateDataKey({ numberOfBytes: 32, encryptionContext: {} });
    expect(a.plaintextDataKey.equals(b.plaintextDataKey)).toBe(false);
    expect(a.encryptedDataKey.encryptedDataKey.equals(b.encryptedDataKey.encryptedDataKey)).toBe(false);
  });

  test('after versionKey, new messages use the new version and old ones still decrypt', async () => {
    const { store } = await inMemoryStore();
    const id = await store.createKey();
    let now = 0;
    const cache = new BranchKeyCache({ ttlSeconds: 10, clock: () => now });
    const provider = new HierarchicalKeyProvider({ keyStore: store, branchKeyId: id, cacheTtlSeconds: 10, cache });
    const client = new EnvelopeClient({ keyProvider: provider, suite: AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 });
    const old = (await client.encrypt(Buffer.from('old'), { encryptionContext: { a: 'b' } })).message;
    const newVersion = await store.versionKey(id);
    now += 11_000;
    const fresh = (await client.encrypt(Buffer.from('new'))).message;
    const version = (m: Buffer) => m.indexOf(Buffer.from(newVersion.replace(/-/g, ''), 'hex'));
    expect(version(fresh)).toBeGreaterThan(0);
    expect(version(old)).toBe(-1);
    expect((await client.decrypt(old)).plaintext.toString()).toBe('old');
    expect((await client.decrypt(fresh)).plaintext.toString()).toBe('new');
  });

  test('fails if the message is for another tenant\'s branch key or its context was changed', async () => {
    const { store } = await inMemoryStore();
    await store.createKey({ branchKeyId: 'a', encryptionContext: { tenant: 'a' } });
    await store.createKey({ branchKeyId: 'b', encryptionContext: { tenant: 'b' } });
    const provider = new HierarchicalKeyProvider({ keyStore: store, branchKeyIdSupplier: branchKeyIdFromContext('tenant'), cacheTtlSeconds: 60 });
    const dk = await provider.generateDataKey({ numberOfBytes: 32, encryptionContext: { tenant: 'a' } });
    await expect(provider.decryptDataKey({ encryptedDataKey: dk.encryptedDataKey, encryptionContext: { tenant: 'b' } }))
      .rejects.toThrow('The data key is wrapped by branch key "a", but this message\'s branch key is "b".');
    await expect(provider.decryptDataKey({ encryptedDataKey: dk.encryptedDataKey, encryptionContext: { tenant: 'a', x: 'y' } }))
      .rejects.toThrow(/does not authenticate/);
    expect((await provider.decryptDataKey({ encryptedDataKey: dk.encryptedDataKey, encryptionContext: { tenant: 'a' } })).equals(dk.plaintextDataKey)).toBe(true);
    const client = new EnvelopeClient({ keyProvider: provider });
    await expect(client.encrypt(Buffer.from('x'))).rejects.toThrow('The encryption context has no "tenant" key, which chooses the branch key; add it to every message.');
    const fixed = new EnvelopeClient({ keyProvider: new HierarchicalKeyProvider({ keyStore: store, branchKeyId: 'b', cacheTtlSeconds: 1 }) });
    const msg = (await client.encrypt(Buffer.from('x'), { encryptionContext: { tenant: 'a' } })).message;
    await expect(fixed.decrypt(msg)).rejects.toThrow(NoDecryptableDataKeyError);
  });

  test('reEncryptDataKey moves a data key to another branch key', async () => {
    const { store } = await inMemoryStore();
    await store.createKey({ branchKeyId: 'a', encryptionContext: {} });
    await store.createKey({ branchKeyId: 'b', encryptionContext: {} });
    const provider = new HierarchicalKeyProvider({ keyStore: store, branchKeyIdSupplier: (c) => c.bk, cacheTtlSeconds: 60 });
    const dk = await provider.generateDataKey({ numberOfBytes: 32, encryptionContext: { bk: 'a' } });
    const moved = await provider.reEncryptDataKey({ encryptedDataKey: dk.encryptedDataKey, encryptionContext: { bk: 'a' }, destinationKeyId: 'b' });
    expect(moved.providerInfo).toBe('b');
    await expect(provider.decryptDataKey({ encryptedDataKey: moved, encryptionContext: { bk: 'a' } })).rejects.toThrow(/wrapped by branch key "b"/);
  });

  test('fails if neither or both of branchKeyId and branchKeyIdSupplier are given', async () => {
    const { store } = await inMemoryStore();
    const msg = 'HierarchicalKeyProvider needs exactly one of branchKeyId (one branch key) and branchKeyIdSupplier (a branch key per message).';
    expect(() => new HierarchicalKeyProvider({ keyStore: store, cacheTtlSeconds: 1 })).toThrow(msg);
    expect(() => new HierarchicalKeyProvider({ keyStore: store, branchKeyId: 'a', branchKeyIdSupplier: () => 'a', cacheTtlSeconds: 1 })).toThrow(msg);
  });
});

describe('hierarchical key provider: malformed encrypted data keys', () => {
  test.each([0, 59, 60, 91, 93])('fails with InvalidMessageError for a %i-byte ciphertext', async (length) => {
    const { store } = await inMemoryStore();
    const id = await store.createKey();
    const provider = new HierarchicalKeyProvider({ keyStore: store, branchKeyId: id, cacheTtlSeconds: 60 });
    const edk = { providerId: 'aws-kms-hierarchy', providerInfo: id, encryptedDataKey: Buffer.alloc(length, 1) };
    await expect(provider.decryptDataKey({ encryptedDataKey: edk, encryptionContext: {} }))
      .rejects.toThrow(`A aws-kms-hierarchy encrypted data key is ${length} bytes; 92 are expected (salt, IV, version, key, tag).`);
    expect(provider.stats.storeReads).toBe(0);
  });
});
