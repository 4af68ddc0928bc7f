import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { KeyPolicyRule } from './rule';
import { KEY_POLICY_RULES, OPTIONAL_KEY_POLICY_RULES } from './rules';
import { RULE_ID_PREFIX } from '../private/analysis/template';
import { normalize, ResourceJson } from '../private/policy/json';

/** Props of `KeyPolicyChecks`: cdk-nag's, and the rules that only run when asked. */
export interface KeyPolicyChecksProps extends NagPackProps {
  /**
   * Warn (`KeyPolicy-KP13`) about every key whose policy does not stop the account's administrators from
   * scheduling its deletion or disabling it (SecureKey's `deletionProtection` satisfies it).
   *
   * @default false
   */
  readonly requireDeletionProtection?: boolean;
}

/**
 * A cdk-nag pack that reads key policies and the IAM policies around them, for every KMS key of the app
 * (not only SecureKeys). Rule ids are `KeyPolicy-KP1` to `KeyPolicy-KP12` (and `KP13` when asked for); statement-level findings carry
 * the statement's Sid (`KeyPolicy-KP1[Sid:Everyone]`) or, without one, a content hash of the statement
 * (`KeyPolicy-KP4[Hash:1a2b3c4d]`), so one can be acknowledged alone and the acknowledgement survives
 * changes to other statements.
 *
 * Register it like any cdk-nag 3 pack: `Validations.of(app).addPlugins(new KeyPolicyChecks(app))`, or call
 * `new KeyPolicyChecks().validateScope(stack)` in a test.
 */
export class KeyPolicyChecks extends NagPack {
  public readonly name = RULE_ID_PREFIX;

  private readonly rules: readonly KeyPolicyRule[];
  private readonly ruleTypes: ReadonlySet<string>;

  constructor(scope?: IConstruct, props: KeyPolicyChecksProps = {}) {
    super(scope, props);
    this.packName = RULE_ID_PREFIX;
    this.rules = [...KEY_POLICY_RULES, ...(props.requireDeletionProtection ? [OPTIONAL_KEY_POLICY_RULES.requireDeletionProtection] : [])];
    this.ruleTypes = new Set(this.rules.flatMap((r) => r.resourceTypes));
  }

  protected checkResource(node: CfnResource): void {
    if (!this.ruleTypes.has(node.cfnResourceType)) return;
    const resource = resourceJson(node);
    for (const rule of this.rules) {
      if (!rule.resourceTypes.includes(node.cfnResourceType)) continue;
      this.applyRule({
        ruleSuffixOverride: rule.code,
        info: rule.info,
        explanation: rule.explanation,
        level: rule.level === 'error' ? NagMessageLevel.ERROR : NagMessageLevel.WARN,
        node,
        rule: (): NagRuleResult => {
          const findings = rule.check(resource);
          if (findings.length === 0) return NagRuleCompliance.COMPLIANT;
          // A finding about the resource as a whole (no statement) is plain non-compliance.
          if (findings.some((f) => f.id === undefined)) return NagRuleCompliance.NON_COMPLIANT;
          return [...new Set(findings.map((f) => f.id!))];
        },
      });
    }
  }
}

/** The resource as CloudFormation will see it: resolved, then intrinsics made symbolic. */
function resourceJson(node: CfnResource): ResourceJson {
  const stack = Stack.of(node);
  const logicalId = stack.resolve(node.logicalId) as string;
  const cfn = stack.resolve(node._toCloudFormation()) as { Resources: Record<string, { Properties?: unknown }> };
  const properties = cfn.Resources[logicalId]?.Properties ?? {};
  const account = Token.isUnresolved(stack.account) ? undefined : stack.account;
  return {
    logicalId,
    type: node.cfnResourceType,
    properties: normalize(properties) as Record<string, unknown>,
    constructPath: node.node.path,
    ...(account !== undefined ? { account } : {}),
  };
}
