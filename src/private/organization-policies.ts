/**
 * Pure: the organization-wide KMS guardrails as policy documents (service and resource control
 * policies) and AWS Config managed rules, with the compliance records each one supports. The controls
 * are AWS Control Tower's CT.KMS.PV.1, PV.3 and PV.7 and the Config rules behind Security Hub KMS.1-5.
 */
import { ComplianceRecord } from './compliance';

const VERSION = '2012-10-17';

function exemption(exemptPrincipalArns: string[]): Record<string, unknown> {
  return exemptPrincipalArns.length > 0 ? { ArnNotLikeIfExists: { 'aws:PrincipalArn': exemptPrincipalArns } } : {};
}

/** CT.KMS.PV.1: grants only when an AWS service integrated with KMS asks for them, or for service principals. */
export function grantsOnlyForAwsResourcesPolicy(exemptPrincipalArns: string[]): object {
  return {
    Version: VERSION,
    Statement: [{
      Sid: 'KmsGrantsOnlyForAwsResources',
      Effect: 'Deny',
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: {
        // Absent means the request did not come from an integrated service: denied.
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        ...exemption(exemptPrincipalArns),
      },
    }],
  };
}

/** CT.KMS.PV.3: no key created, and no key policy set, with the lockout safety check bypassed. */
export function noLockoutBypassPolicy(exemptPrincipalArns: string[]): object {
  return {
    Version: VERSION,
    Statement: [{
      Sid: 'KmsNoLockoutCheckBypass',
      Effect: 'Deny',
      Action: ['kms:CreateKey', 'kms:PutKeyPolicy'],
      Resource: '*',
      Condition: {
        Bool: { 'kms:BypassPolicyLockoutSafetyCheck': 'true' },
        ...exemption(exemptPrincipalArns),
      },
    }],
  };
}

/** CT.KMS.PV.7 (a resource control policy): the organization's keys only for its principals and AWS services. */
export function organizationOnlyKeyAccessPolicy(organizationId: string): object {
  return {
    Version: VERSION,
    Statement: [{
      Sid: 'KmsOnlyForOrganization',
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:*',
      Resource: '*',
      Condition: {
        StringNotEqualsIfExists: { 'aws:PrincipalOrgID': organizationId },
        BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
      },
    }],
  };
}

export interface OrganizationConfigRule {
  /** Construct id. */
  readonly id: string;
  /** Rule name suffix (`securekey-<name>`). */
  readonly name: string;
  /** AWS Config managed rule identifier. */
  readonly identifier: string;
  readonly description: string;
  readonly inputParameters?: Record<string, string>;
  readonly resourceTypes?: string[];
  /** Security Hub (and CIS) controls the rule evaluates. */
  readonly controls: string[];
}

const BLOCKED_KMS_ACTIONS = { blockedActionsPatterns: 'kms:Decrypt,kms:ReEncryptFrom' };

/** The AWS Config managed rules Security Hub uses for KMS.1-KMS.5 (KMS.4 is also CIS 3.6). */
export const ORGANIZATION_CONFIG_RULES: OrganizationConfigRule[] = [
  {
    id: 'CustomerPoliciesBlockKmsDecryptAll',
    name: 'iam-customer-policy-blocked-kms-actions',
    identifier: 'IAM_CUSTOMER_POLICY_BLOCKED_KMS_ACTIONS',
    description: 'Customer managed IAM policies must not allow kms:Decrypt or kms:ReEncryptFrom on all keys (Security Hub KMS.1).',
    inputParameters: BLOCKED_KMS_ACTIONS,
    resourceTypes: ['AWS::IAM::Policy'],
    controls: ['KMS.1'],
  },
  {
    id: 'InlinePoliciesBlockKmsDecryptAll',
    name: 'iam-inline-policy-blocked-kms-actions',
    identifier: 'IAM_INLINE_POLICY_BLOCKED_KMS_ACTIONS',
    description: 'Inline IAM policies must not allow kms:Decrypt or kms:ReEncryptFrom on all keys (Security Hub KMS.2).',
    inputParameters: BLOCKED_KMS_ACTIONS,
    resourceTypes: ['AWS::IAM::Group', 'AWS::IAM::Role', 'AWS::IAM::User'],
    controls: ['KMS.2'],
  },
  {
    id: 'KeysNotScheduledForDeletion',
    name: 'kms-cmk-not-scheduled-for-deletion',
    identifier: 'KMS_CMK_NOT_SCHEDULED_FOR_DELETION',
    description: 'KMS keys must not be scheduled for deletion unintentionally (Security Hub KMS.3).',
    resourceTypes: ['AWS::KMS::Key'],
    controls: ['KMS.3'],
  },
  {
    id: 'KeyRotationEnabled',
    name: 'cmk-backing-key-rotation-enabled',
    identifier: 'CMK_BACKING_KEY_ROTATION_ENABLED',
    description: 'Symmetric customer managed KMS keys must rotate (Security Hub KMS.4, CIS 3.6).',
    controls: ['KMS.4', 'CIS 3.6'],
  },
  {
    id: 'KeyPolicyNoPublicAccess',
    name: 'kms-key-policy-no-public-access',
    identifier: 'KMS_KEY_POLICY_NO_PUBLIC_ACCESS',
    description: 'KMS key policies must not allow public access (Security Hub KMS.5).',
    resourceTypes: ['AWS::KMS::Key'],
    controls: ['KMS.5'],
  },
];

export interface OrganizationGuardrailSettings {
  readonly grantsOnlyForAwsResources: boolean;
  readonly denyLockoutBypass: boolean;
  readonly organizationOnlyKeyAccess: boolean;
  readonly configRules: boolean;
}

const CT = 'AWS Control Tower';
const HUB = 'AWS Security Hub';
const CIS = 'CIS AWS Foundations Benchmark v3.0.0';

export function organizationGuardrailRecords(s: OrganizationGuardrailSettings): ComplianceRecord[] {
  // A part turned off implements nothing here; it does not make the stack fail a control other constructs satisfy.
  const status = (on: boolean): ComplianceRecord['status'] => (on ? 'satisfied' : 'not-applicable');
  const records: ComplianceRecord[] = [
    {
      framework: CT,
      control: 'CT.KMS.PV.1',
      status: status(s.grantsOnlyForAwsResources),
      setting: `grantsOnlyForAwsResources: ${s.grantsOnlyForAwsResources}`,
      evidence: 'A service control policy denies kms:CreateGrant unless kms:GrantIsForAWSResource is true or the caller is an AWS service.',
    },
    {
      framework: CT,
      control: 'CT.KMS.PV.3',
      status: status(s.denyLockoutBypass),
      setting: `denyLockoutBypass: ${s.denyLockoutBypass}`,
      evidence: 'A service control policy denies CreateKey and PutKeyPolicy with kms:BypassPolicyLockoutSafetyCheck true.',
    },
    {
      framework: CT,
      control: 'CT.KMS.PV.7',
      status: status(s.organizationOnlyKeyAccess),
      setting: `organizationOnlyKeyAccess: ${s.organizationOnlyKeyAccess}`,
      evidence: 'A resource control policy denies every KMS action to principals outside the organization that are not AWS services.',
    },
  ];
  for (const rule of ORGANIZATION_CONFIG_RULES) {
    for (const control of rule.controls) {
      const cis = control.startsWith('CIS ');
      records.push({
        framework: cis ? CIS : HUB,
        control: cis ? control.slice(4) : control,
        status: status(s.configRules),
        setting: `configRules: ${s.configRules}`,
        evidence: s.configRules ? `The organization Config rule ${rule.identifier} evaluates every member account.`
          : `The organization Config rule ${rule.identifier} is not deployed.`,
      });
    }
  }
  return records;
}
