import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { SecureKey, SecureKeyProps } from '../../src';
import { envFor, resolveIntrinsics } from '../support/cfn-intrinsics';
import { schemaValidator, SCHEMA_SETS } from '../support/schemas';
import { ACCOUNT, keyPolicyOf, newStack, REGION, roles } from '../support/secure-key-fixtures';

const ORG = 'o-a1b2c3d4e5';

interface Statement {
  Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Condition?: Record<string, Record<string, unknown>>;
}

function statements(key: SecureKey): Statement[] {
  return (keyPolicyOf(key) as { Statement: Statement[] }).Statement;
}

function bySid(key: SecureKey, sid: string): Statement {
  const found = statements(key).find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid}`);
  return found;
}

function keyWith(props: SecureKeyProps, stack = newStack()): SecureKey {
  const { adminRole, appRole } = roles(stack);
  return new SecureKey(stack, 'Key', { administrators: [adminRole], users: [appRole], ...props });
}

/** A key with every guardrail on, as docs/guardrails.md shows it. */
function guardedKey(stack = newStack()): SecureKey {
  const breakGlass = new iam.Role(stack, 'BreakGlass', { roleName: 'break-glass', assumedBy: new iam.AccountRootPrincipal() });
  return keyWith({
    organizationPerimeter: { organizationId: ORG },
    networkPerimeter: { vpcEndpointIds: ['vpce-0123456789abcdef0'], vpcIds: ['vpc-0123456789abcdef0'] },
    deletionProtection: { breakGlassPrincipals: [breakGlass] },
    minimumPendingWindow: Duration.days(30),
  }, stack);
}

describe('organization perimeter', () => {
  test('denies every KMS action outside the organization, AWS services exempt', () => {
    const key = keyWith({ organizationPerimeter: { organizationId: ORG } });
    expect(bySid(key, 'DenyOutsideOrganization')).toEqual({
      Sid: 'DenyOutsideOrganization',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:*',
      Resource: '*',
      Condition: {
        StringNotEqualsIfExists: { 'aws:PrincipalOrgID': ORG },
        BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
      },
    });
  });

  test('OU paths and trusted accounts narrow and widen it', () => {
    const key = keyWith({
      organizationPerimeter: { organizationId: ORG, organizationalUnitPaths: [`${ORG}/r-ab12/ou-ab12-11111111/*`], trustedAccounts: ['222222222222'] },
    });
    expect(bySid(key, 'DenyOutsideOrganization').Condition).toEqual({
      StringNotEqualsIfExists: { 'aws:PrincipalOrgID': ORG, 'aws:PrincipalAccount': ['222222222222'] },
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
    });
    expect(bySid(key, 'DenyOutsideOrganizationalUnits').Condition).toEqual({
      'ForAllValues:StringNotLike': { 'aws:PrincipalOrgPaths': [`${ORG}/r-ab12/ou-ab12-11111111/*`] },
      'StringNotEqualsIfExists': { 'aws:PrincipalAccount': ['222222222222'] },
      'BoolIfExists': { 'aws:PrincipalIsAWSService': 'false' },
    });
  });

  test.each([
    [{ organizationId: 'org-1' }, /'organizationPerimeter.organizationId' is not an organization ID. Received: 'org-1'. Allowed: 'o-' followed by 10 to 32/],
    [{ organizationId: ORG, organizationalUnitPaths: ['o-zzzzzzzzzz/r-ab12/*'] },
      /'organizationPerimeter.organizationalUnitPaths' contains a path outside the organization. Received: 'o-zzzzzzzzzz\/r-ab12\/\*'. Allowed: paths that start with 'o-a1b2c3d4e5\/'/],
    [{ organizationId: ORG, organizationalUnitPaths: [] }, /'organizationPerimeter.organizationalUnitPaths' is empty/],
    [{ organizationId: ORG, trustedAccounts: ['12345'] }, /'organizationPerimeter.trustedAccounts' contains a malformed value. Received: '12345'. Allowed: 12-digit AWS account IDs/],
  ])('fails for %j', (organizationPerimeter, message) => {
    expect(() => keyWith({ organizationPerimeter })).toThrow(message);
  });
});

describe('network perimeter', () => {
  test('denies use from outside the named endpoints and VPCs; administration is not covered', () => {
    const key = keyWith({ networkPerimeter: { vpcEndpointIds: ['vpce-0123456789abcdef0'], vpcIds: ['vpc-0123456789abcdef0'] } });
    const s = bySid(key, 'DenyUseOutsideNetworkPerimeter');
    expect(s.Effect).toBe('Deny');
    expect(s.Action).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:CreateGrant']));
    expect(s.Action).not.toContain('kms:PutKeyPolicy');
    expect(s.Condition).toEqual({
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false', 'aws:ViaAWSService': 'false' },
      ArnNotLikeIfExists: {
        'aws:PrincipalArn': [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:role/aws-service-role/*`]] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/aws:ec2-infrastructure']] },
        ],
      },
      StringNotEqualsIfExists: { 'aws:SourceVpce': ['vpce-0123456789abcdef0'], 'aws:SourceVpc': ['vpc-0123456789abcdef0'] },
    });
  });

  test('IP ranges', () => {
    const key = keyWith({ networkPerimeter: { sourceIpRanges: ['203.0.113.0/24'] } });
    expect(bySid(key, 'DenyUseOutsideNetworkPerimeter').Condition?.NotIpAddressIfExists).toEqual({ 'aws:SourceIp': ['203.0.113.0/24'] });
  });

  test.each([
    [{}, /'networkPerimeter' names no network, which would deny every direct use of the key/],
    [{ vpcEndpointIds: ['endpoint-1'] }, /'networkPerimeter.vpcEndpointIds' contains a malformed value. Received: 'endpoint-1'/],
    [{ vpcIds: ['vpce-0123456789abcdef0'] }, /'networkPerimeter.vpcIds' contains a malformed value/],
    [{ sourceIpRanges: ['203.0.113.0'] }, /'networkPerimeter.sourceIpRanges' contains a malformed value. Received: '203.0.113.0'. Allowed: CIDR ranges/],
  ])('fails for %j', (networkPerimeter, message) => {
    expect(() => keyWith({ networkPerimeter })).toThrow(message);
  });
});

describe('deletion protection and the minimum pending window', () => {
  test('denies deletion, disabling and turning rotation off to all but the break-glass role', () => {
    const stack = newStack();
    const breakGlass = new iam.Role(stack, 'BreakGlass', { assumedBy: new iam.AccountRootPrincipal() });
    const key = keyWith({ deletionProtection: { breakGlassPrincipals: [breakGlass] } }, stack);
    expect(bySid(key, 'DenyKeyDeletionAndDisabling')).toEqual(expect.objectContaining({
      Effect: 'Deny',
      Action: ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:DeleteImportedKeyMaterial', 'kms:DisableKeyRotation'],
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': [stack.getLogicalId(breakGlass.node.defaultChild as never), 'Arn'] }] } },
    }));
  });

  test('a key that cannot rotate gets no DisableKeyRotation deny; no break-glass role denies everyone', () => {
    const key = keyWith({ keySpec: KeySpec.ECC_NIST_P256, keyUsage: KeyUsage.SIGN_VERIFY, deletionProtection: {} });
    const s = bySid(key, 'DenyKeyDeletionAndDisabling');
    expect(s.Action).toEqual(['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:DeleteImportedKeyMaterial']);
    expect(s.Condition).toBeUndefined();
  });

  test('minimumPendingWindow denies shorter waiting periods', () => {
    const key = keyWith({ minimumPendingWindow: Duration.days(21) });
    expect(bySid(key, 'DenyShortDeletionWindow')).toEqual(expect.objectContaining({
      Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Condition: { NumericLessThan: { 'kms:ScheduleKeyDeletionPendingWindowInDays': 21 } },
    }));
  });

  test.each([
    [{ deletionProtection: {}, removalPolicy: RemovalPolicy.DESTROY },
      /'deletionProtection' denies kms:ScheduleKeyDeletion, which CloudFormation calls to delete a key with removalPolicy destroy. Received: removalPolicy destroy. Allowed: removalPolicy RETAIN/],
    [{ deletionProtection: {}, enabled: false }, /'deletionProtection' denies kms:DisableKey, which CloudFormation calls to create a key with enabled: false/],
    [{ minimumPendingWindow: Duration.days(3) }, /'minimumPendingWindow' is out of range. Received: 3 days. Allowed: a whole number of days from 7 to 30/],
    [{ minimumPendingWindow: Duration.days(30), pendingWindow: Duration.days(7), removalPolicy: RemovalPolicy.DESTROY },
      /'minimumPendingWindow' is 30 days but 'pendingWindow' is 7 days with removalPolicy destroy: CloudFormation would schedule the deletion with 7 days/],
  ])('fails for %#', (props, message) => {
    expect(() => keyWith(props as SecureKeyProps)).toThrow(message);
  });

  test('a service principal cannot be a break-glass principal', () => {
    expect(() => keyWith({ deletionProtection: { breakGlassPrincipals: [new iam.ServicePrincipal('lambda.amazonaws.com')] } }))
      .toThrow(/'deletionProtection.breakGlassPrincipals' contains a principal without a single IAM ARN/);
  });
});

describe('a key with every guardrail', () => {
  test('resolved key policy', () => {
    expect(keyPolicyOf(guardedKey())).toMatchSnapshot();
  });

  test('replicas carry the same guardrails', () => {
    const app = new App();
    const stack = new Stack(app, 'Primary', { env: { account: ACCOUNT, region: REGION } });
    const { adminRole } = roles(stack);
    const key = new SecureKey(stack, 'Key', {
      administrators: [adminRole],
      replicaRegions: ['eu-west-1'],
      organizationPerimeter: { organizationId: ORG },
      deletionProtection: {},
      minimumPendingWindow: Duration.days(30),
    });
    const replica = Template.fromStack(key.replicaKey('eu-west-1').stack).toJSON();
    const [replicaKey] = Object.values(replica.Resources as Record<string, { Type: string; Properties: { KeyPolicy: { Statement: Statement[] } } }>)
      .filter((r) => r.Type === 'AWS::KMS::ReplicaKey');
    expect(replicaKey.Properties.KeyPolicy.Statement.map((s) => s.Sid))
      .toEqual(expect.arrayContaining(['DenyOutsideOrganization', 'DenyKeyDeletionAndDisabling', 'DenyShortDeletionWindow']));
  });

  test('schema-valid and clean under the four cdk-nag packs', () => {
    const stack = newStack();
    guardedKey(stack);
    const tpl = Template.fromStack(stack).toJSON();
    const resolved = resolveIntrinsics(tpl, envFor(tpl)) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    for (const [, dir] of SCHEMA_SETS) {
      const validate = schemaValidator(dir, 'aws-kms-key.json');
      for (const r of Object.values(resolved.Resources).filter((x) => x.Type === 'AWS::KMS::Key')) {
        expect({ valid: validate(r.Properties), errors: validate.errors }).toEqual({ valid: true, errors: null });
      }
    }
    const packs = [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks()];
    const findings = packs.flatMap((p) => p.validateScope(stack).violations
      .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)))
      .filter((f) => f.includes('/Key/'));
    expect(findings).toEqual([]);
  });
});
