/**
 * Statements that aws-cdk-lib itself adds to a key's policy for a service principal with no condition that
 * ties the service to the key owner's resources, and that the key's user cannot change: Route 53's DNSSEC
 * grant (`enableDnssec`) and S3's event-notification access to an encrypted topic (the feature flag
 * `@aws-cdk/s3-notifications:addS3TrustKeyPolicyForSnsSubscriptions`). SecureKey adds `aws:SourceAccount`
 * (the key's account) to them as they arrive, so they pass its confused-deputy check instead of failing
 * synth with nothing the user could do. Any other unconditioned service statement is left as written and the
 * check reports it.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** Service principal -> the exact action sets CDK writes for it without a source condition. */
const KNOWN_CDK_STATEMENTS: Record<string, string[][]> = {
  'dnssec-route53.amazonaws.com': [['kms:CreateGrant']],
  's3.amazonaws.com': [['kms:GenerateDataKey', 'kms:Decrypt']],
};

/** Condition keys that already tie a service principal to resources of an account. */
const SOURCE_KEYS = ['aws:sourceaccount', 'aws:sourcearn', 'aws:sourceorgid', 'aws:sourceorgpaths'];

function sameActions(a: string[], b: string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * `statement`, or a copy with `StringEquals aws:SourceAccount` = the account of the stack `key` when it is
 * one of the statements CDK writes for a service principal without a source condition.
 */
export function scopeCdkServiceStatement(statement: iam.PolicyStatement, key: Stack): iam.PolicyStatement {
  // Only the principal is resolved: conditions may hold lazy values (allowCloudWatchLogs' list of log
  // groups) that must not be resolved, and so cached, before the app is complete.
  if (statement.effect !== iam.Effect.ALLOW || statement.principals.length !== 1) return statement;
  const candidates = Object.entries(KNOWN_CDK_STATEMENTS).filter(([, sets]) => sets.some((actions) => sameActions(actions, statement.actions)));
  if (candidates.length === 0) return statement;
  const principal = key.resolve(statement.principals[0].policyFragment.principalJson) as { Service?: unknown };
  const serviceNames = Array.isArray(principal.Service) ? principal.Service : [principal.Service];
  if (serviceNames.length !== 1 || !candidates.some(([name]) => name === serviceNames[0])) return statement;
  const conditions = { ...statement.conditions } as Record<string, Record<string, unknown>>;
  const keys = Object.values(conditions).flatMap((block) => Object.keys(block ?? {}).map((k) => k.toLowerCase()));
  if (keys.some((k) => SOURCE_KEYS.includes(k))) return statement;
  conditions.StringEquals = { ...(conditions.StringEquals ?? {}), 'aws:SourceAccount': key.account };
  return statement.copy({ conditions });
}
