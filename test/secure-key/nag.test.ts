import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { SecureKeyExampleStack } from '../../examples/app';
import { BranchKeyStoreAppStack } from '../../examples/branch-keys';
import { SecureKey } from '../../src';
import { ACCOUNT, REGION } from '../support/secure-key-fixtures';

/** Every violation (error or warning) cdk-nag's four packs leave unacknowledged. */
function nagFindings(stack: Stack): string[] {
  const packs = [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks()];
  return packs.flatMap((pack) => pack.validateScope(stack).violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} (${v.severity}) at ${r.constructPath}`)));
}

/** A suppression always carries its reason. */
function acknowledge(scope: IConstruct, ids: string[], reason: string): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}

/** The grantees' roles are the app's, not the key's: CDK writes their grants as inline policies. */
function suppressGranteeInlinePolicies(stack: Stack): void {
  acknowledge(stack, ['NIST.800.53.R5-IAMNoInlinePolicy', 'HIPAA.Security-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy'],
    'CDK writes grants to grantee roles as AWS::IAM::Policy resources; the roles belong to the test app, not to SecureKey.');
}

describe('cdk-nag: AwsSolutions, NIST 800-53 R5, HIPAA, PCI DSS 3.2.1', () => {
  test('the packs do report a plain kms.Key without rotation (the check can fail)', () => {
    const stack = new Stack(new App(), 'Plain', { env: { account: ACCOUNT, region: REGION } });
    new kms.Key(stack, 'Plain');
    expect(nagFindings(stack)).toEqual(expect.arrayContaining([expect.stringMatching(/^AwsSolutions-KMS5 .* at Plain\/Plain\/Resource$/)]));
  });

  test('keys of every usage, with administrators, users, service access and conditioned grants', () => {
    const stack = new Stack(new App(), 'Keys', { env: { account: ACCOUNT, region: REGION } });
    const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    const app = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const data = new SecureKey(stack, 'Data', { administrators: [admin], users: [app], aliases: ['data'], allowAwsServicesOnBehalfOfUsers: true });
    data.allowCloudWatchLogs();
    data.allowCloudTrail({ trailName: 'trail' });
    data.allowEventBridge();
    data.withConditions({ encryptionContext: { tenant: 'a' } }).grantDecrypt(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
    new SecureKey(stack, 'Signing', { keySpec: KeySpec.ECC_NIST_P256, keyUsage: KeyUsage.SIGN_VERIFY, administrators: [admin], users: [app] });
    new SecureKey(stack, 'Mac', { keySpec: KeySpec.HMAC_256, keyUsage: KeyUsage.GENERATE_VERIFY_MAC, administrators: [admin], users: [app] });
    suppressGranteeInlinePolicies(stack);
    expect(nagFindings(stack)).toEqual([]);
  });

  test('the example app (key, bucket, log group)', () => {
    const stack = new SecureKeyExampleStack(new App(), 'Example', { env: { account: ACCOUNT, region: REGION } });
    suppressGranteeInlinePolicies(stack);
    acknowledge(stack.bucket, ['AwsSolutions-S1', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'HIPAA.Security-S3BucketLoggingEnabled', 'PCI.DSS.321-S3BucketLoggingEnabled'],
      'Example bucket: server access logging is out of scope for the key example.');
    acknowledge(stack.bucket, ['NIST.800.53.R5-S3BucketReplicationEnabled', 'HIPAA.Security-S3BucketReplicationEnabled', 'PCI.DSS.321-S3BucketReplicationEnabled'],
      'Example bucket: cross-region replication is out of scope for the key example.');
    acknowledge(stack.appRole, ['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*', 'Action::s3:DeleteObject*', 'Action::s3:Abort*', 'Resource::<DataBucketE3889A50.Arn>/*']
      .map((f) => `AwsSolutions-IAM5[${f}]`),
    'bucket.grantReadWrite: S3 action groups and every object of the app\'s own bucket, by design. The KMS side of the grant is exact (see the key policy).');
    expect(nagFindings(stack)).toEqual([]);
  });

  test('the example app\'s branch key store (table, wrapping key, key manager and tenant app roles)', () => {
    const stack = new BranchKeyStoreAppStack(new App(), 'BranchKeys', { env: { account: ACCOUNT, region: REGION }, organizationId: 'o-a1b2c3d4e5' });
    // The check can fail: before the acknowledgements below, the backup plan finding is reported.
    expect(nagFindings(stack)).toEqual(expect.arrayContaining([expect.stringMatching(/^NIST\.800\.53\.R5-DynamoDBInBackupPlan .* at BranchKeys\/BranchKeys\/Table\/Resource$/)]));
    suppressGranteeInlinePolicies(stack);
    acknowledge(stack.store.table, ['NIST.800.53.R5-DynamoDBInBackupPlan', 'HIPAA.Security-DynamoDBInBackupPlan'],
      'Example table: point-in-time recovery is on; an AWS Backup plan (vault, retention, account) is out of scope for the key example.');
    expect(nagFindings(stack)).toEqual([]);
  });
});
