/**
 * The replica stacks validate against CloudFormation's resource schemas (provider repo and us-east-1
 * registry copies), and cdk-nag's packs report nothing unsuppressed on the primary and replica stacks.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { primaryWithReplicas, templateOf } from './fixtures';
import { envFor, resolveIntrinsics } from '../support/cfn-intrinsics';
import { schemaValidator, SCHEMA_SETS } from '../support/schemas';

const TYPES: Record<string, string> = { 'AWS::KMS::ReplicaKey': 'aws-kms-replicakey.json', 'AWS::KMS::Alias': 'aws-kms-alias.json', 'AWS::KMS::Key': 'aws-kms-key.json' };

function kmsResources(stack: Stack): Array<{ type: string; id: string; props: Record<string, unknown> }> {
  const tpl = templateOf(stack);
  const resolved = resolveIntrinsics(tpl, envFor(tpl as never, { region: stack.region })) as ReturnType<typeof templateOf>;
  return Object.entries(resolved.Resources)
    .filter(([, r]) => TYPES[r.Type] !== undefined)
    .map(([id, r]) => ({ type: r.Type, id, props: r.Properties }));
}

describe.each(SCHEMA_SETS)('CloudFormation schemas (%s)', (_name, dir) => {
  const validators = Object.fromEntries(Object.entries(TYPES).map(([t, f]) => [t, schemaValidator(dir, f)]));
  const { stack, key } = primaryWithReplicas();
  const resources = [stack, ...key.replicaKeys.map((r) => r.stack)].flatMap((s) => kmsResources(s).map((r) => ({ ...r, stack: s.node.id })));

  test('the stacks hold a primary, two replicas and an alias in each Region', () => {
    expect(resources.map((r) => `${r.stack} ${r.type}`).sort()).toEqual([
      'Primary AWS::KMS::Alias', 'Primary AWS::KMS::Key',
      'Primary-replicas-ap-southeast-2 AWS::KMS::Alias', 'Primary-replicas-ap-southeast-2 AWS::KMS::ReplicaKey',
      'Primary-replicas-eu-west-1 AWS::KMS::Alias', 'Primary-replicas-eu-west-1 AWS::KMS::ReplicaKey',
    ]);
  });

  test.each(resources.map((r) => [`${r.stack}/${r.id}`, r]))('%s validates', (_id, r) => {
    const validate = validators[r.type];
    const ok = validate(r.props);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('the validator rejects a replica with a rotation property (replicas follow the primary\'s rotation)', () => {
    const replica = resources.find((r) => r.type === 'AWS::KMS::ReplicaKey')!;
    const validate = validators['AWS::KMS::ReplicaKey'];
    expect(validate({ ...replica.props, EnableKeyRotation: true })).toBe(false);
    expect((validate.errors ?? []).map((e) => e.keyword)).toEqual(['additionalProperties']);
  });
});

/** Every violation (error or warning) cdk-nag's four packs leave unacknowledged. */
function nagFindings(stack: Stack): string[] {
  const packs = [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks()];
  return packs.flatMap((pack) => pack.validateScope(stack).violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} (${v.severity}) at ${r.constructPath}`)));
}

function acknowledge(scope: IConstruct, ids: string[], reason: string): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}

describe('cdk-nag: AwsSolutions, NIST 800-53 R5, HIPAA, PCI DSS 3.2.1', () => {
  const { app, stack, key, adminRole, appRole } = primaryWithReplicas();
  acknowledge(adminRole, ['NIST.800.53.R5-IAMNoInlinePolicy', 'HIPAA.Security-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy'],
    'CDK writes the key\'s grants to the test app\'s roles as AWS::IAM::Policy resources; the roles are the app\'s, not SecureKey\'s.');
  acknowledge(appRole, ['NIST.800.53.R5-IAMNoInlinePolicy', 'HIPAA.Security-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy'],
    'CDK writes the key\'s grants to the test app\'s roles as AWS::IAM::Policy resources; the roles are the app\'s, not SecureKey\'s.');
  // Cross-Region references are resolved at synth: the export writer and reader exist only afterwards.
  app.synth();
  const stacks = [stack, ...key.replicaKeys.map((r) => r.stack)];

  test('the cross-Region reference providers exist (the packs see CDK\'s export writer and readers)', () => {
    expect(stack.node.tryFindChild('Custom::CrossRegionExportWriterCustomResourceProvider')).toBeDefined();
    for (const replica of key.replicaKeys) {
      expect(replica.stack.node.tryFindChild('Custom::CrossRegionExportReaderCustomResourceProvider')).toBeDefined();
    }
  });

  test.each(stacks.map((s) => [s.node.id, s]))('%s: nothing unsuppressed', (_id, s) => {
    expect(nagFindings(s)).toEqual([]);
  });

  test('the packs do report the grantees\' inline policies when not acknowledged (the check can fail)', () => {
    const other = primaryWithReplicas();
    other.app.synth();
    expect(nagFindings(other.stack)).toEqual(expect.arrayContaining([expect.stringMatching(/^NIST\.800\.53\.R5-IAMNoInlinePolicy .* at Primary\/AppRole\/DefaultPolicy\/Resource$/)]));
  });
});
