import { Template } from 'aws-cdk-lib/assertions';
import { ComplianceEvidence, KmsOrganizationGuardrails } from '../../src';
import { newStack } from '../support/secure-key-fixtures';

const ORG = 'o-a1b2c3d4e5';

function resources(tpl: Record<string, unknown>, type: string): Array<Record<string, unknown>> {
  return Object.values((tpl as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }).Resources)
    .filter((r) => r.Type === type).map((r) => r.Properties);
}

describe('KmsOrganizationGuardrails', () => {
  test('two SCPs, one RCP and five organization Config rules by default, attached to the targets', () => {
    const stack = newStack();
    new KmsOrganizationGuardrails(stack, 'Guardrails', { organizationId: ORG, targetIds: ['ou-ab12-11111111'], exemptPrincipalArns: ['arn:aws:iam::*:role/break-glass'] });
    const tpl = Template.fromStack(stack).toJSON();
    const policies = resources(tpl, 'AWS::Organizations::Policy');
    expect(policies.map((p) => [p.Name, p.Type, p.TargetIds])).toEqual([
      ['securekey-kms-grants-only-for-aws-resources', 'SERVICE_CONTROL_POLICY', ['ou-ab12-11111111']],
      ['securekey-kms-deny-lockout-bypass', 'SERVICE_CONTROL_POLICY', ['ou-ab12-11111111']],
      ['securekey-kms-organization-only-key-access', 'RESOURCE_CONTROL_POLICY', ['ou-ab12-11111111']],
    ]);
    expect(policies[0].Content).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Sid: 'KmsGrantsOnlyForAwsResources',
        Effect: 'Deny',
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
          ArnNotLikeIfExists: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/break-glass'] },
        },
      }],
    });
    expect((policies[1].Content as { Statement: Array<{ Condition: unknown }> }).Statement[0].Condition)
      .toEqual({ Bool: { 'kms:BypassPolicyLockoutSafetyCheck': 'true' }, ArnNotLikeIfExists: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/break-glass'] } });
    expect((policies[2].Content as { Statement: Array<Record<string, unknown>> }).Statement[0]).toEqual(expect.objectContaining({
      Principal: '*',
      Action: 'kms:*',
      Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': ORG }, BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } },
    }));
    const rules = resources(tpl, 'AWS::Config::OrganizationConfigRule');
    expect(rules.map((r) => (r.OrganizationManagedRuleMetadata as { RuleIdentifier: string }).RuleIdentifier)).toEqual([
      'IAM_CUSTOMER_POLICY_BLOCKED_KMS_ACTIONS', 'IAM_INLINE_POLICY_BLOCKED_KMS_ACTIONS', 'KMS_CMK_NOT_SCHEDULED_FOR_DELETION',
      'CMK_BACKING_KEY_ROTATION_ENABLED', 'KMS_KEY_POLICY_NO_PUBLIC_ACCESS',
    ]);
    expect((rules[0].OrganizationManagedRuleMetadata as { InputParameters: string }).InputParameters)
      .toBe('{"blockedActionsPatterns":"kms:Decrypt,kms:ReEncryptFrom"}');
  });

  test('compliance evidence names each control; parts turned off are not applicable', () => {
    const stack = newStack();
    new KmsOrganizationGuardrails(stack, 'Guardrails', { organizationId: ORG, configRules: false, denyLockoutBypass: false });
    const controls = (JSON.parse(ComplianceEvidence.toJson(stack)) as { controls: Array<{ id: string; status: string }> }).controls;
    const status = Object.fromEntries(controls.map((c) => [c.id, c.status]));
    expect(status).toEqual(expect.objectContaining({
      'AWS Control Tower CT.KMS.PV.1': 'satisfied',
      'AWS Control Tower CT.KMS.PV.3': 'not-applicable',
      'AWS Control Tower CT.KMS.PV.7': 'satisfied',
      'AWS Security Hub KMS.1': 'not-applicable',
    }));
    expect(resources(Template.fromStack(stack).toJSON(), 'AWS::Config::OrganizationConfigRule')).toEqual([]);
  });

  test.each([
    [{ organizationId: 'o-1' }, /'organizationId' is not an organization ID. Received: 'o-1'/],
    [{ organizationId: ORG, targetIds: ['finance'] }, /'targetIds' contains a value that is not a root, OU or account ID. Received: 'finance'/],
  ])('fails for %j', (props, message) => {
    expect(() => new KmsOrganizationGuardrails(newStack(), 'G', props)).toThrow(message);
  });
});
