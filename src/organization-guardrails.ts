import { Stack, Token } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import { Construct } from 'constructs';
import { recordCompliance } from './private/compliance';
import { emitComplianceMap } from './private/compliance-map';
import { ORGANIZATION_ID_PATTERN } from './private/guardrail-statements';
import {
  ORGANIZATION_CONFIG_RULES, grantsOnlyForAwsResourcesPolicy, noLockoutBypassPolicy, organizationOnlyKeyAccessPolicy,
  organizationGuardrailRecords,
} from './private/organization-policies';
import { propError } from './private/validation';

/** Props of `KmsOrganizationGuardrails`. */
export interface KmsOrganizationGuardrailsProps {
  /**
   * The organization's ID (`o-...`). Used by the resource control policy that keeps KMS keys to the
   * organization's principals (CT.KMS.PV.7).
   */
  readonly organizationId: string;

  /**
   * Roots, organizational units or accounts the policies are attached to (`r-...`, `ou-...`, 12-digit
   * account IDs). Service and resource control policies never apply to the management account.
   *
   * @default - the policies are created but not attached; attach them yourself
   */
  readonly targetIds?: string[];

  /**
   * IAM principal ARNs (patterns allowed) exempt from the service control policies, for example a
   * break-glass role or a pipeline that must create grants for IAM principals.
   *
   * @default - no exemption
   */
  readonly exemptPrincipalArns?: string[];

  /**
   * A service control policy that lets principals create KMS grants only through AWS services
   * integrated with KMS (`kms:GrantIsForAWSResource`), or as AWS service principals (CT.KMS.PV.1).
   *
   * @default true
   */
  readonly grantsOnlyForAwsResources?: boolean;

  /**
   * A service control policy that denies creating a key or changing a key policy with the policy lockout
   * safety check bypassed (CT.KMS.PV.3).
   *
   * @default true
   */
  readonly denyLockoutBypass?: boolean;

  /**
   * A resource control policy that denies every KMS action on the organization's keys to principals
   * outside the organization, AWS service principals exempt (CT.KMS.PV.7).
   *
   * @default true
   */
  readonly organizationOnlyKeyAccess?: boolean;

  /**
   * Organization-wide AWS Config managed rules behind Security Hub KMS.1-KMS.5 and CIS 3.6: IAM policies
   * that allow Decrypt or ReEncryptFrom on all keys (customer managed and inline), keys scheduled for
   * deletion, rotation, and key policies open to the public. Needs AWS Config recording in the member
   * accounts, and this stack in the management account or a delegated administrator for Config.
   *
   * @default true
   */
  readonly configRules?: boolean;

  /**
   * Accounts excluded from the organization Config rules.
   *
   * @default - no account is excluded
   */
  readonly excludedAccounts?: string[];
}

/**
 * Organization-wide KMS guardrails for an organization's management account (or a delegated
 * administrator): service control policies for CT.KMS.PV.1 (grants only for AWS resources) and PV.3 (no
 * lockout-check bypass), a resource control policy for PV.7 (keys used only by the organization), and the
 * AWS Config managed rules behind Security Hub KMS.1-KMS.5 and CIS 3.6. Each part can be turned off. The
 * stack's template records which control each part implements (compliance evidence).
 */
export class KmsOrganizationGuardrails extends Construct {
  /** The service and resource control policies created, in the order above. */
  public readonly policies: organizations.CfnPolicy[] = [];

  /** The organization Config rules created. */
  public readonly configRules: config.CfnOrganizationConfigRule[] = [];

  constructor(scope: Construct, id: string, props: KmsOrganizationGuardrailsProps) {
    super(scope, id);
    this.validate(props);
    const exempt = props.exemptPrincipalArns ?? [];
    if (props.grantsOnlyForAwsResources ?? true) {
      this.addPolicy('GrantsOnlyForAwsResources', 'SERVICE_CONTROL_POLICY', grantsOnlyForAwsResourcesPolicy(exempt), props,
        'CT.KMS.PV.1: KMS grants only through AWS services integrated with KMS.');
    }
    if (props.denyLockoutBypass ?? true) {
      this.addPolicy('DenyLockoutBypass', 'SERVICE_CONTROL_POLICY', noLockoutBypassPolicy(exempt), props,
        'CT.KMS.PV.3: no KMS key policy may bypass the lockout safety check.');
    }
    if (props.organizationOnlyKeyAccess ?? true) {
      this.addPolicy('OrganizationOnlyKeyAccess', 'RESOURCE_CONTROL_POLICY', organizationOnlyKeyAccessPolicy(props.organizationId), props,
        'CT.KMS.PV.7: KMS keys only for principals of the organization or AWS services.');
    }
    if (props.configRules ?? true) this.addConfigRules(props.excludedAccounts);

    recordCompliance(this, organizationGuardrailRecords({
      grantsOnlyForAwsResources: props.grantsOnlyForAwsResources ?? true,
      denyLockoutBypass: props.denyLockoutBypass ?? true,
      organizationOnlyKeyAccess: props.organizationOnlyKeyAccess ?? true,
      configRules: props.configRules ?? true,
    }));
    emitComplianceMap(Stack.of(this));
  }

  private validate(props: KmsOrganizationGuardrailsProps): void {
    const path = this.node.path;
    if (!Token.isUnresolved(props.organizationId) && !ORGANIZATION_ID_PATTERN.test(props.organizationId)) {
      throw propError(path, 'organizationId', 'is not an organization ID', props.organizationId,
        "'o-' followed by 10 to 32 lowercase letters or digits");
    }
    for (const target of props.targetIds ?? []) {
      if (!Token.isUnresolved(target) && !/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\d{12})$/.test(target)) {
        throw propError(path, 'targetIds', 'contains a value that is not a root, OU or account ID', target,
          "'r-...' roots, 'ou-...' organizational units or 12-digit account IDs");
      }
    }
  }

  private addPolicy(id: string, type: string, content: object, props: KmsOrganizationGuardrailsProps, description: string): void {
    this.policies.push(new organizations.CfnPolicy(this, id, {
      name: `securekey-kms-${id.replace(/[A-Z]/g, (c, i) => `${i ? '-' : ''}${c.toLowerCase()}`)}`,
      type,
      description,
      content,
      targetIds: props.targetIds,
    }));
  }

  private addConfigRules(excludedAccounts: string[] | undefined): void {
    for (const rule of ORGANIZATION_CONFIG_RULES) {
      this.configRules.push(new config.CfnOrganizationConfigRule(this, rule.id, {
        organizationConfigRuleName: `securekey-${rule.name}`,
        excludedAccounts,
        organizationManagedRuleMetadata: {
          ruleIdentifier: rule.identifier,
          description: rule.description,
          inputParameters: rule.inputParameters ? JSON.stringify(rule.inputParameters) : undefined,
          resourceTypesScope: rule.resourceTypes,
        },
      }));
    }
  }
}
