/**
 * The hierarchical keyring, measured (run alone; not part of `npm run bench` or the tests):
 *   npx ts-node --transpile-only --project examples/tsconfig.json bench/hierarchical.bench.ts [--only kms-calls|throughput]
 *
 * 1. KMS calls for 10,000 messages (1 KiB) over 100 tenants in one process: our HierarchicalKeyProvider
 *    (a branch key per tenant), our data-key cache (CachingMaterialsManager, a data key per tenant
 *    context), and the Encryption SDK's KmsHierarchicalKeyRingNode, all on one KMS key and one
 *    DynamoDB table in moto_server. Calls are counted on the KMS client.
 * 2. Throughput against the SDK's hierarchical keyring at 1 KiB and 1 MiB, warm caches, interleaved
 *    rounds; ratios are paired per round and given as median with interquartile range.
 */
/* eslint-disable import/no-extraneous-dependencies */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  AlgorithmSuiteIdentifier, BranchKeyStoreNode, buildClient, CommitmentPolicy, KmsHierarchicalKeyRingNode,
} from '@aws-crypto/client-node';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
/* eslint-enable import/no-extraneous-dependencies */
import { fmt, interleave, KiB, MiB, pairedRatio, sizeLabel } from './support';
import { CachingMaterialsManager } from '../lambda/core/caching-materials-manager';
import { DataKeyCache } from '../lambda/core/data-key-cache';
import { EnvelopeClient } from '../lambda/core/envelope-client';
import { DefaultMaterialsManager } from '../lambda/core/materials';
import { BranchKeyStoreClient } from '../lambda/hierarchy/branch-key-store-client';
import { branchKeyIdFromContext, HierarchicalKeyProvider } from '../lambda/hierarchy/hierarchical-key-provider';
import { dynamoDbBranchKeyTable } from '../lambda/providers/aws-dynamodb-branch-key-store';
import { AwsKmsKeyProvider } from '../lambda/providers/aws-kms';
import { kmsBranchKeyOperations } from '../lambda/providers/hierarchical-kms';
import { motoUnavailable, startMoto } from '../test/support/moto';

const TABLE = 'bench-branch-keys';
const LOGICAL = 'bench';
const MESSAGES = 10_000;
const TENANTS = 100;
const TTL_SECONDS = 300;
const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;

function countingKms(config: object): { kms: KMSClient; calls: Record<string, number> } {
  const kms = new KMSClient(config);
  const calls: Record<string, number> = {};
  kms.middlewareStack.add((next, context) => async (args) => {
    const name = String((context as { commandName?: string }).commandName ?? 'unknown').replace(/Command$/, '');
    calls[name] = (calls[name] ?? 0) + 1;
    return next(args);
  }, { step: 'initialize', name: 'benchCountKmsCalls' });
  return { kms, calls };
}

const tenantOf = (i: number) => `tenant-${i % TENANTS}`;

const PARTS = ['kms-calls', 'throughput'] as const;

async function main(): Promise<void> {
  const only = parseArgs({ options: { only: { type: 'string' } } }).values.only?.split(',').map((p) => p.trim());
  for (const p of only ?? []) {
    if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--only: unknown part "${p}"; parts are ${PARTS.join(', ')}.`);
  }
  const want = (p: typeof PARTS[number]) => !only || only.includes(p);
  const why = motoUnavailable();
  if (why) {
    console.log(`hierarchical bench skipped: ${why}`);
    return;
  }
  const moto = await startMoto();
  const config = { endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const setup = new KMSClient(config);
  const ddb = new DynamoDBClient(config);
  try {
    const keyArn = (await setup.send(new CreateKeyCommand({ Description: 'bench' }))).KeyMetadata!.Arn!;
    await ddb.send(new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'branch-key-id', KeyType: 'HASH' }, { AttributeName: 'type', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'branch-key-id', AttributeType: 'S' }, { AttributeName: 'type', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    const storeFor = (kms: KMSClient) => new BranchKeyStoreClient({
      tableName: TABLE, logicalKeyStoreName: LOGICAL, kmsKeyArn: keyArn, table: dynamoDbBranchKeyTable(ddb), kms: kmsBranchKeyOperations(kms),
    });
    const admin = storeFor(setup);
    for (let t = 0; t < TENANTS; t++) await admin.createKey({ branchKeyId: tenantOf(t), encryptionContext: { tenant: tenantOf(t) } });
    const payload = randomBytes(KiB);

    if (want('kms-calls')) await kmsCalls();
    if (want('throughput')) await throughput();

    // --- 1. KMS calls ---
    async function kmsCalls(): Promise<void> {
    type Side = { encrypt: (ctx: Record<string, string>) => Promise<Buffer>; decrypt: (m: Buffer) => Promise<unknown> };
    const sides: Array<{ name: string; make: (kms: KMSClient) => Side }> = [
      {
        name: 'ours: HierarchicalKeyProvider (TTL 300 s)',
        make: (kms) => {
          const client = new EnvelopeClient({
            keyProvider: new HierarchicalKeyProvider({ keyStore: storeFor(kms), branchKeyIdSupplier: branchKeyIdFromContext('tenant'), cacheTtlSeconds: TTL_SECONDS }),
          });
          return { encrypt: async (c) => (await client.encrypt(payload, { encryptionContext: c })).message, decrypt: (m) => client.decrypt(m) };
        },
      },
      ...[1000, 10].map((maxMessages) => ({
        name: `ours: data-key cache (maxAge 300 s, maxMessagesEncrypted ${maxMessages})`,
        make: (kms: KMSClient): Side => {
          const client = new EnvelopeClient({
            materialsManager: new CachingMaterialsManager({
              underlying: new DefaultMaterialsManager(new AwsKmsKeyProvider({ client: kms, keyId: keyArn })),
              cache: new DataKeyCache({ capacity: 1000 }),
              maxAgeSeconds: TTL_SECONDS,
              maxMessagesEncrypted: maxMessages,
            }),
          });
          return { encrypt: async (c) => (await client.encrypt(payload, { encryptionContext: c })).message, decrypt: (m) => client.decrypt(m) };
        },
      })),
      {
        name: 'Encryption SDK: KmsHierarchicalKeyRingNode (cacheLimitTtl 300 s)',
        make: (kms) => {
          const keyStore = new BranchKeyStoreNode({
            logicalKeyStoreName: LOGICAL,
            storage: { ddbTableName: TABLE, ddbClient: ddb },
            keyManagement: { kmsClient: kms },
            kmsConfiguration: { identifier: keyArn },
          });
          const keyring = new KmsHierarchicalKeyRingNode({
            branchKeyIdSupplier: { getBranchKeyId: (c: Record<string, string>) => c.tenant }, keyStore, cacheLimitTtl: TTL_SECONDS, utf8Sorting: true,
          });
          return {
            encrypt: async (c) => Buffer.from((await sdk.encrypt(keyring, payload, { encryptionContext: c, suiteId: SUITE })).result),
            decrypt: (m) => sdk.decrypt(keyring, m),
          };
        },
      },
    ];
    console.log(`KMS calls for ${MESSAGES} messages of 1 KiB over ${TENANTS} tenants, one process (moto_server)`);
    console.log('| provider | encrypt: KMS calls | decrypt: KMS calls | data keys |');
    console.log('|---|---|---|---|');
    for (const side of sides) {
      const { kms, calls } = countingKms(config);
      const s = side.make(kms);
      const messages: Buffer[] = [];
      for (let i = 0; i < MESSAGES; i++) messages.push(await s.encrypt({ tenant: tenantOf(i) }));
      const encryptCalls = { ...calls };
      for (const m of messages) await s.decrypt(m);
      const decryptCalls = Object.fromEntries(Object.entries(calls)
        .map(([k, v]) => [k, v - (encryptCalls[k] ?? 0)])
        .filter(([, v]) => (v as number) > 0));
      const limit = side.name.match(/maxMessagesEncrypted (\d+)/)?.[1];
      const keys = limit ? `one per tenant context, reused by up to ${limit} messages` : 'one per message';
      console.log(`| ${side.name} | ${JSON.stringify(encryptCalls)} | ${JSON.stringify(decryptCalls)} | ${keys} |`);
      kms.destroy();
    }
    console.log(`| no cache (one GenerateDataKey per message, by construction) | ${MESSAGES} | ${MESSAGES} | one per message |`);
    }

    // --- 2. Throughput, warm caches ---
    async function throughput(): Promise<void> {
      const ours = new EnvelopeClient({
        keyProvider: new HierarchicalKeyProvider({ keyStore: storeFor(setup), branchKeyId: tenantOf(0), cacheTtlSeconds: 3600 }),
      });
      const theirKeyring = new KmsHierarchicalKeyRingNode({
        branchKeyId: tenantOf(0),
        cacheLimitTtl: 3600,
        utf8Sorting: true,
        keyStore: new BranchKeyStoreNode({
          logicalKeyStoreName: LOGICAL,
          storage: { ddbTableName: TABLE, ddbClient: ddb },
          keyManagement: { kmsClient: setup },
          kmsConfiguration: { identifier: keyArn },
        }),
      });
      const context = { tenant: tenantOf(0) };
      console.log('\nThroughput against the SDK keyring (same branch key, warm caches): ours / SDK time ratio inverted, median [p25, p75]');
      console.log('| size | operation | ours ms (median) | SDK ms (median) | ours is N x the SDK |');
      console.log('|---|---|---|---|---|');
      for (const size of [KiB, MiB]) {
        const data = randomBytes(size);
        const oursMsg = (await ours.encrypt(data, { encryptionContext: context })).message;
        const theirMsg = Buffer.from((await sdk.encrypt(theirKeyring, data, { encryptionContext: context, suiteId: SUITE })).result);
        const batch = size === KiB ? 200 : 4;
        const rounds = size === KiB ? 15 : 11;
        const enc = await interleave([
          { name: 'ours', run: () => ours.encrypt(data, { encryptionContext: context }), batch },
          { name: 'sdk', run: () => sdk.encrypt(theirKeyring, data, { encryptionContext: context, suiteId: SUITE }), batch },
        ], rounds);
        const dec = await interleave([
          { name: 'ours', run: () => ours.decrypt(oursMsg), batch },
          { name: 'sdk', run: () => sdk.decrypt(theirKeyring, theirMsg), batch },
        ], rounds);
        for (const [op, m] of [['encrypt', enc], ['decrypt', dec]] as const) {
          const o = m.get('ours')!.ms;
          const t = m.get('sdk')!.ms;
          const r = pairedRatio(t, o);
          const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
          console.log(`| ${sizeLabel(size)} | ${op} | ${fmt(med(o), 3)} | ${fmt(med(t), 3)} | ${fmt(r.median)} [${fmt(r.p25)}, ${fmt(r.p75)}] |`);
        }
      }
    }
  } finally {
    setup.destroy();
    ddb.destroy();
    await moto.stop();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
