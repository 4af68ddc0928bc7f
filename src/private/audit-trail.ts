/**
 * The trail KeyAudit creates: its encrypted log group, its S3 bucket (with a second bucket for the
 * bucket's server access logs), the role CloudTrail delivers to the log group with, and the trail.
 */
import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { CreatedTrailSettings } from './audit-props';
import type { SecureKey } from '../secure-key';

/** Where the trail bucket's server access logs go in the access-log bucket. */
export const ACCESS_LOGS_PREFIX = 'trail-bucket/';

/** What createTrail made. */
export interface CreatedTrail {
  readonly trail: cloudtrail.CfnTrail;
  readonly trailArn: string;
  readonly logGroup: logs.LogGroup;
  readonly bucket: s3.IBucket;
  /** The bucket of the trail bucket's server access logs, when KeyAudit created the trail bucket. */
  readonly accessLogsBucket?: s3.Bucket;
  /** The role's policy and the log stream ARN it names (cdk-nag acknowledges its wildcard). */
  readonly logsPolicy: iam.ManagedPolicy;
  readonly logStreamArn: string;
}

/**
 * Creates the trail in `scope` with the names in `settings`, encrypted with `auditKey`, writing to
 * `trailBucket` or to a bucket it creates.
 */
export function createTrail(scope: Construct, settings: CreatedTrailSettings, auditKey: SecureKey, trailBucket?: s3.IBucket): CreatedTrail {
  const stack = Stack.of(scope);
  const { trailName, logGroupName } = settings;
  // Built from the fixed name: the key policy names the trail, and the trail references the key.
  const trailArn = `arn:${Aws.PARTITION}:cloudtrail:${stack.region}:${stack.account}:trail/${trailName}`;
  auditKey.allowCloudTrail({ trailName });
  auditKey.allowCloudWatchLogs({ logGroupNames: [logGroupName] });
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    logGroupName,
    encryptionKey: auditKey,
    retention: settings.logRetention,
    removalPolicy: RemovalPolicy.RETAIN,
  });

  const buckets = trailBucket === undefined ? createTrailBuckets(scope, settings.logFileExpiration) : undefined;
  const bucket = trailBucket ?? buckets!.trailBucket;
  const aclCheck = allowCloudTrailToWrite(bucket, trailArn, stack.account);
  const { role, policy, logStreamArn } = createLogsRole(scope, trailName, logGroupName);

  const trail = new cloudtrail.CfnTrail(scope, 'Trail', {
    trailName,
    isLogging: true,
    isMultiRegionTrail: true,
    includeGlobalServiceEvents: true,
    enableLogFileValidation: true,
    kmsKeyId: auditKey.keyArn,
    s3BucketName: bucket.bucketName,
    cloudWatchLogsLogGroupArn: logGroup.logGroupArn,
    cloudWatchLogsRoleArn: role.roleArn,
    // Read and write management events from every source: KMS events are never excluded.
    eventSelectors: [{ includeManagementEvents: true, readWriteType: 'All' }],
  });
  if (aclCheck.policyDependable) trail.node.addDependency(aclCheck.policyDependable);
  trail.node.addDependency(policy);
  return { trail, trailArn, logGroup, bucket, accessLogsBucket: buckets?.accessLogsBucket, logsPolicy: policy, logStreamArn };
}

/**
 * The trail bucket and the bucket of its server access logs. Both have ACLs disabled (BucketOwnerEnforced):
 * the S3 logging service is allowed by a bucket policy, not the log-delivery group's ACL, whatever the
 * app's `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` flag says. The trail bucket's logging is
 * therefore set on its CloudFormation resource rather than through `serverAccessLogsBucket`, which
 * would give the access-log bucket an ACL when that flag is off.
 */
function createTrailBuckets(scope: Construct, expiration: Duration): { trailBucket: s3.Bucket; accessLogsBucket: s3.Bucket } {
  const lifecycleRules: s3.LifecycleRule[] = [{
    expiration, noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7),
  }];
  const accessLogsBucket = new s3.Bucket(scope, 'AccessLogsBucket', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const trailBucket = new s3.Bucket(scope, 'TrailBucket', {
    // CloudTrail encrypts each log file with the audit key itself (KMSKeyId of the trail); S3-managed
    // default encryption covers anything written without a key (as CDK's own Trail does).
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  (trailBucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
    destinationBucketName: accessLogsBucket.bucketName,
    logFilePrefix: ACCESS_LOGS_PREFIX,
  };
  // Only the S3 logging service, only for the trail bucket of this account (against confused deputies).
  accessLogsBucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'S3ServerAccessLogsDelivery',
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [accessLogsBucket.arnForObjects(`${ACCESS_LOGS_PREFIX}*`)],
    conditions: {
      ArnEquals: { 'aws:SourceArn': trailBucket.bucketArn },
      StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
    },
  }));
  return { trailBucket, accessLogsBucket };
}

/** The bucket policy CloudTrail needs; only this trail may write (aws:SourceArn, against confused deputies). */
function allowCloudTrailToWrite(bucket: s3.IBucket, trailArn: string, account: string): iam.AddToResourcePolicyResult {
  const fromTrail = { 'aws:SourceArn': trailArn };
  const cloudTrailPrincipal = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
  const aclCheck = bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'CloudTrailAclCheck',
    principals: [cloudTrailPrincipal],
    actions: ['s3:GetBucketAcl'],
    resources: [bucket.bucketArn],
    conditions: { StringEquals: fromTrail },
  }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'CloudTrailWrite',
    principals: [cloudTrailPrincipal],
    actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects(`AWSLogs/${account}/*`)],
    conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', ...fromTrail } },
  }));
  return aclCheck;
}

/** The role CloudTrail writes to the log group with, and its one policy. */
function createLogsRole(scope: Construct, trailName: string, logGroupName: string):
{ role: iam.Role; policy: iam.ManagedPolicy; logStreamArn: string } {
  const stack = Stack.of(scope);
  const role = new iam.Role(scope, 'LogsRole', {
    assumedBy: new iam.ServicePrincipal('cloudtrail.amazonaws.com'),
    description: `CloudTrail delivers ${trailName}'s events to ${logGroupName}`,
  });
  // CloudTrail names its streams <account>_CloudTrail_<region>.
  const logStreamArn = `arn:${Aws.PARTITION}:logs:${stack.region}:${stack.account}:log-group:${logGroupName}:log-stream:${stack.account}_CloudTrail_*`;
  const policy = new iam.ManagedPolicy(scope, 'LogsPolicy', {
    roles: [role],
    description: `CloudTrail writes to its log group ${logGroupName}`,
    statements: [new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logStreamArn] })],
  });
  return { role, policy, logStreamArn };
}
