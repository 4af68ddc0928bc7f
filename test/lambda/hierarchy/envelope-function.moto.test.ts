/**
 * The bundled envelope Lambda (assets/envelope-function) configured with a branch key store, as the
 * EnvelopeFunction construct configures it, against DynamoDB and KMS served by moto_server: it
 * encrypts with a branch key per tenant, and the AWS Encryption SDK's hierarchical keyring decrypts
 * its messages; it decrypts the keyring's messages in turn. The bundle runs in a fresh node process
 * outside the repository, so it can only use what it carries (its branch-key-store.js chunk).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
/* eslint-disable import/no-extraneous-dependencies */
import { BranchKeyStoreNode, buildClient, CommitmentPolicy, KmsHierarchicalKeyRingNode } from '@aws-crypto/client-node';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
/* eslint-enable import/no-extraneous-dependencies */
import { Moto, motoUnavailable, startMoto } from '../../support/moto';
import { newestSource } from '../../support/sources';

const skip = motoUnavailable();
if (skip) console.log(`Skipping the envelope Lambda with a branch key store against moto: ${skip}`);
const suite = skip ? describe.skip : describe;

const ROOT = join(__dirname, '..', '..', '..');
const TABLE = 'envelope-branch-keys';
const LOGICAL = 'envelope-tenants';
const TENANTS = ['acme', 'globex'];
const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

suite('the bundled envelope Lambda with a branch key store (moto_server) and the Encryption SDK\'s hierarchical keyring', () => {
  let moto: Moto;
  let kms: KMSClient;
  let ddb: DynamoDBClient;
  let keyArn: string;
  let theirs: BranchKeyStoreNode;
  let work: string;
  let bundle: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'securekey-branch-bundle-'));
    bundle = join(ROOT, 'assets', 'envelope-function', 'index.js');
    if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestSource(join(ROOT, 'lambda'))) {
      execFileSync(process.execPath, [join(ROOT, 'lambda', 'build-bundle.mjs'), '--outdir', join(work, 'assets')], { stdio: 'pipe' });
      bundle = join(work, 'assets', 'envelope-function', 'index.js');
    }
    moto = await startMoto();
    const config = { endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    kms = new KMSClient(config);
    ddb = new DynamoDBClient(config);
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 'branch keys of the envelope function' }))).KeyMetadata!.Arn!;
    await ddb.send(new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'branch-key-id', KeyType: 'HASH' }, { AttributeName: 'type', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'branch-key-id', AttributeType: 'S' }, { AttributeName: 'type', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    theirs = new BranchKeyStoreNode({
      logicalKeyStoreName: LOGICAL,
      storage: { ddbTableName: TABLE, ddbClient: ddb },
      keyManagement: { kmsClient: kms },
      kmsConfiguration: { identifier: keyArn },
    });
    // The store's administrator creates the tenants' branch keys; the function only reads them.
    for (const tenant of TENANTS) await theirs.createKey({ branchKeyIdentifier: tenant, encryptionContext: { tenant } });
  }, 120_000);

  afterAll(async () => {
    kms?.destroy();
    ddb?.destroy();
    await moto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Runs the bundle's handler on `events` in a fresh node process; returns its answers and log lines. */
  function runBundle(events: unknown[]): { answers: Array<Record<string, unknown>>; logs: Array<Record<string, unknown>> } {
    const script = `
      const { handler } = require(process.env.BUNDLE);
      (async () => {
        const answers = [];
        for (const event of JSON.parse(process.env.EVENTS)) answers.push(await handler(event, { awsRequestId: 'moto' }));
        const chunks = Object.keys(require.cache).map((f) => f.split('/').pop()).sort();
        console.log('RESULT ' + JSON.stringify({ answers, chunks }));
      })().catch((e) => { console.error(e); process.exit(1); });
    `;
    const run = spawnSync(process.execPath, ['-e', script], {
      cwd: work,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH ?? '',
        BUNDLE: bundle,
        EVENTS: JSON.stringify(events),
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_ENDPOINT_URL_KMS: moto.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: moto.endpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        // What EnvelopeFunction sets with branchKeyStore and branchKeyIdContextKey: 'tenant'.
        SECUREKEY_KEY_ARN: keyArn,
        SECUREKEY_BRANCH_KEY_TABLE: TABLE,
        SECUREKEY_BRANCH_KEY_STORE_NAME: LOGICAL,
        SECUREKEY_BRANCH_KEY_ID_CONTEXT_KEY: 'tenant',
      },
    });
    if (run.status !== 0) throw new Error(`node exited with ${run.status}: ${run.stderr}`);
    const lines = run.stdout.trim().split('\n');
    const result = JSON.parse(lines.find((l) => l.startsWith('RESULT '))!.slice('RESULT '.length)) as { answers: Array<Record<string, unknown>>; chunks: string[] };
    expect(result.chunks).toContain('branch-key-store.js');
    expect(result.chunks).not.toContain('usage-report.js');
    return { answers: result.answers, logs: lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>) };
  }

  test('the function encrypts per tenant; the keyring decrypts; the keyring encrypts; the function decrypts', async () => {
    const keyring = (tenant: string) => new KmsHierarchicalKeyRingNode({ branchKeyId: tenant, keyStore: theirs, cacheLimitTtl: 60 });
    const fromThem: Record<string, string> = {};
    for (const tenant of TENANTS) {
      const { result } = await esdk.encrypt(keyring(tenant), Buffer.from(`from the keyring to ${tenant}`), { encryptionContext: { tenant, purpose: 'moto' } });
      fromThem[tenant] = Buffer.from(result).toString('base64');
    }
    const events = [
      ...TENANTS.map((tenant) => ({ operation: 'encrypt', plaintext: Buffer.from(`from the function to ${tenant}`).toString('base64'), encryptionContext: { tenant, purpose: 'moto' } })),
      { operation: 'encrypt', plaintext: Buffer.from('again').toString('base64'), encryptionContext: { tenant: 'acme' } },
      ...TENANTS.map((tenant) => ({ operation: 'decrypt', message: fromThem[tenant], encryptionContext: { tenant } })),
    ];
    const { answers, logs } = runBundle(events);
    for (const a of answers) expect(a.errorType).toBeUndefined();
    expect(logs[0]).toMatchObject({ type: 'securekey.init', level: 'INFO', keyArn, branchKeyStore: LOGICAL, branchKeyTable: TABLE });
    // KMS: one Decrypt per tenant's active branch key, then one per version the keyring's messages name.
    expect(logs.filter((l) => l.type === 'securekey.call').map((l) => l.kmsCalls)).toEqual([1, 1, 0, 1, 1]);

    for (const [i, tenant] of TENANTS.entries()) {
      const message = Buffer.from(answers[i].message as string, 'base64');
      const { plaintext, messageHeader } = await esdk.decrypt(keyring(tenant), message);
      expect(Buffer.from(plaintext).toString()).toBe(`from the function to ${tenant}`);
      expect(messageHeader.encryptionContext).toMatchObject({ tenant, purpose: 'moto' });
      expect(messageHeader.encryptedDataKeys.map((k) => [k.providerId, k.providerInfo])).toEqual([['aws-kms-hierarchy', tenant]]);
      // Another tenant's keyring cannot read it.
      await expect(esdk.decrypt(keyring(TENANTS[1 - i]), message)).rejects.toThrow();
      const decrypted = answers[TENANTS.length + 1 + i];
      expect(Buffer.from(decrypted.plaintext as string, 'base64').toString()).toBe(`from the keyring to ${tenant}`);
    }
  });

  test('after the administrator versions a branch key, old and new messages decrypt on both sides', async () => {
    const before = runBundle([{ operation: 'encrypt', plaintext: Buffer.from('before').toString('base64'), encryptionContext: { tenant: 'acme' } }]).answers[0];
    await theirs.versionKey({ branchKeyIdentifier: 'acme' });
    const { answers } = runBundle([
      { operation: 'encrypt', plaintext: Buffer.from('after').toString('base64'), encryptionContext: { tenant: 'acme' } },
      { operation: 'decrypt', message: before.message, encryptionContext: { tenant: 'acme' } },
    ]);
    expect(Buffer.from(answers[1].plaintext as string, 'base64').toString()).toBe('before');
    const keyring = new KmsHierarchicalKeyRingNode({ branchKeyId: 'acme', keyStore: theirs, cacheLimitTtl: 60 });
    for (const [m, text] of [[before.message, 'before'], [answers[0].message, 'after']] as const) {
      expect(Buffer.from((await esdk.decrypt(keyring, Buffer.from(m as string, 'base64'))).plaintext).toString()).toBe(text);
    }
  });
});
