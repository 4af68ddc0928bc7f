/**
 * A small, realistic app: an application bucket and log group encrypted with one SecureKey, an admin
 * role that manages the key, an app role that uses it, the envelope Lambda over the key, and a CloudTrail
 * audit of the key (trail, alarm, event rule); in a second stack, an SNS topic feeding an SQS queue under
 * the same key and a worker role; in a third, a branch key store for the hierarchical keyring with its key
 * manager and application roles (examples/branch-keys.ts). Tests synthesize it; examples/synth.ts prints it.
 */
import { App, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BranchKeyStoreAppStack } from './branch-keys';
import { addReplicaExample } from './replicas';
import { EnvelopeFunction, SecureKey } from '../src';

export const EXAMPLE_LOG_GROUP_NAME = '/secure-key-example/app';
export const EXAMPLE_SECURITY_EMAIL = 'security@example.com';
/** The example's AWS Organization (a placeholder ID): the data key's organization perimeter. */
export const EXAMPLE_ORGANIZATION_ID = 'o-a1b2c3d4e5';

export class SecureKeyExampleStack extends Stack {
  public readonly key: SecureKey;
  public readonly adminRole: iam.Role;
  public readonly appRole: iam.Role;
  public readonly bucket: s3.Bucket;
  public readonly logGroup: logs.LogGroup;
  public readonly envelope: EnvelopeFunction;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.adminRole = new iam.Role(this, 'KeyAdminRole', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Manages the data key; cannot use it',
    });
    this.appRole = new iam.Role(this, 'AppRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'The application: reads and writes encrypted objects',
    });

    this.key = new SecureKey(this, 'DataKey', {
      description: 'Encrypts the example application data and logs',
      aliases: ['secure-key-example/data'],
      administrators: [this.adminRole],
      users: [this.appRole],
      // CloudTrail audit: a trail, an alarm on DisableKey/ScheduleKeyDeletion of this key and a rule on its
      // sensitive events, all to a topic encrypted with a separate audit key.
      audit: { alarmEmails: [EXAMPLE_SECURITY_EMAIL] },
      // Guardrails (docs/guardrails.md): nobody outside the organization may use or manage the key, and
      // nobody may schedule its deletion or disable it without first changing the key policy.
      organizationPerimeter: { organizationId: EXAMPLE_ORGANIZATION_ID },
      deletionProtection: {},
    });
    // The log group has a fixed name: a generated one would make the key policy depend on the log group
    // and the log group on the key.
    this.key.allowCloudWatchLogs({ logGroupNames: [EXAMPLE_LOG_GROUP_NAME] });

    this.bucket = new s3.Bucket(this, 'DataBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket.grantReadWrite(this.appRole);

    this.logGroup = new logs.LogGroup(this, 'AppLogs', {
      logGroupName: EXAMPLE_LOG_GROUP_NAME,
      encryptionKey: this.key,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The envelope Lambda over the same key: the app encrypts payloads of any size through it, with
    // cached data keys; an hourly audit reports anyone but the app role using the key.
    this.envelope = new EnvelopeFunction(this, 'Envelope', {
      key: this.key,
      encryptionContextKeys: ['tenant', 'purpose'],
      cacheMaxAge: Duration.minutes(5),
      usageReportSchedule: events.Schedule.rate(Duration.hours(1)),
      usageReportExpectedPrincipals: [this.appRole.roleArn],
    });
    this.envelope.grantInvoke(this.appRole);
  }
}

/**
 * A consumer of the data key in its own stack: an SNS topic feeding an SQS queue, both encrypted with the
 * key, and a worker role that reads the queue. The key policy names the worker by its ARN and SNS by this
 * account, so this stack depends on the key's stack and nothing depends back (docs/cycles.md).
 */
export class SecureKeyConsumerStack extends Stack {
  public readonly topic: sns.Topic;
  public readonly queue: sqs.Queue;
  public readonly worker: iam.Role;

  constructor(scope: Construct, id: string, key: SecureKey, props?: StackProps) {
    super(scope, id, props);
    this.topic = new sns.Topic(this, 'Orders', { masterKey: key, enforceSSL: true });
    this.queue = new sqs.Queue(this, 'OrderQueue', { encryptionMasterKey: key, enforceSSL: true });
    this.topic.addSubscription(new subs.SqsSubscription(this.queue));
    this.worker = new iam.Role(this, 'Worker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Processes orders from the queue',
    });
    this.queue.grantConsumeMessages(this.worker);
  }
}

/**
 * Builds the example app: the audited data key's stack, its consumers' stack, a branch key store for the
 * hierarchical keyring (examples/branch-keys.ts), and a multi-Region key (examples/replicas.ts) whose
 * primary stack and two replica stacks each hold a bucket. `outdir` defaults to CDK's temporary directory.
 */
export function buildExampleApp(outdir?: string): {
  app: App;
  stack: SecureKeyExampleStack;
  consumers: SecureKeyConsumerStack;
  branchKeys: BranchKeyStoreAppStack;
  replicas: ReturnType<typeof addReplicaExample>;
} {
  const app = new App({ outdir });
  const env = { account: '111111111111', region: 'us-east-1' };
  const stack = new SecureKeyExampleStack(app, 'SecureKeyExample', { env });
  const consumers = new SecureKeyConsumerStack(app, 'SecureKeyExampleConsumers', stack.key, { env });
  const branchKeys = new BranchKeyStoreAppStack(app, 'SecureKeyExampleBranchKeys', { env, organizationId: EXAMPLE_ORGANIZATION_ID });
  return { app, stack, consumers, branchKeys, replicas: addReplicaExample(app) };
}
