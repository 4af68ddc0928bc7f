import { KmsError } from '../../../lambda/core/errors';
import { AwsKmsKeyProvider } from '../../../lambda/providers/aws-kms';
import { LocalKms, LocalKmsError } from '../../../lambda/providers/local-kms';
import { LocalKmsKeyProvider } from '../../../lambda/providers/local-kms-provider';
import { isMultiRegionKeyIdentifier, mrkArnInRegion, mrkMatch, parseKmsArn } from '../../../lambda/providers/mrk';

const MRK_EAST = 'arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab';
const MRK_WEST = 'arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab';

describe('identifiers', () => {
  test('parseKmsArn splits key and alias ARNs and refuses others', () => {
    expect(parseKmsArn(MRK_EAST)).toEqual({ partition: 'aws', region: 'us-east-1', accountId: '111122223333', resourceType: 'key', resourceId: 'mrk-1234abcd12ab34cd56ef1234567890ab' });
    expect(parseKmsArn('arn:aws-cn:kms:cn-north-1:111122223333:alias/a/b')).toMatchObject({ partition: 'aws-cn', resourceType: 'alias', resourceId: 'a/b' });
    for (const bad of ['arn:aws:s3:::bucket', 'arn:aws:kms:us-east-1:111122223333:grant/x', 'key/abc', 'arn:aws:kms:us-east-1:111122223333:key/']) {
      expect(parseKmsArn(bad)).toBeUndefined();
    }
  });

  test.each([
    [MRK_EAST, MRK_WEST, true],
    [MRK_EAST, MRK_EAST, true],
    [MRK_EAST, MRK_WEST.replace('111122223333', '444455556666'), false],
    [MRK_EAST, MRK_WEST.replace('mrk-1234', 'mrk-9999'), false],
    ['arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', false],
    ['mrk-1234abcd12ab34cd56ef1234567890ab', MRK_WEST, true],
    ['alias/mrk-1234abcd12ab34cd56ef1234567890ab', MRK_WEST, false],
  ])('mrkMatch(%s, %s) is %s', (a, b, expected) => {
    expect(mrkMatch(a, b)).toBe(expected);
    expect(mrkMatch(b, a)).toBe(expected);
  });

  test('isMultiRegionKeyIdentifier and mrkArnInRegion', () => {
    expect(isMultiRegionKeyIdentifier(MRK_EAST)).toBe(true);
    expect(isMultiRegionKeyIdentifier('alias/mrk-x')).toBe(false);
    expect(mrkArnInRegion(MRK_EAST, 'eu-west-1')).toBe(MRK_WEST);
    const single = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(mrkArnInRegion(single, 'eu-west-1')).toBe(single);
  });
});

async function mrkPair() {
  const east = new LocalKms({ region: 'us-east-1' });
  const west = east.forRegion('eu-west-1');
  const { KeyMetadata: primary } = await east.createKey({ MultiRegion: true, Description: 'mrk' });
  const { ReplicaKeyMetadata: replica } = await east.replicateKey({ KeyId: primary.KeyId, ReplicaRegion: 'eu-west-1' });
  return { east, west, primary, replica };
}

describe('LocalKms multi-Region keys', () => {
  test('mrk- ids; ReplicateKey creates the same key id in another region with PRIMARY/REPLICA configuration', async () => {
    const { east, west, primary, replica } = await mrkPair();
    expect(primary.KeyId).toMatch(/^mrk-[0-9a-f]{32}$/);
    expect(replica.KeyId).toBe(primary.KeyId);
    expect(replica.Arn).toBe(mrkArnInRegion(primary.Arn, 'eu-west-1'));
    expect(replica.MultiRegionConfiguration).toMatchObject({ MultiRegionKeyType: 'REPLICA', PrimaryKey: { Arn: primary.Arn, Region: 'us-east-1' } });
    const p = (await east.describeKey({ KeyId: primary.KeyId })).KeyMetadata;
    expect(p.MultiRegionConfiguration).toEqual({ MultiRegionKeyType: 'PRIMARY', PrimaryKey: { Arn: primary.Arn, Region: 'us-east-1' }, ReplicaKeys: [{ Arn: replica.Arn, Region: 'eu-west-1' }] });
    expect((await west.describeKey({ KeyId: replica.Arn })).KeyMetadata.KeyState).toBe('Enabled');
  });

  test('a ciphertext made under the primary decrypts under its replica, and the other way round', async () => {
    const { east, west, primary, replica } = await mrkPair();
    const dk = await east.generateDataKey({ KeyId: primary.Arn, KeySpec: 'AES_256', EncryptionContext: { r: 'x' } });
    const there = await west.decrypt({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { r: 'x' }, KeyId: replica.Arn });
    expect(there.KeyId).toBe(replica.Arn);
    expect(Buffer.from(there.Plaintext).equals(Buffer.from(dk.Plaintext))).toBe(true);
    const back = await west.encrypt({ KeyId: replica.KeyId, Plaintext: new Uint8Array([1, 2, 3]) });
    expect(Array.from((await east.decrypt({ CiphertextBlob: back.CiphertextBlob })).Plaintext)).toEqual([1, 2, 3]);
  });

  test('rotation of the primary reaches the replica; rotation is managed on the primary only', async () => {
    const { east, west, primary, replica } = await mrkPair();
    await east.rotateKeyOnDemand({ KeyId: primary.KeyId });
    const a = (await east.describeKey({ KeyId: primary.KeyId })).KeyMetadata.CurrentKeyMaterialId;
    const b = (await west.describeKey({ KeyId: replica.KeyId })).KeyMetadata.CurrentKeyMaterialId;
    expect(b).toBe(a);
    const e = await west.rotateKeyOnDemand({ KeyId: replica.KeyId }).catch((x: LocalKmsError) => x);
    expect((e as LocalKmsError).name).toBe('UnsupportedOperationException');
  });

  test('single-Region keys cannot be replicated; a second replica in a region already exists; ciphertexts of single-Region keys stay in their region', async () => {
    const { east } = await mrkPair();
    const single = (await east.createKey({})).KeyMetadata;
    await expect(east.replicateKey({ KeyId: single.KeyId, ReplicaRegion: 'eu-west-1' })).rejects.toMatchObject({ name: 'UnsupportedOperationException' });
    const mrk = (await east.createKey({ MultiRegion: true })).KeyMetadata;
    await east.replicateKey({ KeyId: mrk.KeyId, ReplicaRegion: 'ap-south-1' });
    await expect(east.replicateKey({ KeyId: mrk.KeyId, ReplicaRegion: 'ap-south-1' })).rejects.toMatchObject({ name: 'AlreadyExistsException' });
    const { CiphertextBlob } = await east.encrypt({ KeyId: single.KeyId, Plaintext: new Uint8Array([1]) });
    await expect(east.forRegion('eu-west-1').decrypt({ CiphertextBlob })).rejects.toMatchObject({ name: 'NotFoundException' });
  });
});

describe('MRK-aware providers', () => {
  test.each([
    ['LocalKmsKeyProvider', (kms: LocalKms, keyId: string) => new LocalKmsKeyProvider({ kms, keyId })],
    ['AwsKmsKeyProvider', (kms: LocalKms, keyId: string) => new AwsKmsKeyProvider({ client: kms, keyId })],
  ])('%s configured with the replica ARN unwraps data keys wrapped under the primary', async (_, make) => {
    const { east, west, primary, replica } = await mrkPair();
    const writer = make(east, primary.Arn);
    const reader = make(west, replica.Arn);
    const out = await writer.generateDataKey({ numberOfBytes: 32, encryptionContext: { a: 'b' } });
    expect(out.encryptedDataKey.providerInfo).toBe(primary.Arn);
    expect(reader.canDecrypt(out.encryptedDataKey)).toBe(true);
    const plain = await reader.decryptDataKey({ encryptedDataKey: out.encryptedDataKey, encryptionContext: { a: 'b' } });
    expect(plain.equals(out.plaintextDataKey)).toBe(true);
    // The Decrypt call went to the replica in the reader's region.
    const last = west.cloudTrailEvents({ region: 'eu-west-1' }).filter((e) => e.eventName === 'Decrypt').pop();
    expect(last?.resources[0].ARN).toBe(replica.Arn);
  });

  test('a single-Region key in another region does not match', async () => {
    const east = new LocalKms({ region: 'us-east-1' });
    const west = east.forRegion('eu-west-1');
    const a = (await east.createKey({})).KeyMetadata;
    const b = (await west.createKey({})).KeyMetadata;
    const out = await new LocalKmsKeyProvider({ kms: east, keyId: a.Arn }).generateDataKey({ numberOfBytes: 32, encryptionContext: {} });
    expect(new LocalKmsKeyProvider({ kms: west, keyId: b.Arn }).canDecrypt(out.encryptedDataKey)).toBe(false);
  });

  test('discovery mode unwraps any MRK data key with the replica of its region, filtered by account', async () => {
    const { east, west, primary } = await mrkPair();
    const out = await new LocalKmsKeyProvider({ kms: east, keyId: primary.Arn }).generateDataKey({ numberOfBytes: 32, encryptionContext: {} });
    const discovery = new AwsKmsKeyProvider({ client: west, keyId: 'alias/unused-for-decrypt', discovery: { region: 'eu-west-1', accountIds: ['111122223333'] } });
    expect(discovery.canDecrypt(out.encryptedDataKey)).toBe(true);
    const unwrapped = await discovery.decryptDataKey({ encryptedDataKey: out.encryptedDataKey, encryptionContext: {} });
    expect(unwrapped.equals(out.plaintextDataKey)).toBe(true);
    const otherAccount = new AwsKmsKeyProvider({ client: west, keyId: 'alias/x', discovery: { region: 'eu-west-1', accountIds: ['444455556666'] } });
    expect(otherAccount.canDecrypt(out.encryptedDataKey)).toBe(false);
    const single = (await east.createKey({})).KeyMetadata;
    const singleProvider = new LocalKmsKeyProvider({ kms: east, keyId: single.Arn });
    const singleEdk = (await singleProvider.generateDataKey({ numberOfBytes: 32, encryptionContext: {} })).encryptedDataKey;
    expect(discovery.canDecrypt(singleEdk)).toBe(false);
  });

  test('a replica that is disabled yields a typed KmsError', async () => {
    const { east, west, primary, replica } = await mrkPair();
    const out = await new LocalKmsKeyProvider({ kms: east, keyId: primary.Arn }).generateDataKey({ numberOfBytes: 32, encryptionContext: {} });
    await west.disableKey({ KeyId: replica.KeyId });
    const reader = new LocalKmsKeyProvider({ kms: west, keyId: replica.Arn });
    const e = await reader.decryptDataKey({ encryptedDataKey: out.encryptedDataKey, encryptionContext: {} }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KmsError);
    expect((e as KmsError).kmsErrorName).toBe('DisabledException');
    expect((e as KmsError).message).toMatch(/Enable the key/);
  });
});
