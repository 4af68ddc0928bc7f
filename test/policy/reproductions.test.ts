/**
 * The reproductions of issue 18 (items 1-3), each three ways: SecureKey's synth guard refuses it; the
 * policy engine, asked about a concrete request, shows the access is real on a key without the guard
 * (a plain kms.Key with the same statement); and the analysis behind `cdk-secure-key report` reports it.
 */
import { Aws, Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SecureKey } from '../../src';
import { analyzeTemplate } from '../../src/private/analysis/template';
import { authorize, Caller } from '../../src/private/policy/engine';
import { resolveIntrinsics, envFor } from '../support/cfn-intrinsics';
import { ACCOUNT, newStack, REGION, synthErrors } from '../support/secure-key-fixtures';

const OTHER = '222222222222';
const KMS_STAR = [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }];
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-0000-0000-0000-000000000000`;

const otherAccountRole: Caller = { arn: `arn:aws:iam::${OTHER}:role/Reader`, account: OTHER, iamStatements: KMS_STAR };
const accountRoleWithKmsStar: Caller = { arn: `arn:aws:iam::${ACCOUNT}:role/AnyRole`, account: ACCOUNT, iamStatements: KMS_STAR };
const accountRoleWithNoPolicy: Caller = { arn: `arn:aws:iam::${ACCOUNT}:role/NoPolicy`, account: ACCOUNT, iamStatements: [] };

/** A plain kms.Key with the statement, its resolved key policy, and what the report's analysis finds. */
function plainKey(statement: (stack: Stack) => iam.PolicyStatement) {
  const stack = newStack('Plain');
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true, policy: new iam.PolicyDocument() });
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'Admin', principals: [new iam.ArnPrincipal(`arn:aws:iam::${ACCOUNT}:role/KeyAdmin`)], actions: ['kms:PutKeyPolicy', 'kms:DescribeKey'], resources: ['*'],
  }));
  key.addToResourcePolicy(statement(stack));
  const template = Template.fromStack(stack).toJSON();
  const resolved = resolveIntrinsics(template, envFor(template as never)) as { Resources: Record<string, { Type: string; Properties: { KeyPolicy?: unknown } }> };
  const keyPolicy = Object.values(resolved.Resources).find((r) => r.Type === 'AWS::KMS::Key')!.Properties.KeyPolicy;
  const findings = analyzeTemplate(template, { account: ACCOUNT }).findings.map((f) => f.ruleId);
  return { keyPolicy, findings };
}

function secureKeyWith(statement: (stack: Stack) => iam.PolicyStatement): string {
  const stack = newStack();
  new SecureKey(stack, 'Key').addToResourcePolicy(statement(stack));
  return synthErrors(stack).join('\n');
}

const decrypt = (caller: Caller, extra: Partial<Parameters<typeof authorize>[1]> = {}) => ({
  caller, action: 'kms:Decrypt', keyArn: KEY_ARN, keyAccount: ACCOUNT, ...extra,
});

describe('1. a key other accounts can decrypt', () => {
  test.each([
    ['StringNotEquals kms:CallerAccount <own account>', { StringNotEquals: { 'kms:CallerAccount': ACCOUNT } }],
    ['StringLike kms:CallerAccount "?*"', { StringLike: { 'kms:CallerAccount': '?*' } }],
    ['StringEqualsIfExists aws:SourceAccount <own account>', { StringEqualsIfExists: { 'aws:SourceAccount': ACCOUNT } }],
  ])('%s: synth fails, another account decrypts, the report finds KP1', (_name, conditions) => {
    const statement = () => new iam.PolicyStatement({ sid: 'Open', principals: [new iam.AnyPrincipal()], actions: ['kms:Decrypt'], resources: ['*'], conditions });
    expect(secureKeyWith(statement)).toMatch(/key policy statement \d \(Sid:Open\) allows a wildcard principal that principals of any account can satisfy \(kms:Decrypt/);
    const { keyPolicy, findings } = plainKey(statement);
    expect(authorize(keyPolicy, decrypt(otherAccountRole)).allowed).toBe(true);
    expect(findings).toContain('KeyPolicy-KP1');
  });

  test.each([
    ['StringEqualsIfExists aws:SourceAccount', { StringEqualsIfExists: { 'aws:SourceAccount': ACCOUNT } }, {}],
    ['Null aws:SourceAccount false', { Null: { 'aws:SourceAccount': 'false' } }, { sourceAccount: OTHER }],
    ['StringNotEquals aws:SourceAccount <another account>', { StringNotEquals: { 'aws:SourceAccount': OTHER } }, { sourceAccount: '333333333333' }],
  ])('a service principal with %s: synth fails (confused deputy), the service acting for another account decrypts, the report finds KP9',
    (_name, conditions, request) => {
      const statement = () => new iam.PolicyStatement({ sid: 'Sns', principals: [new iam.ServicePrincipal('sns.amazonaws.com')], actions: ['kms:Decrypt'], resources: ['*'], conditions });
      expect(secureKeyWith(statement)).toContain('(Sid:Sns) allows the service principal sns.amazonaws.com without a condition that limits it to your resources');
      const { keyPolicy, findings } = plainKey(statement);
      expect(authorize(keyPolicy, decrypt({ service: 'sns.amazonaws.com' }, request)).allowed).toBe(true);
      expect(findings).toContain('KeyPolicy-KP9');
    });

  test('the same statements pinned with StringEquals pass, and another account is denied', () => {
    const pinned = () => new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('sns.amazonaws.com')], actions: ['kms:Decrypt'], resources: ['*'], conditions: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    });
    expect(secureKeyWith(pinned)).toBe('');
    const { keyPolicy, findings } = plainKey(pinned);
    expect(authorize(keyPolicy, decrypt({ service: 'sns.amazonaws.com' }, { sourceAccount: OTHER })).allowed).toBe(false);
    expect(authorize(keyPolicy, decrypt({ service: 'sns.amazonaws.com' }, { sourceAccount: ACCOUNT })).allowed).toBe(true);
    expect(findings).not.toContain('KeyPolicy-KP9');
  });
});

describe('2. the account root written another way gets use', () => {
  const root = `arn:aws:iam::${ACCOUNT}:root`;
  test.each([
    ['ArnPrincipal of the root ARN', () => new iam.ArnPrincipal(root)],
    ['a bare account ID', () => new iam.ArnPrincipal(ACCOUNT)],
    ['an Fn::Join with AWS::AccountId', () => new iam.ArnPrincipal(Fn.join('', ['arn:', Aws.PARTITION, ':iam::', Aws.ACCOUNT_ID, ':root']))],
  ])('grantDecrypt(%s): synth fails; any role of the account with kms:* in IAM decrypts; the report finds KP10', (_name, principal) => {
    const stack = newStack();
    new SecureKey(stack, 'Key').grantDecrypt(principal());
    expect(synthErrors(stack).join('\n')).toMatch(/lets IAM principals of the account that the key policy does not name use the key \(kms:Decrypt, kms:ReEncryptFrom.*whenever their IAM policy allows it/);
    const { keyPolicy, findings } = plainKey(() => new iam.PolicyStatement({ principals: [principal()], actions: ['kms:Decrypt'], resources: ['*'] }));
    expect(authorize(keyPolicy, decrypt(accountRoleWithKmsStar)).allowed).toBe(true);
    expect(authorize(keyPolicy, decrypt(accountRoleWithNoPolicy)).allowed).toBe(false);
    expect(findings).toContain('KeyPolicy-KP10');
  });

  test('* limited to the key\'s own account: synth fails; a role with no IAM policy at all decrypts', () => {
    const statement = () => new iam.PolicyStatement({
      sid: 'Account', principals: [new iam.AnyPrincipal()], actions: ['kms:Decrypt'], resources: ['*'], conditions: { StringEquals: { 'kms:CallerAccount': ACCOUNT } },
    });
    expect(secureKeyWith(statement)).toMatch(/\(Sid:Account\) lets IAM principals of the account that the key policy does not name use the key \(kms:Decrypt.*with no IAM policy at all/);
    const { keyPolicy, findings } = plainKey(statement);
    expect(authorize(keyPolicy, decrypt(accountRoleWithNoPolicy)).allowed).toBe(true);
    expect(authorize(keyPolicy, decrypt(otherAccountRole)).allowed).toBe(false);
    expect(findings).toContain('KeyPolicy-KP10');
  });
});

describe('3. NotAction, NotPrincipal and CreateGrant', () => {
  test('a NotAction statement for an administrator: synth fails; it gives Decrypt and CreateGrant', () => {
    const stack = newStack();
    const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    new SecureKey(stack, 'Key', { administrators: [admin] }).addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AdminAllButDelete', principals: [admin], notActions: ['kms:ScheduleKeyDeletion'], resources: ['*'],
    }));
    const errors = synthErrors(stack).join('\n');
    expect(errors).toContain('(Sid:AdminAllButDelete) is an Allow with NotAction, which allows every action it does not list');
    expect(errors).toMatch(/principal \$\{Admin\w+\.Arn\} would both administer and use the key/);
    const adminCaller: Caller = { arn: `arn:aws:iam::${ACCOUNT}:role/Admin`, account: ACCOUNT, iamStatements: [] };
    const policy = { Statement: [{ Effect: 'Allow', Principal: { AWS: adminCaller.arn }, NotAction: 'kms:ScheduleKeyDeletion', Resource: '*' }] };
    for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:CreateGrant']) {
      expect(authorize(policy, { ...decrypt(adminCaller), action }).allowed).toBe(true);
    }
    expect(authorize(policy, { ...decrypt(adminCaller), action: 'kms:ScheduleKeyDeletion' }).allowed).toBe(false);
  });

  test('key.grant(admin, "kms:CreateGrant"): synth fails, CreateGrant counts as use', () => {
    const stack = newStack();
    const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    new SecureKey(stack, 'Key', { administrators: [admin] }).grant(admin, 'kms:CreateGrant');
    expect(synthErrors(stack).join('\n')).toMatch(/principal \$\{Admin\w+\.Arn\} would both administer and use the key \(it may call kms:CreateGrant\)/);
  });

  test('administratorsCanCreateGrants is the one way to give administrators CreateGrant on purpose', () => {
    const stack = newStack();
    const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    new SecureKey(stack, 'Key', { administrators: [admin], administratorsCanCreateGrants: true });
    expect(synthErrors(stack)).toEqual([]);
  });

  test('key.grant(admin, "kms:Create*") gives CreateAlias, never CreateGrant: the administrator cannot grant itself use', () => {
    const stack = newStack();
    const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    const key = new SecureKey(stack, 'Key', { administrators: [admin] });
    key.grant(admin, 'kms:Create*');
    expect(synthErrors(stack)).toEqual([]);
    const json = JSON.stringify(Template.fromStack(stack).toJSON());
    expect(json).toContain('kms:CreateAlias');
    expect(json).not.toContain('kms:CreateGrant');
  });

  test('a Deny with NotPrincipal that covers every administrator fails the lockout guard', () => {
    const stack = newStack();
    const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    new SecureKey(stack, 'Key', { administrators: [admin] }).addToResourcePolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY, notPrincipals: [new iam.ArnPrincipal(`arn:aws:iam::${ACCOUNT}:role/BreakGlass`)], actions: ['kms:PutKeyPolicy'], resources: ['*'],
    }));
    expect(synthErrors(stack).join('\n')).toContain('no principal could update this key\'s policy after deployment');
  });

  test('an Allow with NotPrincipal fails synth', () => {
    const stack = newStack();
    new SecureKey(stack, 'Key').addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllButOne', notPrincipals: [new iam.ArnPrincipal(`arn:aws:iam::${ACCOUNT}:role/X`)], actions: ['kms:DescribeKey'], resources: ['*'],
    }));
    expect(synthErrors(stack).join('\n')).toContain('(Sid:AllButOne) is an Allow with NotPrincipal, which allows every principal it does not list');
  });
});
