/**
 * SecureKey's opinions, proved with the offline KMS authorization evaluator (test/support/kms-access.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SecureKey } from '../../src';
import { KMS_STAR, otherPrincipal, readmeTable, resolveKey } from '../support/access-report';
import { envFor, resolveIntrinsics } from '../support/cfn-intrinsics';
import { authorize, Caller, PolicyJson } from '../support/kms-access';
import { ACCOUNT, newStack, REGION, roles } from '../support/secure-key-fixtures';

const USE = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKeyPair'];
const MANAGE = ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:EnableKeyRotation', 'kms:TagResource', 'kms:CreateAlias', 'kms:UpdateKeyDescription'];

// One stack shared by most assertions: the README's shape, plus an unrelated role whose IAM allows kms:*.
const stack = newStack();
const { adminRole, appRole } = roles(stack);
const unrelated = new iam.Role(stack, 'Unrelated', { assumedBy: new iam.AccountRootPrincipal() });
unrelated.addToPolicy(new iam.PolicyStatement({ actions: ['kms:*'], resources: ['*'] }));
const key = new SecureKey(stack, 'Key', { administrators: [adminRole], users: [appRole] });
const r = resolveKey(key);
const admin = r.roleCaller('admin', adminRole);
const app = r.roleCaller('app', appRole);
const other = r.roleCaller('unrelated', unrelated);
const allow = (c: Caller, action: string, extra = {}) => authorize(r.keyPolicy, r.keyArn, c, { action, ...extra });

describe('the evaluator can say yes', () => {
  test('a plain kms.Key (account root gets kms:*) lets an unrelated role with IAM kms:* decrypt', () => {
    const s = newStack();
    const plain = new kms.Key(s, 'Plain');
    const tpl = Template.fromStack(s).toJSON();
    const resolved = resolveIntrinsics(tpl, envFor(tpl)) as { Resources: Record<string, { Properties: { KeyPolicy: PolicyJson } }> };
    const policy = resolved.Resources[s.getLogicalId(plain.node.defaultChild as never)].Properties.KeyPolicy;
    const caller = otherPrincipal('x', ACCOUNT, KMS_STAR);
    expect(authorize(policy, 'arn:aws:kms:us-east-1:111111111111:key/k', caller, { action: 'kms:Decrypt' })).toBe('allowed');
    // ...but not without the IAM side.
    expect(authorize(policy, 'arn:aws:kms:us-east-1:111111111111:key/k', otherPrincipal('y', ACCOUNT, []), { action: 'kms:Decrypt' })).toBe('denied');
  });

  test('an explicit deny wins', () => {
    const policy: PolicyJson = {
      Statement: [
        { Effect: 'Allow', Principal: { AWS: app.arn }, Action: 'kms:Decrypt', Resource: '*' },
        { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' },
      ],
    };
    expect(authorize(policy, r.keyArn, app, { action: 'kms:Decrypt' })).toBe('denied');
  });
});

describe('opinion 2: the account root is not given kms:*, and IAM alone cannot grant use', () => {
  test('no statement gives the account root kms:* or any use action', () => {
    const rootStatements = r.keyPolicy.Statement.filter((s) => JSON.stringify(s.Principal).includes(':root'));
    expect(rootStatements).toHaveLength(1);
    const actions = ([] as string[]).concat(rootStatements[0].Action ?? []);
    expect(actions).not.toContain('kms:*');
    for (const a of [...USE, 'kms:Sign', 'kms:GenerateMac', 'kms:CreateGrant']) expect(actions).not.toContain(a);
  });

  test.each([...USE, 'kms:Sign', 'kms:GenerateMac', 'kms:CreateGrant'])('an unrelated role whose IAM policy allows kms:* cannot %s', (action) => {
    expect(other.iamStatements.some((s) => s.Action === 'kms:*')).toBe(true);
    expect(allow(other, action)).toBe('denied');
  });

  test('by default the account administers the key through IAM', () => {
    for (const a of MANAGE) expect(allow(other, a)).toBe('allowed');
  });

  test('with allowIamAdministration false, only the named administrators can administer', () => {
    const s = newStack();
    const rr = roles(s);
    const u = new iam.Role(s, 'Unrelated', { assumedBy: new iam.AccountRootPrincipal() });
    u.addToPolicy(new iam.PolicyStatement({ actions: ['kms:*'], resources: ['*'] }));
    const k = new SecureKey(s, 'Key', { administrators: [rr.adminRole], users: [rr.appRole], allowIamAdministration: false });
    const res = resolveKey(k);
    for (const a of MANAGE) {
      expect(authorize(res.keyPolicy, res.keyArn, res.roleCaller('u', u), { action: a })).toBe('denied');
      expect(authorize(res.keyPolicy, res.keyArn, res.roleCaller('a', rr.adminRole), { action: a })).toBe('allowed');
    }
  });
});

describe('opinion 4: administrators cannot use the key; users cannot administer it', () => {
  test.each(USE)('the administrator cannot %s', (action) => expect(allow(admin, action)).toBe('denied'));
  test('the administrator cannot CreateGrant (not asked for)', () => expect(allow(admin, 'kms:CreateGrant')).toBe('denied'));
  test.each(MANAGE)('the administrator can %s', (action) => expect(allow(admin, action)).toBe('allowed'));
  test.each(USE)('the user can %s', (action) => expect(allow(app, action)).toBe('allowed'));
  test.each([...MANAGE, 'kms:CreateGrant', 'kms:RevokeGrant'])('the user cannot %s', (action) => expect(allow(app, action)).toBe('denied'));
  test('a principal of another account with IAM kms:* can do nothing', () => {
    const foreign = otherPrincipal('foreign', '222222222222', KMS_STAR);
    for (const a of [...USE, ...MANAGE, 'kms:DescribeKey']) expect(allow(foreign, a)).toBe('denied');
  });
});

describe('users by key usage', () => {
  test.each([
    [kms.KeySpec.ECC_NIST_P256, kms.KeyUsage.SIGN_VERIFY, ['kms:Sign', 'kms:Verify', 'kms:GetPublicKey'], ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateMac']],
    [kms.KeySpec.HMAC_384, kms.KeyUsage.GENERATE_VERIFY_MAC, ['kms:GenerateMac', 'kms:VerifyMac'], ['kms:Encrypt', 'kms:Sign']],
    [kms.KeySpec.RSA_2048, kms.KeyUsage.ENCRYPT_DECRYPT, ['kms:Encrypt', 'kms:Decrypt', 'kms:GetPublicKey'], ['kms:GenerateDataKey', 'kms:Sign']],
  ])('%s / %s', (keySpec, keyUsage, can, cannot) => {
    const s = newStack();
    const rr = roles(s);
    const k = new SecureKey(s, 'Key', { keySpec, keyUsage, administrators: [rr.adminRole], users: [rr.appRole] });
    const res = resolveKey(k);
    const user = res.roleCaller('app', rr.appRole);
    for (const a of can) expect(authorize(res.keyPolicy, res.keyArn, user, { action: a })).toBe('allowed');
    for (const a of cannot) expect(authorize(res.keyPolicy, res.keyArn, user, { action: a })).toBe('denied');
  });
});

describe('conditions', () => {
  const s = newStack();
  const rr = roles(s);
  const k = new SecureKey(s, 'Key', { administrators: [rr.adminRole], users: [rr.appRole], allowAwsServicesOnBehalfOfUsers: true });
  const reader = new iam.Role(s, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  k.withConditions({ encryptionContext: { tenant: 'acme' }, viaServices: ['s3'] }).grantDecrypt(reader);
  k.allowCloudWatchLogs({ logGroupNames: ['/app/orders'] });
  k.allowCloudTrail({ trailName: 'org-trail' });
  const res = resolveKey(k);
  const readerCaller = res.roleCaller('reader', reader);
  const via = `s3.${REGION}.amazonaws.com`;

  test('an exact-context, via-S3 grant allows only that context through S3', () => {
    const can = (extra: object) => authorize(res.keyPolicy, res.keyArn, readerCaller, { action: 'kms:Decrypt', ...extra });
    expect(can({ viaService: via, encryptionContext: { tenant: 'acme' } })).toBe('allowed');
    expect(can({ encryptionContext: { tenant: 'acme' } })).toBe('denied');
    expect(can({ viaService: via, encryptionContext: { tenant: 'other' } })).toBe('denied');
    expect(can({ viaService: via, encryptionContext: { tenant: 'acme', extra: 'x' } })).toBe('denied');
    expect(can({ viaService: via })).toBe('denied');
  });

  test('an exact context plus required keys allows the pairs with the required keys, and nothing else', () => {
    const s2 = newStack();
    const writer = new iam.Role(s2, 'Writer', { assumedBy: new iam.AccountRootPrincipal() });
    const k2 = new SecureKey(s2, 'Key');
    k2.withConditions({ encryptionContext: { tenant: 'acme' }, requiredEncryptionContextKeys: ['order'] }).grantEncryptDecrypt(writer);
    const res2 = resolveKey(k2);
    const caller = res2.roleCaller('writer', writer);
    const can = (encryptionContext: Record<string, string>) =>
      authorize(res2.keyPolicy, res2.keyArn, caller, { action: 'kms:GenerateDataKey', encryptionContext });
    expect(can({ tenant: 'acme', order: '42' })).toBe('allowed');
    expect(can({ tenant: 'acme' })).toBe('denied');
    expect(can({ order: '42' })).toBe('denied');
    expect(can({ tenant: 'other', order: '42' })).toBe('denied');
    expect(can({ tenant: 'acme', order: '42', extra: 'x' })).toBe('denied');
  });

  test('users may create grants only for AWS resources', () => {
    const user = res.roleCaller('app', rr.appRole);
    expect(authorize(res.keyPolicy, res.keyArn, user, { action: 'kms:CreateGrant', grantIsForAwsResource: true })).toBe('allowed');
    expect(authorize(res.keyPolicy, res.keyArn, user, { action: 'kms:CreateGrant', grantIsForAwsResource: false })).toBe('denied');
    expect(authorize(res.keyPolicy, res.keyArn, user, { action: 'kms:CreateGrant' })).toBe('denied');
  });

  test('with viaServices, users create grants for AWS resources only through those services', () => {
    const s2 = newStack();
    const rr2 = roles(s2);
    const k2 = new SecureKey(s2, 'Key', { users: [rr2.appRole], allowAwsServicesOnBehalfOfUsers: true, viaServices: ['ec2'] });
    const res2 = resolveKey(k2);
    const user = res2.roleCaller('app', rr2.appRole);
    const grant = (extra: object) => authorize(res2.keyPolicy, res2.keyArn, user, { action: 'kms:CreateGrant', grantIsForAwsResource: true, ...extra });
    expect(grant({ viaService: `ec2.${REGION}.amazonaws.com` })).toBe('allowed');
    expect(grant({})).toBe('denied');
    expect(grant({ viaService: `rds.${REGION}.amazonaws.com` })).toBe('denied');
  });

  test('CloudWatch Logs can encrypt only for the named log group', () => {
    const logs: Caller = { label: 'logs', service: `logs.${REGION}.amazonaws.com`, account: ACCOUNT, iamStatements: [] };
    const ctx = (name: string) => ({ 'aws:logs:arn': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}` });
    expect(authorize(res.keyPolicy, res.keyArn, logs, { action: 'kms:GenerateDataKey', encryptionContext: ctx('/app/orders') })).toBe('allowed');
    expect(authorize(res.keyPolicy, res.keyArn, logs, { action: 'kms:GenerateDataKey', encryptionContext: ctx('/app/other') })).toBe('denied');
    expect(authorize(res.keyPolicy, res.keyArn, logs, { action: 'kms:PutKeyPolicy' })).toBe('denied');
  });

  test('CloudTrail can generate data keys only for its trail', () => {
    const trail = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/org-trail`;
    const ct: Caller = { label: 'cloudtrail', service: 'cloudtrail.amazonaws.com', account: ACCOUNT, iamStatements: [] };
    const req = (arn: string) => ({ action: 'kms:GenerateDataKey', sourceArn: arn, encryptionContext: { 'aws:cloudtrail:arn': arn } });
    expect(authorize(res.keyPolicy, res.keyArn, ct, req(trail))).toBe('allowed');
    expect(authorize(res.keyPolicy, res.keyArn, ct, req(`arn:aws:cloudtrail:${REGION}:999999999999:trail/evil`))).toBe('denied');
    expect(authorize(res.keyPolicy, res.keyArn, ct, { action: 'kms:Decrypt', sourceArn: trail })).toBe('denied');
  });
});

describe('service-principal helpers', () => {
  const s = newStack();
  const k = new SecureKey(s, 'Key');
  k.allowEventBridge();
  k.allowSns({ sourceArns: [`arn:aws:sns:${REGION}:${ACCOUNT}:orders`] });
  k.allowS3({ viaServices: ['sqs'] });
  const res = resolveKey(k);
  const service = (name: string): Caller => ({ label: name, service: name, account: ACCOUNT, iamStatements: [] });

  test('by default they need no kms:ViaService, only this account as the source', () => {
    const events = service('events.amazonaws.com');
    expect(authorize(res.keyPolicy, res.keyArn, events, { action: 'kms:GenerateDataKey', sourceAccount: ACCOUNT })).toBe('allowed');
    expect(authorize(res.keyPolicy, res.keyArn, events, { action: 'kms:GenerateDataKey', sourceAccount: '999999999999' })).toBe('denied');
    const statement = res.keyPolicy.Statement.find((x) => x.Sid === 'EventBridgeDataKeys');
    expect(statement?.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': ACCOUNT } });
  });

  test('sourceArns narrows to those resources', () => {
    const sns = service('sns.amazonaws.com');
    const req = (sourceArn: string) => ({ action: 'kms:Decrypt', sourceAccount: ACCOUNT, sourceArn });
    expect(authorize(res.keyPolicy, res.keyArn, sns, req(`arn:aws:sns:${REGION}:${ACCOUNT}:orders`))).toBe('allowed');
    expect(authorize(res.keyPolicy, res.keyArn, sns, req(`arn:aws:sns:${REGION}:${ACCOUNT}:other`))).toBe('denied');
  });

  test('viaServices is opt-in', () => {
    const s3p = service('s3.amazonaws.com');
    expect(authorize(res.keyPolicy, res.keyArn, s3p, { action: 'kms:GenerateDataKey', sourceAccount: ACCOUNT, viaService: `sqs.${REGION}.amazonaws.com` })).toBe('allowed');
    expect(authorize(res.keyPolicy, res.keyArn, s3p, { action: 'kms:GenerateDataKey', sourceAccount: ACCOUNT })).toBe('denied');
  });
});

describe('README', () => {
  test('the who-can-do-what table in README.md is the evaluator\'s table for the README key', () => {
    const s = newStack();
    const rr = roles(s);
    const readmeKey = new SecureKey(s, 'Key', { administrators: [rr.adminRole], users: [rr.appRole] });
    const table = readmeTable(readmeKey, rr.adminRole, rr.appRole);
    expect(table).toMatchSnapshot();
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain(table);
  });
});

test('the shared stack synthesizes', () => {
  expect(Stack.of(key).resolve(key.keyArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] });
});
