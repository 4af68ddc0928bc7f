/**
 * Interop with the AWS Encryption SDK's hierarchical keyring on one DynamoDB table and KMS key
 * served by moto_server: branch keys created or versioned by either side are read by the other, and
 * messages encrypted by either side decrypt with the other.
 */
/* eslint-disable import/no-extraneous-dependencies */
import {
  BranchKeyStoreNode, buildClient, CommitmentPolicy, KmsHierarchicalKeyRingNode,
} from '@aws-crypto/client-node';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
/* eslint-enable import/no-extraneous-dependencies */
import { EnvelopeClient } from '../../../lambda/core/envelope-client';
import { BranchKeyStoreClient } from '../../../lambda/hierarchy/branch-key-store-client';
import { sortOrdersDiffer } from '../../../lambda/hierarchy/branch-key-wrapping';
import { branchKeyIdFromContext, HierarchicalKeyProvider } from '../../../lambda/hierarchy/hierarchical-key-provider';
import { dynamoDbBranchKeyTable } from '../../../lambda/providers/aws-dynamodb-branch-key-store';
import { kmsBranchKeyOperations } from '../../../lambda/providers/hierarchical-kms';
import { Moto, motoUnavailable, startMoto } from '../../support/moto';

const skip = motoUnavailable();
if (skip) console.log(`Skipping hierarchical keyring interop against moto: ${skip}`);
const suite = skip ? describe.skip : describe;

const TABLE = 'interop-branch-keys';
const LOGICAL = 'interop-logical';
const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

suite('hierarchical keyring interop with @aws-crypto/client-node (moto_server)', () => {
  let moto: Moto;
  let kms: KMSClient;
  let ddb: DynamoDBClient;
  let keyArn: string;
  let ours: BranchKeyStoreClient;
  let theirs: BranchKeyStoreNode;

  beforeAll(async () => {
    moto = await startMoto();
    const config = { endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    kms = new KMSClient(config);
    ddb = new DynamoDBClient(config);
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 'branch keys' }))).KeyMetadata!.Arn!;
    await ddb.send(new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'branch-key-id', KeyType: 'HASH' }, { AttributeName: 'type', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'branch-key-id', AttributeType: 'S' }, { AttributeName: 'type', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    ours = new BranchKeyStoreClient({
      tableName: TABLE, logicalKeyStoreName: LOGICAL, kmsKeyArn: keyArn, table: dynamoDbBranchKeyTable(ddb), kms: kmsBranchKeyOperations(kms),
    });
    theirs = new BranchKeyStoreNode({
      logicalKeyStoreName: LOGICAL,
      storage: { ddbTableName: TABLE, ddbClient: ddb },
      keyManagement: { kmsClient: kms },
      kmsConfiguration: { identifier: keyArn },
    });
    // One branch key made by each side; every test below works on both.
    await ours.createKey({ branchKeyId: 'tenant-ours', encryptionContext: { tenant: 'tenant-ours' } });
    await theirs.createKey({ branchKeyIdentifier: 'tenant-theirs', encryptionContext: { tenant: 'tenant-theirs' } });
  }, 60_000);

  afterAll(async () => {
    kms?.destroy();
    ddb?.destroy();
    await moto?.stop();
  });

  function ourClient(branchKeyId?: string) {
    const provider = branchKeyId
      ? new HierarchicalKeyProvider({ keyStore: ours, branchKeyId, cacheTtlSeconds: 1 })
      : new HierarchicalKeyProvider({ keyStore: ours, branchKeyIdSupplier: branchKeyIdFromContext('tenant'), cacheTtlSeconds: 1 });
    return new EnvelopeClient({ keyProvider: provider });
  }

  function theirKeyring(branchKeyId: string, utf8Sorting?: boolean) {
    return new KmsHierarchicalKeyRingNode({ branchKeyId, keyStore: theirs, cacheLimitTtl: 1, utf8Sorting });
  }

  test('a branch key we created reads the same through their key store, and one they created through ours', async () => {
    const id = 'tenant-ours';
    const mine = await ours.getActiveBranchKey(id);
    const seen = await theirs.getActiveBranchKey(id);
    expect(Buffer.from(seen.branchKey()).equals(mine.branchKey)).toBe(true);
    expect(seen.branchKeyVersion.toString('utf8')).toBe(mine.branchKeyVersion);
    expect(seen.encryptionContext).toEqual({ tenant: 'tenant-ours' });

    const theirId = 'tenant-theirs';
    const theirActive = await theirs.getActiveBranchKey(theirId);
    const read = await ours.getActiveBranchKey(theirId);
    expect(read.branchKey.equals(Buffer.from(theirActive.branchKey()))).toBe(true);
    expect((await ours.getBeaconKey(theirId)).beaconKey.length).toBe(32);
  });

  test.each(['tenant-ours', 'tenant-theirs'])('messages cross both ways on branch key %s, including after versions change', async (id) => {
    const plaintext = Buffer.from(`hello ${id}`);
    const context = { tenant: id, purpose: 'interop' };
    const fromUs = (await ourClient().encrypt(plaintext, { encryptionContext: context })).message;
    const fromThem = (await esdk.encrypt(theirKeyring(id), plaintext, { encryptionContext: context })).result;
    expect(Buffer.from((await esdk.decrypt(theirKeyring(id), fromUs)).plaintext).equals(plaintext)).toBe(true);
    expect((await ourClient().decrypt(fromThem)).plaintext.equals(plaintext)).toBe(true);

    // A version from our VersionKey, then one from theirs; every message stays readable on both sides.
    const ourVersion = await ours.versionKey(id);
    const afterOurs = (await esdk.encrypt(theirKeyring(id), plaintext, { encryptionContext: context })).result;
    expect(afterOurs.indexOf(Buffer.from(ourVersion.replace(/-/g, ''), 'hex'))).toBeGreaterThan(0);
    await theirs.versionKey({ branchKeyIdentifier: id });
    const theirVersion = (await theirs.getActiveBranchKey(id)).branchKeyVersion.toString('utf8');
    expect(theirVersion).not.toBe(ourVersion);
    const afterTheirs = (await ourClient(id).encrypt(plaintext, { encryptionContext: context })).message;
    expect(afterTheirs.indexOf(Buffer.from(theirVersion.replace(/-/g, ''), 'hex'))).toBeGreaterThan(0);
    for (const message of [fromUs, fromThem, afterOurs, afterTheirs]) {
      expect((await ourClient().decrypt(message)).plaintext.equals(plaintext)).toBe(true);
      expect(Buffer.from((await esdk.decrypt(theirKeyring(id), message)).plaintext).equals(plaintext)).toBe(true);
    }
  });

  test('utf8Sorting: we read both of their settings; they need utf8Sorting: true to read ours when the orders differ', async () => {
    const id = 'tenant-ours';
    const context = { 'tenant': id, 'Zone': 'eu', 'alpha': '1', 'a-b': '2' };
    expect(sortOrdersDiffer(context)).toBe(true);
    const plaintext = Buffer.from('sorted');
    const theirDefault = (await esdk.encrypt(theirKeyring(id), plaintext, { encryptionContext: context })).result;
    const theirUtf8 = (await esdk.encrypt(theirKeyring(id, true), plaintext, { encryptionContext: context })).result;
    expect((await ourClient().decrypt(theirDefault)).plaintext.equals(plaintext)).toBe(true);
    expect((await ourClient().decrypt(theirUtf8)).plaintext.equals(plaintext)).toBe(true);
    const strict = new EnvelopeClient({
      keyProvider: new HierarchicalKeyProvider({ keyStore: ours, branchKeyId: id, cacheTtlSeconds: 1, acceptLocaleSortedContext: false }),
    });
    await expect(strict.decrypt(theirDefault)).rejects.toThrow(/Could not decrypt/);
    const fromUs = (await ourClient().encrypt(plaintext, { encryptionContext: context })).message;
    expect(Buffer.from((await esdk.decrypt(theirKeyring(id, true), fromUs)).plaintext).equals(plaintext)).toBe(true);
    await expect(esdk.decrypt(theirKeyring(id), fromUs)).rejects.toThrow();
  });
});
