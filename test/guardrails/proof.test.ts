/**
 * The guardrails proved with the policy engine, in both directions: what each Deny stops, and that the
 * key's administrators, users and the AWS services they use still work.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SecureKey, SecureKeyProps } from '../../src';
import { authorize, Request } from '../../src/private/policy/engine';
import { arnOf, envFor, resolveIntrinsics } from '../support/cfn-intrinsics';
import { ACCOUNT, newStack, REGION } from '../support/secure-key-fixtures';

const ORG = 'o-a1b2c3d4e5';
const OU = `${ORG}/r-ab12/ou-ab12-11111111/`;
const OTHER_ACCOUNT = '222222222222';
const PARTNER_ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/Partner`;
const SERVICE_LINKED = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
const KMS_ALL = [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }];

interface Fixture {
  readonly policy: unknown;
  readonly keyArn: string;
  readonly admin: string;
  readonly app: string;
  readonly breakGlass: string;
}

/** A key with an administrator, a user, a break-glass administrator, a partner role and CloudWatch Logs. */
function fixture(props: SecureKeyProps | ((breakGlass: iam.IRole) => SecureKeyProps)): Fixture {
  const stack: Stack = newStack();
  const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
  const app = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const breakGlass = new iam.Role(stack, 'BreakGlass', { assumedBy: new iam.AccountRootPrincipal() });
  const extra = typeof props === 'function' ? props(breakGlass) : props;
  const key = new SecureKey(stack, 'Key', { administrators: [admin, breakGlass], users: [app], ...extra });
  key.grantDecrypt(new iam.ArnPrincipal(PARTNER_ROLE));
  key.grantDecrypt(new iam.ArnPrincipal(SERVICE_LINKED));
  key.allowCloudWatchLogs({ logGroupNames: ['app'] });
  const tpl = Template.fromStack(stack).toJSON();
  const env = envFor(tpl);
  const id = (c: iam.Role | SecureKey) => stack.getLogicalId(c.node.defaultChild as never);
  const resolved = resolveIntrinsics(tpl.Resources[id(key)].Properties.KeyPolicy, env);
  return {
    policy: resolved,
    keyArn: arnOf(id(key), env),
    admin: arnOf(id(admin), env),
    app: arnOf(id(app), env),
    breakGlass: arnOf(id(breakGlass), env),
  };
}

type Ask = Omit<Request, 'keyArn' | 'keyAccount' | 'caller'> & { readonly arn?: string; readonly service?: string; readonly account?: string };

/** `allowed`, `explicit-deny` or `implicit-deny` for a request by an IAM principal (IAM allows kms:*) or a service. */
function decision(f: Fixture, ask: Ask): string {
  const { arn, service, account, ...rest } = ask;
  const caller = service !== undefined
    ? { service }
    : { arn, account: account ?? ACCOUNT, iamStatements: KMS_ALL };
  const isService = service !== undefined;
  return authorize(f.policy, {
    ...rest,
    caller,
    keyArn: f.keyArn,
    keyAccount: ACCOUNT,
    context: { 'aws:PrincipalIsAWSService': String(isService), ...(rest.context ?? {}) },
  }).decision;
}

const IN_ORG = { 'aws:PrincipalOrgID': ORG };
const LOGS = `logs.${REGION}.amazonaws.com`;
const LOGS_CONTEXT = { ['aws:logs:arn']: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:app` };

describe('organization perimeter', () => {
  const f = fixture({ organizationPerimeter: { organizationId: ORG } });

  test('keeps the access model working inside the organization', () => {
    expect(decision(f, { arn: f.app, action: 'kms:Decrypt', context: IN_ORG })).toBe('allowed');
    expect(decision(f, { arn: f.app, action: 'kms:Decrypt', viaService: `s3.${REGION}.amazonaws.com`, context: { ...IN_ORG, 'aws:ViaAWSService': 'true' } })).toBe('allowed');
    expect(decision(f, { arn: f.admin, action: 'kms:PutKeyPolicy', context: IN_ORG })).toBe('allowed');
    expect(decision(f, { arn: PARTNER_ROLE, account: OTHER_ACCOUNT, action: 'kms:Decrypt', context: IN_ORG })).toBe('allowed');
  });

  test('AWS service principals are exempt', () => {
    expect(decision(f, { service: LOGS, action: 'kms:GenerateDataKey', encryptionContext: LOGS_CONTEXT })).toBe('allowed');
  });

  test('denies a granted principal whose account left the organization, and a principal of no organization', () => {
    expect(decision(f, { arn: PARTNER_ROLE, account: OTHER_ACCOUNT, action: 'kms:Decrypt', context: { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' } })).toBe('explicit-deny');
    expect(decision(f, { arn: PARTNER_ROLE, account: OTHER_ACCOUNT, action: 'kms:Decrypt' })).toBe('explicit-deny');
  });

  test('OU paths: only principals in the named OUs; trusted accounts stay in', () => {
    const ou = fixture({ organizationPerimeter: { organizationId: ORG, organizationalUnitPaths: [`${OU}*`], trustedAccounts: [OTHER_ACCOUNT] } });
    expect(decision(ou, { arn: ou.app, action: 'kms:Decrypt', context: { ...IN_ORG, 'aws:PrincipalOrgPaths': [`${OU}ou-ab12-22222222/`] } })).toBe('allowed');
    expect(decision(ou, { arn: ou.app, action: 'kms:Decrypt', context: { ...IN_ORG, 'aws:PrincipalOrgPaths': [`${ORG}/r-ab12/ou-ab12-99999999/`] } })).toBe('explicit-deny');
    expect(decision(ou, { arn: PARTNER_ROLE, account: OTHER_ACCOUNT, action: 'kms:Decrypt' })).toBe('allowed');
  });
});

describe('network perimeter', () => {
  const f = fixture({ networkPerimeter: { vpcEndpointIds: ['vpce-0123456789abcdef0'], sourceIpRanges: ['203.0.113.0/24'] } });
  const fromEndpoint = { 'aws:SourceVpce': 'vpce-0123456789abcdef0', 'aws:SourceVpc': 'vpc-0123456789abcdef0' };

  test('use from the named endpoint or IP range works', () => {
    expect(decision(f, { arn: f.app, action: 'kms:Decrypt', context: fromEndpoint })).toBe('allowed');
    expect(decision(f, { arn: f.app, action: 'kms:Encrypt', context: { 'aws:SourceIp': '203.0.113.9' } })).toBe('allowed');
  });

  test('use from anywhere else is denied, and so is CreateGrant', () => {
    expect(decision(f, { arn: f.app, action: 'kms:Decrypt', context: { 'aws:SourceIp': '198.51.100.7' } })).toBe('explicit-deny');
    expect(decision(f, { arn: f.app, action: 'kms:Decrypt', context: { 'aws:SourceVpce': 'vpce-0fffffffffffffff0' } })).toBe('explicit-deny');
  });

  test('calls through AWS services, service principals and service-linked roles are exempt; administration is not covered', () => {
    expect(decision(f, { arn: f.app, action: 'kms:Decrypt', viaService: `sqs.${REGION}.amazonaws.com`, context: { 'aws:ViaAWSService': 'true' } })).toBe('allowed');
    expect(decision(f, { service: LOGS, action: 'kms:GenerateDataKey', encryptionContext: LOGS_CONTEXT })).toBe('allowed');
    expect(decision(f, { arn: SERVICE_LINKED, action: 'kms:Decrypt', context: { 'aws:SourceIp': '198.51.100.7' } })).toBe('allowed');
    expect(decision(f, { arn: f.admin, action: 'kms:PutKeyPolicy', context: { 'aws:SourceIp': '198.51.100.7' } })).toBe('allowed');
  });
});

describe('deletion protection and the minimum pending window', () => {
  const f0 = fixture({});
  test('without them an administrator can delete and disable the key (the proof can fail)', () => {
    expect(decision(f0, { arn: f0.admin, action: 'kms:ScheduleKeyDeletion' })).toBe('allowed');
    expect(decision(f0, { arn: f0.admin, action: 'kms:DisableKey' })).toBe('allowed');
  });

  test('administrators and the account IAM cannot delete, disable or stop rotation; the break-glass role can; the rest of administration works', () => {
    const f = fixture((breakGlass) => ({ deletionProtection: { breakGlassPrincipals: [breakGlass] } }));
    for (const action of ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:DisableKeyRotation']) {
      expect([action, decision(f, { arn: f.admin, action })]).toEqual([action, 'explicit-deny']);
      expect([action, decision(f, { arn: `arn:aws:iam::${ACCOUNT}:role/AnyIamAdmin`, action })]).toEqual([action, 'explicit-deny']);
      expect([action, decision(f, { arn: f.breakGlass, action })]).toEqual([action, 'allowed']);
    }
    for (const action of ['kms:PutKeyPolicy', 'kms:EnableKeyRotation', 'kms:TagResource', 'kms:CancelKeyDeletion']) {
      expect([action, decision(f, { arn: f.admin, action })]).toEqual([action, 'allowed']);
    }
  });

  test('minimumPendingWindow: shorter waiting periods are denied to everyone, longer ones allowed', () => {
    const f = fixture({ minimumPendingWindow: Duration.days(21) });
    const window = (days: number) => ({ 'kms:ScheduleKeyDeletionPendingWindowInDays': String(days) });
    expect(decision(f, { arn: f.admin, action: 'kms:ScheduleKeyDeletion', context: window(7) })).toBe('explicit-deny');
    expect(decision(f, { arn: f.breakGlass, action: 'kms:ScheduleKeyDeletion', context: window(20) })).toBe('explicit-deny');
    expect(decision(f, { arn: f.admin, action: 'kms:ScheduleKeyDeletion', context: window(21) })).toBe('allowed');
  });
});
