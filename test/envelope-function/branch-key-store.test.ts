/**
 * EnvelopeFunction with a BranchKeyStore: the handler's environment, the role's exact permissions
 * (the store's grantUse, in the function's one managed policy), the store key's policy honouring
 * the role (offline evaluator), the prop checks, and the checks packs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { envOf, logicalId, synthError } from './fixtures';
import { BranchKeyStore, EnvelopeFunction, EnvelopeFunctionProps, KeyPolicyChecks, SecureKey } from '../../src';
import { envFor, resolveIntrinsics } from '../support/cfn-intrinsics';
import { authorize, Caller, PolicyJson } from '../support/kms-access';
import { compileSnippets, typescriptSnippets } from '../support/readme-snippets';
import { ACCOUNT, REGION } from '../support/secure-key-fixtures';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

function build(props: Partial<EnvelopeFunctionProps> = { branchKeyIdContextKey: 'tenant' }, withKey = false) {
  const stack = new Stack(new App(), 'Tenants', { env: { account: ACCOUNT, region: REGION } });
  const store = new BranchKeyStore(stack, 'BranchKeys', { logicalKeyStoreName: 'tenants' });
  const logKey = withKey ? new SecureKey(stack, 'LogKey') : undefined;
  const fn = new EnvelopeFunction(stack, 'Envelope', { branchKeyStore: store, ...(logKey ? { key: logKey } : {}), ...props });
  return { stack, store, fn, logKey };
}

/** The role's policy, the key policies (resolved) and the function as a caller of KMS. */
function resolved(stack: Stack, fn: EnvelopeFunction) {
  const raw = Template.fromStack(stack).toJSON() as { Resources: Resources };
  const env = envFor(raw);
  const t = resolveIntrinsics(raw, env) as { Resources: Resources };
  const role = t.Resources[logicalId(fn.policy)].Properties!.PolicyDocument as PolicyJson;
  const caller: Caller = { label: 'function', arn: `arn:aws:iam::${env.account}:role/${logicalId(fn.role)}`, account: env.account, iamStatements: role.Statement };
  const keyPolicy = (k: SecureKey) => t.Resources[logicalId(k)].Properties!.KeyPolicy as PolicyJson;
  const keyArn = (k: SecureKey) => `arn:aws:kms:${env.region}:${env.account}:key/${logicalId(k)}`;
  return { raw, t, role, caller, keyPolicy, keyArn };
}

function branchContext(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'branch-key-id': 'acme',
    'type': 'branch:ACTIVE',
    'create-time': '2026-01-01T00:00:00.000000Z',
    'kms-arn': 'arn:aws:kms:us-east-1:111111111111:key/x',
    'hierarchy-version': '1',
    'tablename': 'tenants',
    ...overrides,
  };
}

describe('EnvelopeFunction with a BranchKeyStore', () => {
  test('the environment names the store, its key and how branch keys are chosen and cached; no data-key settings', () => {
    const { stack, store, fn } = build({ branchKeyIdContextKey: 'tenant', branchKeyCacheTtl: Duration.minutes(2), branchKeyCacheCapacity: 50 });
    expect(stack.resolve(envOf(fn))).toEqual({
      SECUREKEY_KEY_ARN: stack.resolve(store.key.keyArn),
      SECUREKEY_BRANCH_KEY_TABLE: stack.resolve(store.tableName),
      SECUREKEY_BRANCH_KEY_STORE_NAME: 'tenants',
      SECUREKEY_BRANCH_KEY_ID_CONTEXT_KEY: 'tenant',
      SECUREKEY_BRANCH_KEY_CACHE_TTL_SECONDS: '120',
      SECUREKEY_BRANCH_KEY_CACHE_CAPACITY: '50',
    });
    const fixed = build({ branchKeyId: 'orders' });
    expect(fixed.stack.resolve(envOf(fixed.fn))).toMatchObject({ SECUREKEY_BRANCH_KEY_ID: 'orders' });
    expect(Object.keys(envOf(fixed.fn))).not.toContain('SECUREKEY_BRANCH_KEY_ID_CONTEXT_KEY');
    expect(fixed.fn.generateDataKeyEnabled).toBe(false);
    expect(fixed.fn.reEncryptEnabled).toBe(false);
  });

  test('the role\'s one policy: read the table, KMS Decrypt of this store\'s branch keys, its log group; no inline policy', () => {
    const { stack, fn } = build();
    const { role, raw } = resolved(stack, fn);
    const actions = role.Statement.flatMap((s) => [s.Action].flat()).sort();
    expect(actions).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'kms:Decrypt', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    const decrypt = role.Statement.find((s) => [s.Action].flat().includes('kms:Decrypt'))!;
    expect(decrypt.Condition).toEqual({
      StringEquals: { 'kms:EncryptionContext:tablename': 'tenants', 'kms:EncryptionContext:hierarchy-version': '1' },
      Null: { 'kms:EncryptionContext:branch-key-id': 'false', 'kms:EncryptionContext:type': 'false', 'kms:EncryptionContext:create-time': 'false', 'kms:EncryptionContext:kms-arn': 'false' },
    });
    expect(Object.values(raw.Resources).filter((r) => r.Type === 'AWS::IAM::Policy')).toEqual([]);
  });

  test('the store key\'s policy lets the role decrypt this store\'s branch keys, and nothing else (offline evaluator)', () => {
    const { stack, store, fn } = build();
    const p = resolved(stack, fn);
    const decide = (action: string, encryptionContext?: Record<string, string>) =>
      authorize(p.keyPolicy(store.key), p.keyArn(store.key), p.caller, { action, encryptionContext });
    expect(decide('kms:Decrypt', branchContext())).toBe('allowed');
    expect(decide('kms:Decrypt', branchContext({ type: 'branch:version:83eec007-5659-4554-bf11-699b90f41ac6' }))).toBe('allowed');
    expect(decide('kms:Decrypt', branchContext({ tablename: 'other-store' }))).not.toBe('allowed');
    expect(decide('kms:Decrypt', { tenant: 'acme' })).not.toBe('allowed');
    expect(decide('kms:Decrypt')).not.toBe('allowed');
    for (const action of ['kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:Encrypt']) {
      expect([action, decide(action, branchContext())]).toEqual([action, 'denied']);
    }
  });

  test('a key of its own only encrypts the log group: the role gets nothing on it', () => {
    const { stack, fn, logKey } = build({ branchKeyIdContextKey: 'tenant' }, true);
    const p = resolved(stack, fn);
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) {
      expect(authorize(p.keyPolicy(logKey!), p.keyArn(logKey!), p.caller, { action, encryptionContext: { tenant: 'acme' } })).toBe('denied');
    }
    const group = p.t.Resources[logicalId(fn.logGroup)].Properties!;
    expect(group.KmsKeyId).toBe(p.keyArn(logKey!));
  });

  test.each([
    ['no key and no store', { branchKeyStore: undefined, branchKeyIdContextKey: undefined },
      'EnvelopeFunction Tenants/Envelope: \'key\' is not set. Received: no key and no branchKeyStore. Allowed: a SecureKey, or a branchKeyStore (whose key then encrypts the log group).'],
    ['neither way to choose the branch key', { branchKeyIdContextKey: undefined },
      'EnvelopeFunction Tenants/Envelope: \'branchKeyIdContextKey\' is not set. Received: neither branchKeyIdContextKey nor branchKeyId. Allowed: exactly one of branchKeyIdContextKey (a branch key per message, from its encryption context, e.g. tenant) and branchKeyId (one branch key for every message).'],
    ['both ways', { branchKeyId: 'orders' }, /'branchKeyId' is set together with branchKeyIdContextKey\. Received: both\./],
    ['a reserved context key', { branchKeyIdContextKey: 'aws-crypto-public-key' }, /'branchKeyIdContextKey' is a reserved key\. Received: 'aws-crypto-public-key'/],
    ['the data-key cache', { cacheMaxAge: Duration.minutes(1) }, /'cacheMaxAge' does not apply with branchKeyStore\. Received: set\. Allowed: leave it unset: no data key is cached/],
    ['encryptionContextKeys', { encryptionContextKeys: ['tenant'] }, /'encryptionContextKeys' does not apply with branchKeyStore.*carry the branch key's encryption context/],
    ['reEncrypt', { enableReEncrypt: true }, /'enableReEncrypt' does not apply with branchKeyStore/],
    ['generateDataKey', { enableGenerateDataKey: true }, /'enableGenerateDataKey' does not apply with branchKeyStore/],
    ['a cache TTL over a day', { branchKeyCacheTtl: Duration.days(2) }, /'branchKeyCacheTtl' is out of range/],
    ['a cache capacity of 0', { branchKeyCacheCapacity: 0 }, /'branchKeyCacheCapacity' is out of range\. Received: 0\. Allowed: a whole number of entries from 1 to 100000\./],
  ])('fails with %s', (_name, extra, message) => {
    const error = synthError(() => build({ branchKeyIdContextKey: 'tenant', ...extra } as Partial<EnvelopeFunctionProps>));
    if (typeof message === 'string') expect(error).toBe(message);
    else expect(error).toMatch(message);
  });

  test('fails if a branch key prop comes without a store', () => {
    const stack = new Stack(new App(), 'NoStore');
    expect(synthError(() => new EnvelopeFunction(stack, 'Envelope', { key: new SecureKey(stack, 'Key'), branchKeyId: 'orders' })))
      .toBe('EnvelopeFunction NoStore/Envelope: \'branchKeyId\' needs branchKeyStore. Received: no branchKeyStore. Allowed: set branchKeyStore, or remove branchKeyId.');
  });

  test('a store in another stack: the key policy names the role by its ARN, and neither stack depends on the other both ways', () => {
    const app = new App();
    const env = { account: ACCOUNT, region: REGION };
    const storeStack = new Stack(app, 'Store', { env });
    const store = new BranchKeyStore(storeStack, 'BranchKeys', { logicalKeyStoreName: 'tenants' });
    const fnStack = new Stack(app, 'Functions', { env });
    new EnvelopeFunction(fnStack, 'Envelope', { branchKeyStore: store, branchKeyIdContextKey: 'tenant' });
    expect(() => app.synth()).not.toThrow();
    expect(fnStack.dependencies).toContain(storeStack);
    expect(storeStack.dependencies).not.toContain(fnStack);
    const keyPolicy = JSON.stringify(Template.fromStack(storeStack).toJSON());
    expect(keyPolicy).toMatch(/"aws:PrincipalArn":\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":iam::\d{12}:role\/Functions-Envelope-Role-[0-9A-F]{8}"\]\]\}/);
  });
});

test('docs/envelope-function.md: the branch key store snippet compiles as shown', () => {
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'envelope-function.md'), 'utf8');
  const section = doc.split('## With a branch key store\n')[1].split('\n## ')[0];
  const snippets = typescriptSnippets(section);
  expect(snippets).toHaveLength(1);
  expect(compileSnippets(snippets)).toEqual([]);
}, 120_000);

describe('EnvelopeFunction with a BranchKeyStore under the checks', () => {
  function findings(stack: Stack): string[] {
    const packs = [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks(), new KeyPolicyChecks()];
    return packs.flatMap((pack) => pack.validateScope(stack).violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))).sort();
  }

  test('cdk-nag\'s four packs and KeyPolicyChecks: nothing on the function; only the store\'s backup-plan finding (the store\'s to acknowledge)', () => {
    const { stack } = build({ branchKeyIdContextKey: 'tenant', usageReportSchedule: undefined, reservedConcurrentExecutions: 5 });
    expect(findings(stack)).toEqual([
      'HIPAA.Security-DynamoDBInBackupPlan at Tenants/BranchKeys/Table/Resource',
      'NIST.800.53.R5-DynamoDBInBackupPlan at Tenants/BranchKeys/Table/Resource',
    ]);
    for (const id of ['NIST.800.53.R5-DynamoDBInBackupPlan', 'HIPAA.Security-DynamoDBInBackupPlan']) {
      Validations.of(stack).acknowledge({ id, reason: 'Point-in-time recovery is on; an AWS Backup plan is the app\'s choice (its vault, retention and account).' });
    }
    expect(findings(stack)).toEqual([]);
  });
});
