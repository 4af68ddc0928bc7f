/**
 * What a key-policy rule is: a pure function of one CloudFormation resource (type and normalized
 * Properties), so the same rule runs inside cdk-nag (KeyPolicyChecks) and on a synthesized template
 * (analyzeTemplate), with no CDK App.
 */
import * as E from '../private/policy/engine';
import { substitutionsFor } from '../private/policy/guard';
import { asArray, normalize, ResourceJson, StatementJson, statementsOf } from '../private/policy/json';

export type RuleLevel = 'error' | 'warning';

/**
 * One problem a rule found. `id` names the statement (for cdk-nag acknowledgements) by its Sid
 * (`Sid:Partners`) or a content hash (`Hash:1a2b3c4d`), never by its position; none for the whole resource.
 */
export interface RuleFinding {
  readonly id?: string;
  readonly detail: string;
}

export interface KeyPolicyRule {
  /** Short code; the cdk-nag rule id is `KeyPolicy-<code>`. */
  readonly code: string;
  /** What the rule checks, in a few words. */
  readonly name: string;
  readonly level: RuleLevel;
  readonly resourceTypes: readonly string[];
  /** Why the rule was triggered (cdk-nag `info`). */
  readonly info: string;
  /** Why the rule exists and how to fix it (cdk-nag `explanation`). */
  readonly explanation: string;
  /** Controls the rule stands in for (Security Hub, checkov, CIS). */
  readonly controls: readonly string[];
  /** Empty when compliant. Only called for `resourceTypes`. */
  check(resource: ResourceJson): RuleFinding[];
}

export const KEY_TYPES = ['AWS::KMS::Key', 'AWS::KMS::ReplicaKey'] as const;

/**
 * KMS's default key policy, used when a key has no KeyPolicy property: the account root gets `kms:*`.
 */
export const DEFAULT_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [{
    Sid: 'KmsDefaultKeyPolicy',
    Effect: 'Allow',
    Principal: { AWS: 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' },
    Action: 'kms:*',
    Resource: '*',
  }],
};

/** The key policy of a key resource (the KMS default when absent; a JSON string is parsed). */
export function keyPolicyStatements(resource: ResourceJson): StatementJson[] {
  let policy = resource.properties.KeyPolicy;
  if (policy === undefined) policy = DEFAULT_KEY_POLICY;
  if (typeof policy === 'string') {
    try {
      policy = normalize(JSON.parse(policy));
    } catch {
      return [];
    }
  }
  return statementsOf(policy);
}

export function isAllow(s: StatementJson): boolean {
  return s.Effect === 'Allow';
}

export function hasCondition(s: StatementJson): boolean {
  return Object.keys(s.Condition ?? {}).length > 0;
}

/** Whether a Bool condition requires `key` to be true. */
export function requiresTrue(s: StatementJson, key: string): boolean {
  for (const [op, block] of Object.entries(s.Condition ?? {})) {
    if (op !== 'Bool') continue;
    for (const [k, v] of Object.entries(block ?? {})) {
      if (k.toLowerCase() === key && asArray(v as unknown).every((x) => String(x).toLowerCase() === 'true')) return true;
    }
  }
  return false;
}

/** The key's account for the engine: the stack's account ID, or `${AWS::AccountId}`. */
export function accountOf(resource: ResourceJson): string {
  return resource.account ?? '${AWS::AccountId}';
}

/** The key policy of a key resource, parsed by the policy engine. */
export function keyPolicy(resource: ResourceJson): E.Statement[] {
  return E.parsePolicy({ Statement: keyPolicyStatements(resource) }, substitutionsFor(accountOf(resource)));
}
