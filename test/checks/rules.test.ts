/**
 * Each rule of KeyPolicyChecks alone, as a pure function of a resource: named non-compliant cases and a
 * compliant one.
 */
import { KeyPolicyRule } from '../../src/checks/rule';
import {
  adminAndUse, createGrantUnconditioned, iamDecryptAllKeys, pendingWindowShort, policyLockout, rootFullAccess,
  rotationDisabled, servicePrincipalUnscoped, wildcardPrincipal,
} from '../../src/checks/rules';
import { normalize, ResourceJson } from '../../src/private/policy/json';

const ROOT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };
const ADMIN = { 'Fn::GetAtt': ['AdminRole', 'Arn'] };
const APP = { 'Fn::GetAtt': ['AppRole', 'Arn'] };
/** An administrator that keeps every key below manageable (so only the rule under test fires). */
const MANAGED_BY_ADMIN = { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: ADMIN }, Action: ['kms:PutKeyPolicy', 'kms:DescribeKey'], Resource: '*' };

function key(statements: unknown[], properties: Record<string, unknown> = {}): ResourceJson {
  return {
    logicalId: 'Key',
    type: 'AWS::KMS::Key',
    properties: normalize({ EnableKeyRotation: true, KeyPolicy: { Version: '2012-10-17', Statement: statements }, ...properties }) as Record<string, unknown>,
  };
}

function details(rule: KeyPolicyRule, resource: ResourceJson): string[] {
  return rule.check(resource).map((f) => f.detail);
}

describe('KP1 wildcard principal', () => {
  const allow = (extra: object = {}) => ({ Sid: 'Open', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', ...extra });
  test.each([
    ['Principal "*"', { ...allow(), Principal: '*' }],
    ['{"AWS": "*"} without a condition', allow()],
    ['a condition on something else (kms:ViaService)', allow({ Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } })],
    ['a negated account condition', allow({ Condition: { StringNotEquals: { 'kms:CallerAccount': '111111111111' } } })],
    ['an account condition that is itself a wildcard', allow({ Condition: { StringLike: { 'aws:PrincipalAccount': '*' } } })],
  ])('fails: %s', (_name, statement) => {
    expect(details(wildcardPrincipal, key([MANAGED_BY_ADMIN, statement]))).toEqual([expect.stringMatching(/^Sid:Open allows a wildcard principal with no account or organization condition( \(met by .*kms:calleraccount=999999999999.*\))?$/)]);
  });

  test.each([
    ['kms:CallerAccount', { StringEquals: { 'kms:CallerAccount': '111111111111' } }],
    ['aws:PrincipalOrgID', { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } }],
  ])('passes: wildcard pinned by %s; a Deny to * is fine', (_n, condition) => {
    const deny = { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' };
    expect(details(wildcardPrincipal, key([MANAGED_BY_ADMIN, allow({ Condition: condition }), deny]))).toEqual([]);
  });
});

describe('KP2 account root gets kms:*', () => {
  test.each([
    ['root ARN built with Fn::Join', { AWS: ROOT }],
    ['a literal root ARN', { AWS: 'arn:aws:iam::111111111111:root' }],
    ['a bare account ID', { AWS: '111111111111' }],
  ])('fails: %s with kms:*', (_n, principal) => {
    expect(rootFullAccess.check(key([{ Effect: 'Allow', Principal: principal, Action: 'kms:*', Resource: '*' }]))).toHaveLength(1);
  });

  test('fails: a key with no KeyPolicy (KMS applies its default policy)', () => {
    expect(details(rootFullAccess, { logicalId: 'K', type: 'AWS::KMS::Key', properties: {} }))
      .toEqual(['Sid:KmsDefaultKeyPolicy allows arn:${AWS::Partition}:iam::${AWS::AccountId}:root every KMS action']);
  });

  test('passes: the root with administrative actions only, or kms:* for a role', () => {
    expect(rootFullAccess.check(key([
      { Effect: 'Allow', Principal: { AWS: ROOT }, Action: ['kms:PutKeyPolicy', 'kms:DescribeKey'], Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: ADMIN }, Action: 'kms:*', Resource: '*' },
    ]))).toEqual([]);
  });
});

describe('KP3 administer and use', () => {
  test.each([
    ['kms:* to one role', [{ Effect: 'Allow', Principal: { AWS: APP }, Action: 'kms:*', Resource: '*' }]],
    ['two statements to the same role', [
      { Effect: 'Allow', Principal: { AWS: APP }, Action: 'kms:ScheduleKeyDeletion', Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: APP }, Action: 'kms:Decrypt', Resource: '*' },
    ]],
    ['wildcard actions (kms:Put*, kms:Encrypt*)', [{ Effect: 'Allow', Principal: { AWS: APP }, Action: ['kms:Put*', 'kms:Encrypt*'], Resource: '*' }]],
  ])('fails: %s', (_n, statements) => {
    expect(details(adminAndUse, key(statements))).toEqual(['${AppRole.Arn} can both administer and use the key']);
  });

  test('passes: separate principals; the root pinned to kms:ViaService for use does not count', () => {
    expect(adminAndUse.check(key([
      { Effect: 'Allow', Principal: { AWS: [ADMIN, ROOT] }, Action: ['kms:PutKeyPolicy', 'kms:DisableKey'], Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: APP }, Action: ['kms:Decrypt', 'kms:Encrypt'], Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } } },
    ]))).toEqual([]);
  });
});

describe('KP4 CreateGrant without kms:GrantIsForAWSResource', () => {
  test.each([
    ['kms:CreateGrant to a role', { Effect: 'Allow', Principal: { AWS: APP }, Action: 'kms:CreateGrant', Resource: '*' }],
    ['kms:* to the root', { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }],
    ['kms:Create* with an unrelated condition', { Effect: 'Allow', Principal: { AWS: APP }, Action: 'kms:Create*', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } } }],
    ['the condition set to false', { Effect: 'Allow', Principal: { AWS: APP }, Action: 'kms:CreateGrant', Resource: '*', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'false' } } }],
  ])('fails: %s', (_n, statement) => {
    expect(createGrantUnconditioned.check(key([MANAGED_BY_ADMIN, statement]))).toHaveLength(1);
  });

  test('passes: with the condition (string or boolean), or to a service principal', () => {
    expect(createGrantUnconditioned.check(key([
      MANAGED_BY_ADMIN,
      { Effect: 'Allow', Principal: { AWS: APP }, Action: 'kms:CreateGrant', Resource: '*', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
      { Effect: 'Allow', Principal: { AWS: APP }, Action: 'kms:CreateGrant', Resource: '*', Condition: { Bool: { 'kms:GrantIsForAWSResource': true } } },
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'kms:CreateGrant', Resource: '*', Condition: { StringEquals: { 'aws:SourceAccount': '1' } } },
    ]))).toEqual([]);
  });
});

describe('KP5 lockout', () => {
  test.each([
    ['no statement allows PutKeyPolicy', [{ Effect: 'Allow', Principal: { AWS: APP }, Action: 'kms:Decrypt', Resource: '*' }]],
    ['only a service principal may', [{ Effect: 'Allow', Principal: { Service: 'cloudformation.amazonaws.com' }, Action: 'kms:PutKeyPolicy', Resource: '*' }]],
    ['only under a condition', [{ ...MANAGED_BY_ADMIN, Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }]],
    ['an unconditional Deny covers the administrator', [MANAGED_BY_ADMIN, { Effect: 'Deny', Principal: { AWS: ADMIN }, Action: 'kms:*', Resource: '*' }]],
    ['an unconditional Deny to everyone', [MANAGED_BY_ADMIN, { Effect: 'Deny', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: '*' }]],
  ])('fails: %s', (_n, statements) => {
    expect(details(policyLockout, key(statements))).toEqual(['no principal can call kms:PutKeyPolicy unconditionally']);
  });

  test('passes: a named administrator, or the root, may update the policy', () => {
    expect(policyLockout.check(key([MANAGED_BY_ADMIN]))).toEqual([]);
    expect(policyLockout.check(key([{ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }]))).toEqual([]);
  });
});

describe('KP6 IAM policy decrypts with every key', () => {
  const policy = (statement: object, type = 'AWS::IAM::Policy'): ResourceJson => ({
    logicalId: 'P',
    type,
    properties: normalize(type === 'AWS::IAM::Role'
      ? { Policies: [{ PolicyName: 'inline', PolicyDocument: { Statement: [statement] } }] }
      : { PolicyName: 'p', PolicyDocument: { Statement: [statement] } }) as Record<string, unknown>,
  });
  test.each([
    ['kms:Decrypt on * (AWS::IAM::Policy)', policy({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }), 'KMS.2'],
    ['kms:* on every key ARN (managed policy)', policy({ Effect: 'Allow', Action: 'kms:*', Resource: 'arn:aws:kms:*:111111111111:key/*' }, 'AWS::IAM::ManagedPolicy'), 'KMS.1'],
    ['kms:ReEncrypt* on a Fn::Sub key/* ARN (role inline policy)', policy({ Effect: 'Allow', Action: 'kms:ReEncrypt*', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' } }, 'AWS::IAM::Role'), 'KMS.2'],
    ['NotResource', policy({ Effect: 'Allow', Action: 'kms:Decrypt', NotResource: 'arn:aws:kms:us-east-1:1:key/x' }), 'KMS.2'],
  ])('fails: %s', (_n, resource, control) => {
    const found = details(iamDecryptAllKeys, resource);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`Security Hub ${control}`);
  });

  test('passes: Decrypt on one key, Encrypt on *, a Deny on *', () => {
    const ok: ResourceJson = {
      logicalId: 'P',
      type: 'AWS::IAM::Policy',
      properties: normalize({
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': ['Key', 'Arn'] } },
            { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:GenerateDataKey*'], Resource: '*' },
            { Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' },
          ],
        },
      }) as Record<string, unknown>,
    };
    expect(iamDecryptAllKeys.check(ok)).toEqual([]);
  });
});

describe('KP7 rotation off', () => {
  test.each([
    ['EnableKeyRotation unset', {}],
    ['EnableKeyRotation false', { EnableKeyRotation: false }],
    ['explicit SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT, "false"', { KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', EnableKeyRotation: 'false' }],
  ])('fails: %s', (_n, props) => {
    const resource = key([MANAGED_BY_ADMIN]);
    const { EnableKeyRotation: _drop, ...rest } = resource.properties;
    expect(rotationDisabled.check({ ...resource, properties: { ...rest, ...props } })).toHaveLength(1);
  });

  test.each([
    ['rotation on', { EnableKeyRotation: true }],
    ['an asymmetric key', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }],
    ['an HMAC key', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }],
    ['imported key material', { Origin: 'EXTERNAL' }],
  ])('passes: %s', (_n, props) => {
    expect(rotationDisabled.check({ logicalId: 'K', type: 'AWS::KMS::Key', properties: props })).toEqual([]);
  });
});

describe('KP8 pending window', () => {
  test.each([[7], [29]])('warns: %d days', (days) => {
    expect(details(pendingWindowShort, key([MANAGED_BY_ADMIN], { PendingWindowInDays: days }))).toEqual([`PendingWindowInDays is ${days}`]);
  });
  test('passes: 30 days or unset (KMS default 30)', () => {
    expect(pendingWindowShort.check(key([MANAGED_BY_ADMIN], { PendingWindowInDays: 30 }))).toEqual([]);
    expect(pendingWindowShort.check(key([MANAGED_BY_ADMIN]))).toEqual([]);
    expect(pendingWindowShort.level).toBe('warning');
  });
});

describe('KP9 service principal without a scoping condition', () => {
  const svc = (extra: object = {}) => ({ Sid: 'Sns', Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: '*', ...extra });
  test.each([
    ['no condition', svc()],
    ['an unrelated condition', svc({ Condition: { Bool: { 'aws:SecureTransport': 'true' } } })],
    ['a negated source condition', svc({ Condition: { StringNotEquals: { 'aws:SourceAccount': '1' } } })],
  ])('fails: %s', (_n, statement) => {
    expect(details(servicePrincipalUnscoped, key([MANAGED_BY_ADMIN, statement]))).toEqual([expect.stringMatching(/^Sid:Sns allows sns.amazonaws.com with no source or encryption-context condition( \(met by .*\))?$/)]);
  });
  test.each([
    ['aws:SourceAccount', { StringEquals: { 'aws:SourceAccount': '111111111111' } }],
    ['aws:SourceArn', { ArnLike: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:111111111111:topic' } }],
    ['an encryption-context key', { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:us-east-1:1:log-group:x' } }],
  ])('passes: %s', (_n, condition) => {
    expect(servicePrincipalUnscoped.check(key([MANAGED_BY_ADMIN, svc({ Condition: condition })]))).toEqual([]);
  });
});
