/**
 * Service-principal statements that CDK constructs add to a key policy without a condition (an SNS
 * subscription to an encrypted queue without the `@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption`
 * flag, S3 notifications to an encrypted topic with `@aws-cdk/s3-notifications:addS3TrustKeyPolicyForSnsSubscriptions`)
 * are limited to the key's account with `aws:SourceAccount`, which these services send on every call they
 * make to KMS for a resource. Any other unconditioned service principal is left as written, and the
 * key-policy checks refuse it.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** Service principals documented to send `aws:SourceAccount` when they call KMS for a customer's resource. */
export const SOURCE_ACCOUNT_SERVICES = ['sns.amazonaws.com', 's3.amazonaws.com', 'events.amazonaws.com'];

/** The statement, limited to `account` when it is an unconditioned Allow to one of those services only. */
export function scopeServiceStatement(statement: iam.PolicyStatement, stack: Stack): iam.PolicyStatement {
  if (statement.effect !== iam.Effect.ALLOW) return statement;
  if (Object.keys(statement.conditions).length > 0 || statement.notPrincipals.length > 0) return statement;
  const json = statement.toStatementJson() as { Principal?: Record<string, unknown> };
  const principal = stack.resolve(json.Principal) as Record<string, unknown> | undefined;
  if (!principal || Object.keys(principal).some((k) => k !== 'Service')) return statement;
  const services = ([] as unknown[]).concat(principal.Service);
  if (!services.every((s) => typeof s === 'string' && SOURCE_ACCOUNT_SERVICES.includes(s))) return statement;
  return statement.copy({ conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } });
}
