/**
 * The synthesized AWS::KMS::Key and AWS::KMS::Alias properties validate against CloudFormation's
 * resource schemas (provider repo and us-east-1 registry copies in test/fixtures).
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CfnKey, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { SecureKey } from '../../src';
import { envFor, resolveIntrinsics } from '../support/cfn-intrinsics';
import { schemaValidator, SCHEMA_SETS } from '../support/schemas';
import { newStack, roles } from '../support/secure-key-fixtures';

const validators = SCHEMA_SETS.map(([name, dir]) => ({
  name,
  key: schemaValidator(dir, 'aws-kms-key.json'),
  alias: schemaValidator(dir, 'aws-kms-alias.json'),
}));

/** Properties of every KMS key and alias in the stack, intrinsics resolved to placeholder strings. */
function kmsResources(stack: Stack): Array<{ type: string; id: string; props: Record<string, unknown> }> {
  const tpl = Template.fromStack(stack).toJSON();
  const resolved = resolveIntrinsics(tpl, envFor(tpl)) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  return Object.entries(resolved.Resources)
    .filter(([, r]) => r.Type === 'AWS::KMS::Key' || r.Type === 'AWS::KMS::Alias')
    .map(([id, r]) => ({ type: r.Type, id, props: r.Properties }));
}

function stackWithEveryShape(): Stack {
  const stack = newStack();
  const { adminRole, appRole } = roles(stack);
  const full = new SecureKey(stack, 'Full', {
    description: 'every prop',
    aliases: ['orders', 'alias/team/orders_v2:blue'],
    enabled: true,
    tags: { team: 'payments' },
    enableKeyRotation: true,
    rotationPeriod: Duration.days(180),
    pendingWindow: Duration.days(7),
    removalPolicy: RemovalPolicy.DESTROY,
    administrators: [adminRole],
    users: [appRole],
    allowAwsServicesOnBehalfOfUsers: true,
    viaServices: ['s3'],
  });
  full.allowCloudWatchLogs();
  full.allowCloudTrail({ trailName: 'trail' });
  full.allowEventBridge();
  full.allowSns();
  full.allowS3();
  full.withConditions({ encryptionContext: { tenant: 'acme' }, callerAccount: '111111111111' }).grantGenerateDataKey(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
  new SecureKey(stack, 'Default');
  new SecureKey(stack, 'Locked', { administrators: [adminRole], allowIamAdministration: false, bypassPolicyLockoutSafetyCheck: true });
  new SecureKey(stack, 'Sign', { keySpec: KeySpec.ECC_NIST_P384, keyUsage: KeyUsage.SIGN_VERIFY, users: [appRole] });
  new SecureKey(stack, 'Mac', { keySpec: KeySpec.HMAC_512, keyUsage: KeyUsage.GENERATE_VERIFY_MAC, users: [appRole] });
  new SecureKey(stack, 'Rsa', { keySpec: KeySpec.RSA_4096, keyUsage: KeyUsage.ENCRYPT_DECRYPT, users: [appRole] });
  new SecureKey(stack, 'Agree', { keySpec: KeySpec.ECC_NIST_P256, keyUsage: KeyUsage.KEY_AGREEMENT, users: [appRole] });
  return stack;
}

describe.each(validators)('CloudFormation schemas ($name)', (v) => {
  const resources = kmsResources(stackWithEveryShape());

  test('the stack has the expected keys and aliases', () => {
    expect(resources.filter((r) => r.type === 'AWS::KMS::Key')).toHaveLength(7);
    expect(resources.filter((r) => r.type === 'AWS::KMS::Alias')).toHaveLength(2);
  });

  test.each(resources.map((r) => [r.id, r]))('%s validates', (_id, r) => {
    const validate = r.type === 'AWS::KMS::Key' ? v.key : v.alias;
    const ok = validate(r.props);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('the validator rejects a property CloudFormation would reject', () => {
    const stack = newStack();
    const key = new SecureKey(stack, 'Key');
    (key.node.defaultChild as CfnKey).addPropertyOverride('PendingWindowInDays', 3);
    (key.node.defaultChild as CfnKey).addPropertyOverride('NotAProperty', true);
    // aws-cdk-lib's own template validation sees the same two faults; this test makes them on purpose.
    for (const id of ['CloudFormation-Validate::F3002', 'CloudFormation-Validate::F3034']) {
      Validations.of(key).acknowledge({ id, reason: 'the test breaks the key on purpose' });
    }
    const [r] = kmsResources(stack);
    expect(v.key(r.props)).toBe(false);
    const keywords = (v.key.errors ?? []).map((e) => e.keyword).sort();
    expect(keywords).toEqual(['additionalProperties', 'minimum']);
  });
});
