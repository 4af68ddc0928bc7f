/**
 * EC2 Auto Scaling and EBS volumes encrypted with a SecureKey: Auto Scaling launches instances as its
 * service-linked role, which must be named in the key policy (its AWS-managed IAM policy has no KMS
 * permissions, and the key policy does not let the account's IAM grant use of the key).
 */
import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** Options for `SecureKey.allowAutoScaling`. */
export interface AutoScalingAccessOptions {
  /**
   * The name of the Auto Scaling service-linked role that launches the instances: a custom suffix gives
   * `AWSServiceRoleForAutoScaling_<suffix>`. KMS checks that the role exists when it receives the key
   * policy: an account that has never created an Auto Scaling group must create it first (for example
   * with `iam.CfnServiceLinkedRole` for `autoscaling.amazonaws.com`, in a stack that deploys before the key's).
   *
   * @default 'AWSServiceRoleForAutoScaling'
   */
  readonly serviceLinkedRoleName?: string;
}

export const AUTO_SCALING_ROLE_DEFAULT = 'AWSServiceRoleForAutoScaling';

/** What the role may do with the key, as AWS documents it for encrypted EBS volumes. */
export const AUTO_SCALING_USE_ACTIONS = [
  'kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey',
];

/** The ARN of the Auto Scaling service-linked role of the key's account. */
export function autoScalingRoleArn(stack: Stack, roleName: string): string {
  return `arn:${Aws.PARTITION}:iam::${stack.account}:role/aws-service-role/autoscaling.amazonaws.com/${roleName}`;
}

/**
 * Two statements for the role: use of the key, and grants only for AWS resources (the EBS volumes of the
 * instances it launches). The role is named by ARN, so no other principal gains anything.
 */
export function autoScalingStatements(stack: Stack, options: AutoScalingAccessOptions = {}): iam.PolicyStatement[] {
  const roleName = options.serviceLinkedRoleName ?? AUTO_SCALING_ROLE_DEFAULT;
  const principal = new iam.ArnPrincipal(autoScalingRoleArn(stack, roleName));
  const suffix = roleName === AUTO_SCALING_ROLE_DEFAULT ? '' : roleName.replace(/[^A-Za-z0-9]/g, '');
  return [
    new iam.PolicyStatement({ sid: `AutoScalingUsesKey${suffix}`, principals: [principal], actions: AUTO_SCALING_USE_ACTIONS, resources: ['*'] }),
    new iam.PolicyStatement({
      sid: `AutoScalingCreatesGrants${suffix}`,
      principals: [principal],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
  ];
}
