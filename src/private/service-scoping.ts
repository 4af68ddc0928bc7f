/**
 * Service-principal statements that CDK constructs add to a key policy with no condition tying the
 * service to the key owner's resources, and that the key's user cannot change: an SNS subscription to an
 * encrypted queue (without `@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption`), S3 notifications to
 * an encrypted topic (`@aws-cdk/s3-notifications:addS3TrustKeyPolicyForSnsSubscriptions`), EventBridge
 * targets, and Route 53's DNSSEC grant (`enableDnssec`). SecureKey limits them to the key's account with
 * `aws:SourceAccount`, which these services send on the calls they make to KMS for a customer's resource,
 * as they arrive. Any other service principal without a source condition is left as written, and the
 * key-policy checks refuse it (confused deputy).
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** Service principals documented to send `aws:SourceAccount` when they call KMS for a customer's resource. */
export const SOURCE_ACCOUNT_SERVICES = ['sns.amazonaws.com', 's3.amazonaws.com', 'events.amazonaws.com', 'dnssec-route53.amazonaws.com'];

/** Condition keys that already tie a service principal to resources of an account. */
const SOURCE_KEYS = ['aws:sourceaccount', 'aws:sourcearn', 'aws:sourceorgid', 'aws:sourceorgpaths'];

/**
 * The statement, with `StringEquals aws:SourceAccount` = the key's account added when it is an Allow to
 * one of those services only and has no source condition yet.
 */
export function scopeServiceStatement(statement: iam.PolicyStatement, stack: Stack): iam.PolicyStatement {
  if (statement.effect !== iam.Effect.ALLOW || statement.notPrincipals.length > 0 || statement.principals.length === 0) return statement;
  // Only the principal is resolved: conditions may hold lazy values (allowCloudWatchLogs' list of log
  // groups) that must not be resolved, and so cached, before the app is complete.
  const json = statement.toStatementJson() as { Principal?: Record<string, unknown> };
  const principal = stack.resolve(json.Principal) as Record<string, unknown> | undefined;
  if (!principal || Object.keys(principal).some((k) => k !== 'Service')) return statement;
  const services = ([] as unknown[]).concat(principal.Service);
  if (!services.every((s) => typeof s === 'string' && SOURCE_ACCOUNT_SERVICES.includes(s))) return statement;
  const conditions = { ...statement.conditions } as Record<string, Record<string, unknown>>;
  const keys = Object.values(conditions).flatMap((block) => Object.keys(block ?? {}).map((k) => k.toLowerCase()));
  if (keys.some((k) => SOURCE_KEYS.includes(k))) return statement;
  conditions.StringEquals = { ...(conditions.StringEquals ?? {}), 'aws:SourceAccount': stack.account };
  return statement.copy({ conditions });
}
