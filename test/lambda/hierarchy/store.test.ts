import { inMemoryStore, TABLE } from './support';
import { ConfigurationError, KmsError } from '../../../lambda/core/errors';
import { TYPE_ACTIVE, TYPE_BEACON, TYPE_VERSION_PREFIX } from '../../../lambda/hierarchy/branch-key-items';
import { BranchKeyStoreClient } from '../../../lambda/hierarchy/branch-key-store-client';

describe('branch key store client', () => {
  test('createKey writes the ACTIVE, version and beacon items in the specification format', async () => {
    const { store, table, calls } = await inMemoryStore();
    const id = await store.createKey({ branchKeyId: 'tenant-7', encryptionContext: { tenant: '7' } });
    expect(id).toBe('tenant-7');
    const items = table.itemsOf(TABLE);
    expect(items.map((i) => i.type.S!.replace(/[0-9a-f-]{36}$/, '<uuid>')).sort()).toEqual([TYPE_BEACON, TYPE_ACTIVE, `${TYPE_VERSION_PREFIX}<uuid>`].sort());
    const active = items.find((i) => i.type.S === TYPE_ACTIVE)!;
    const version = items.find((i) => i.type.S!.startsWith(TYPE_VERSION_PREFIX))!;
    expect(active.version.S).toBe(version.type.S);
    expect(version.version).toBeUndefined();
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual(
        ['aws-crypto-ec:tenant', 'branch-key-id', 'create-time', 'enc', 'hierarchy-version', 'kms-arn', 'type', ...(item === active ? ['version'] : [])].sort());
      expect(item['hierarchy-version']).toEqual({ N: '1' });
      expect(item['create-time'].S).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(item['aws-crypto-ec:tenant']).toEqual({ S: '7' });
    }
    expect(calls).toEqual({ generateDataKeyWithoutPlaintext: 2, reEncrypt: 1, decrypt: 0 });
  });

  test('the ACTIVE and version items decrypt to the same key; the beacon key differs', async () => {
    const { store } = await inMemoryStore();
    const id = await store.createKey();
    const active = await store.getActiveBranchKey(id);
    const byVersion = await store.getBranchKeyVersion(id, active.branchKeyVersion);
    const beacon = await store.getBeaconKey(id);
    expect(active.branchKey.length).toBe(32);
    expect(active.branchKey.equals(byVersion.branchKey)).toBe(true);
    expect(beacon.beaconKey.equals(active.branchKey)).toBe(false);
    expect(active.encryptionContext).toEqual({});
  });

  test('versionKey makes a new ACTIVE version and keeps the old one readable', async () => {
    const { store } = await inMemoryStore();
    const id = await store.createKey({ branchKeyId: 'tenant-1', encryptionContext: { tenant: '1' } });
    const before = await store.getActiveBranchKey(id);
    const newVersion = await store.versionKey(id);
    const after = await store.getActiveBranchKey(id);
    expect(after.branchKeyVersion).toBe(newVersion);
    expect(newVersion).not.toBe(before.branchKeyVersion);
    expect(after.branchKey.equals(before.branchKey)).toBe(false);
    expect((await store.getBranchKeyVersion(id, before.branchKeyVersion)).branchKey.equals(before.branchKey)).toBe(true);
    expect(after.encryptionContext).toEqual({ tenant: '1' });
  });

  test('fails if two versionKey calls race: the second sees ACTIVE changed', async () => {
    const { store } = await inMemoryStore();
    const id = await store.createKey();
    const results = await Promise.allSettled([store.versionKey(id), store.versionKey(id)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  test('fails if a stored attribute was altered: KMS does not authenticate the item', async () => {
    const { store, table } = await inMemoryStore();
    const id = await store.createKey({ branchKeyId: 'tenant-2', encryptionContext: { tenant: '2' } });
    table.tamper(TABLE, id, TYPE_ACTIVE, 'aws-crypto-ec:tenant', { S: '3' });
    await expect(store.getActiveBranchKey(id)).rejects.toThrow(KmsError);
    await expect(store.getActiveBranchKey(id)).rejects.toThrow(/^InvalidCiphertextException: KMS Decrypt for branch key store "branch-keys-logical" failed: the item may have been altered/);
    await expect(store.versionKey(id)).rejects.toThrow(KmsError);
  });

  test('fails if an item is missing or of another KMS key', async () => {
    const { store, table } = await inMemoryStore();
    await expect(store.getActiveBranchKey('nope')).rejects.toThrow(/No branch key item "branch:ACTIVE" for branch key id "nope"/);
    const id = await store.createKey();
    table.tamper(TABLE, id, TYPE_ACTIVE, 'kms-arn', { S: 'arn:aws:kms:us-east-1:111122223333:key/other' });
    await expect(store.getActiveBranchKey(id)).rejects.toThrow(/is wrapped by KMS key arn:aws:kms:us-east-1:111122223333:key\/other/);
  });

  test('fails if a caller-chosen id comes without encryption context, or the ARN is an alias', async () => {
    const { store, table, kms } = await inMemoryStore();
    await expect(store.createKey({ branchKeyId: 'x' })).rejects.toThrow(ConfigurationError);
    await expect(store.createKey({ branchKeyId: 'x', encryptionContext: {} })).resolves.toBe('x');
    await expect(store.createKey({ branchKeyId: 'x', encryptionContext: {} })).rejects.toThrow(/ConditionalCheckFailed/);
    expect(() => new BranchKeyStoreClient({ tableName: TABLE, logicalKeyStoreName: 'l', kmsKeyArn: 'alias/x', table, kms: kms as never }))
      .toThrow('BranchKeyStoreClient kmsKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias or key id; received "alias/x".');
  });
});
