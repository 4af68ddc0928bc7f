/**
 * The pack's guardrail rules alone (KP11 cross-account without an organization pin, KP12 lockout check
 * bypassed, KP13 no deletion protection): named non-compliant cases and compliant ones, and the
 * SecureKey options that satisfy them.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { KeyPolicyChecks, SecureKey, SecureKeyProps } from '../../src';
import { KeyPolicyRule } from '../../src/checks/rule';
import { crossAccountWithoutOrganization, deletionUnprotected, lockoutCheckBypassed } from '../../src/checks/rules';
import { normalize, ResourceJson } from '../../src/private/policy/json';
import { newStack } from '../support/secure-key-fixtures';

const ACCOUNT = '111111111111';
const ADMIN = { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Admin` }, Action: ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:DisableKey'], Resource: '*' };
const PARTNER = { Sid: 'Partner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:role/Partner' }, Action: 'kms:Decrypt', Resource: '*' };
const ORG_PERIMETER = {
  Sid: 'Perimeter',
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:*',
  Resource: '*',
  Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' }, BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } },
};

function key(statements: unknown[], properties: Record<string, unknown> = {}): ResourceJson {
  return {
    logicalId: 'Key',
    type: 'AWS::KMS::Key',
    account: ACCOUNT,
    properties: normalize({ EnableKeyRotation: true, KeyPolicy: { Version: '2012-10-17', Statement: statements }, ...properties }) as Record<string, unknown>,
  };
}

const details = (rule: KeyPolicyRule, r: ResourceJson) => rule.check(r).map((f) => f.detail);

describe('KP11 cross-account principal without an organization pin', () => {
  test.each([
    ['a role of another account', PARTNER],
    ['another account\'s root', { ...PARTNER, Principal: { AWS: 'arn:aws:iam::222222222222:root' } }],
    ['a bare account ID', { ...PARTNER, Principal: { AWS: '222222222222' } }],
    ['an organization condition that any organization meets', { ...PARTNER, Condition: { StringLike: { 'aws:PrincipalOrgID': 'o-*' } } }],
  ])('fails: %s', (_n, statement) => {
    expect(details(crossAccountWithoutOrganization, key([ADMIN, statement]))).toEqual([expect.stringMatching(/^Sid:Partner allows arn:aws:iam::222222222222:\S+ \(account 222222222222\) kms:Decrypt with no organization condition$/)]);
  });

  test.each([
    ['an aws:PrincipalOrgID condition on the statement', [ADMIN, { ...PARTNER, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }]],
    ['an organization perimeter Deny', [ADMIN, PARTNER, ORG_PERIMETER]],
    ['principals of the key\'s own account only', [ADMIN]],
  ])('passes: %s', (_n, statements) => {
    expect(details(crossAccountWithoutOrganization, key(statements))).toEqual([]);
  });
});

describe('KP12 policy lockout safety check bypassed', () => {
  test('fails with BypassPolicyLockoutSafetyCheck, passes without', () => {
    expect(details(lockoutCheckBypassed, key([ADMIN], { BypassPolicyLockoutSafetyCheck: true }))).toEqual(['BypassPolicyLockoutSafetyCheck is true']);
    expect(details(lockoutCheckBypassed, key([ADMIN], { BypassPolicyLockoutSafetyCheck: false }))).toEqual([]);
    expect(details(lockoutCheckBypassed, key([ADMIN]))).toEqual([]);
  });
});

describe('KP13 no deletion protection', () => {
  const protect = (extra: object = {}) => ({ Sid: 'Protect', Effect: 'Deny', Principal: '*', Action: ['kms:ScheduleKeyDeletion', 'kms:DisableKey'], Resource: '*', ...extra });
  test.each([
    ['no Deny at all', [ADMIN]],
    ['a Deny of deletion only', [ADMIN, protect({ Action: 'kms:ScheduleKeyDeletion' })]],
    ['a Deny that only the named administrator escapes... and the account IAM too', [ADMIN, protect({ Condition: { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::999999999999:*' } } })]],
  ])('warns: %s', (_n, statements) => {
    expect(details(deletionUnprotected, key(statements))).toHaveLength(1);
  });

  test('passes: a Deny to everyone but a break-glass role', () => {
    const breakGlass = protect({ Condition: { ArnNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/BreakGlass` } } });
    expect(details(deletionUnprotected, key([ADMIN, breakGlass]))).toEqual([]);
  });
});

describe('the pack and SecureKey', () => {
  function packFindings(props: SecureKeyProps, requireDeletionProtection: boolean, extra?: (stack: Stack, secureKey: SecureKey) => void): string[] {
    const stack = newStack();
    const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    const secureKey = new SecureKey(stack, 'Key', { administrators: [admin], ...props });
    extra?.(stack, secureKey);
    Template.fromStack(stack);
    return new KeyPolicyChecks(undefined, { requireDeletionProtection }).validateScope(stack).violations.map((v) => v.ruleName);
  }

  test('KP13 runs only when asked; deletionProtection satisfies it', () => {
    expect(packFindings({}, false)).toEqual([]);
    expect(packFindings({}, true)).toEqual(['KeyPolicy-KP13']);
    expect(packFindings({ deletionProtection: {} }, true)).toEqual([]);
  });

  test('KP11: a partner grant needs the organization perimeter', () => {
    const partner = (_s: Stack, secureKey: SecureKey) => secureKey.grantDecrypt(new iam.ArnPrincipal('arn:aws:iam::222222222222:role/Partner'));
    expect(packFindings({}, false, partner)).toEqual([expect.stringMatching(/^KeyPolicy-KP11\[Hash:[0-9a-f]{8}\]$/)]);
    expect(packFindings({ organizationPerimeter: { organizationId: 'o-a1b2c3d4e5' } }, false, partner)).toEqual([]);
  });
});
