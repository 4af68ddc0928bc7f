import { Annotations, Arn, ArnFormat, Aws, Duration, Lazy, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { EnvelopeFunction } from './envelope-function';
import { serviceDataKeyStatement } from './key-policy';
import {
  auditComplianceRecords, CIS_KEY_DISABLE_OR_DELETE_PATTERN, DISABLE_OR_DELETE_EVENTS, EMAIL_PATTERN, keyDisableOrDeletePattern,
  LOG_GROUP_NAME_PATTERN, METRIC_NAMESPACE, SENSITIVE_KEY_EVENTS, sensitiveEventPattern, trailNameProblem, USAGE_REPORT_CONTEXT_KEY,
} from './private/audit';
import { recordCompliance } from './private/compliance';
import { Described, PropChecker, SecureKeyConfigError } from './private/validation';
import { SecureKey } from './secure-key';

/** A scheduled key-usage report (the envelope Lambda's `audit` operation, from CloudTrail). */
export interface KeyUsageReportOptions {
  /** When the report runs, for example `Schedule.rate(Duration.hours(1))`. */
  readonly schedule: events.Schedule;

  /**
   * The principals expected to use the key (role, user or root ARNs, service principals, account IDs);
   * the report alarms on any other caller.
   *
   * @default - no principal is flagged; the report still alarms when it fails or cannot read its whole window
   */
  readonly expectedPrincipals?: string[];

  /**
   * The window each report reads (whole minutes, up to 90 days).
   *
   * @default - the schedule's rate for `Schedule.rate(...)`, otherwise 60 minutes
   */
  readonly lookback?: Duration;
}

/** What to audit and how; every part can be turned off or replaced. */
export interface KeyAuditOptions {
  /**
   * ARN of an existing trail that records this account's management events (KMS events included) in
   * the keys' region, for example an organization trail. No trail is created then. EventBridge
   * receives CloudTrail API events only while some trail logs them.
   *
   * @default - a trail is created: multi-Region, read and write management events, log file validation,
   * encrypted with `encryptionKey`, delivered to an encrypted CloudWatch Logs log group and an S3 bucket
   */
  readonly existingTrailArn?: string;

  /**
   * The CloudWatch Logs log group the existing trail delivers to; the DisableKey/ScheduleKeyDeletion
   * metric filters go there. Only with `existingTrailArn`.
   *
   * @default - with an existing trail, no metric filters and alarms (the event rule still notifies)
   */
  readonly existingTrailLogGroup?: logs.ILogGroup;

  /**
   * Name of the created trail. It must be known at synth: the audit key's policy names the trail.
   * Changing it replaces the trail.
   *
   * @default - a name unique to this construct
   */
  readonly trailName?: string;

  /**
   * The bucket the created trail writes to. Its policy must let `cloudtrail.amazonaws.com` call
   * `s3:GetBucketAcl` and `s3:PutObject` (KeyAudit adds both, with `aws:SourceArn`, to a bucket of this
   * app; an imported bucket's policy is its owner's).
   *
   * @default - a bucket is created: public access blocked, TLS enforced, versioned, server access logs
   * to a second bucket, log files expire after `logFileExpiration`
   */
  readonly trailBucket?: s3.IBucket;

  /**
   * When the created bucket deletes log files (and, 30 days later, their old versions).
   *
   * @default Duration.days(365)
   */
  readonly logFileExpiration?: Duration;

  /**
   * Name of the created trail's CloudWatch Logs log group (must be known at synth: the audit key's
   * policy names it).
   *
   * @default - `/securekey/audit/` followed by a name unique to this construct
   */
  readonly logGroupName?: string;

  /**
   * How long the created log group keeps events.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The key that encrypts the trail's log files, its log group and the alarm topic. It must not be an
   * audited key: the alarm for DisableKey or ScheduleKeyDeletion must still be delivered when that key
   * is disabled or pending deletion. KeyAudit adds what CloudTrail, CloudWatch Logs, CloudWatch alarms
   * and EventBridge need to its key policy, each with conditions.
   *
   * @default - a SecureKey is created for the audit
   */
  readonly encryptionKey?: SecureKey;

  /**
   * The topic alarms and event rules notify. A topic of this app gets statements that let CloudWatch
   * alarms and the rules (from this account) publish; if it is encrypted, its key must let
   * `cloudwatch.amazonaws.com` and `events.amazonaws.com` call `kms:GenerateDataKey` and `kms:Decrypt`.
   *
   * @default - a topic is created, encrypted with `encryptionKey`, that accepts only TLS
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * E-mail addresses to subscribe to the topic (each confirms by mail).
   *
   * @default - no subscriptions
   */
  readonly alarmEmails?: string[];

  /**
   * Create, for each audited key, a metric filter on DisableKey and ScheduleKeyDeletion of that key and
   * an alarm to the topic (CIS 4.7 narrowed to the key). Needs a log group: a created trail's, or
   * `existingTrailLogGroup`.
   *
   * @default true
   */
  readonly alarms?: boolean;

  /**
   * Also create CIS's account-wide metric filter and alarm (DisableKey or ScheduleKeyDeletion of any
   * customer managed key), the exact pattern Security Hub's CloudWatch.7 looks for. Create it once per
   * account. Needs a log group.
   *
   * @default false
   */
  readonly cisAccountWideAlarm?: boolean;

  /**
   * Notify the topic of each sensitive CloudTrail event on the audited keys through EventBridge
   * (PutKeyPolicy, ScheduleKeyDeletion, DisableKey, DisableKeyRotation, CreateGrant, DeleteAlias,
   * UpdateAlias, ImportKeyMaterial, DeleteImportedKeyMaterial, ReplicateKey, UpdatePrimaryRegion).
   *
   * @default true
   */
  readonly eventRules?: boolean;

  /**
   * More KMS event names for the rule, for example `RetireGrant` or `CreateAlias`.
   *
   * @default - none
   */
  readonly additionalEventNames?: string[];

  /**
   * Run the key-usage report on a schedule (an `EnvelopeFunction` per key with only its audit in use);
   * its findings alarm to the topic. Audited keys must be symmetric encryption SecureKeys.
   *
   * @default - no scheduled report
   */
  readonly usageReport?: KeyUsageReportOptions;
}

/** Properties of a KeyAudit. */
export interface KeyAuditProps extends KeyAuditOptions {
  /** The keys to audit (one or more, in this stack's region). */
  readonly keys: kms.IKey[];
}

/**
 * CloudTrail auditing of KMS keys: a trail (created, or an existing one), a metric filter and alarm on
 * DisableKey and ScheduleKeyDeletion of each key, an EventBridge rule on the keys' sensitive events,
 * both to one encrypted topic, and optionally a scheduled key-usage report. Everything is encrypted
 * with a separate audit key, never with an audited key.
 */
export class KeyAudit extends Construct {
  /** The audited keys. */
  public readonly keys: kms.IKey[];
  /** The key that encrypts the trail, its log group and the topic (created unless passed in). */
  public readonly encryptionKey: SecureKey;
  /** The ARN of the trail (created or existing). */
  public readonly trailArn: string;
  /** The created trail. */
  public readonly trail?: cloudtrail.CfnTrail;
  /** The created trail's bucket (or the one passed in). */
  public readonly trailBucket?: s3.IBucket;
  /** The bucket that receives the trail bucket's server access logs, if created. */
  public readonly accessLogsBucket?: s3.Bucket;
  /** The log group the trail delivers to and the metric filters read. */
  public readonly logGroup?: logs.ILogGroup;
  /** The topic that alarms and event rules notify. */
  public readonly topic: sns.ITopic;
  /** The alarms (one per key, plus the account-wide one if asked for). */
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** The EventBridge rule on the keys' sensitive events, if created. */
  public readonly eventRule?: events.Rule;
  /** The scheduled usage reports, one per key. */
  public readonly usageReports: EnvelopeFunction[] = [];

  constructor(scope: Construct, id: string, props: KeyAuditProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const path = this.node.path;
    const fail = (prop: string, problem: string, received: string, allowed: string): SecureKeyConfigError =>
      new PropChecker('KeyAudit', path).error(prop, problem, new Described(received), allowed);

    // ---- validation, before any resource ----
    if (props.keys.length === 0) throw fail('keys', 'is empty', '[]', 'one or more keys to audit');
    for (const key of props.keys) {
      if (key instanceof kms.Alias) {
        throw fail('keys', 'contains an alias', `the alias ${key.node.path}`, 'keys only: CloudTrail names the key ARN in its records, not the alias');
      }
      const region = Token.isUnresolved(key.keyArn) ? undefined : Arn.split(key.keyArn, ArnFormat.SLASH_RESOURCE_NAME).region;
      if (region !== undefined && !Token.isUnresolved(stack.region) && region !== stack.region) {
        throw fail('keys', 'contains a key of another region', key.keyArn,
          `keys of ${stack.region}, this stack's region (KMS events reach EventBridge in the key's region; audit each region in a stack there)`);
      }
    }
    const existing = props.existingTrailArn;
    if (existing !== undefined && !Token.isUnresolved(existing) && !/^arn:[a-z-]+:cloudtrail:[a-z0-9-]+:\d{12}:trail\/.+$/.test(existing)) {
      throw fail('existingTrailArn', 'is not a trail ARN', `'${existing}'`, 'arn:<partition>:cloudtrail:<region>:<account>:trail/<name>');
    }
    if (existing === undefined) {
      const createdOnly: Array<[string, unknown]> = [['existingTrailLogGroup', props.existingTrailLogGroup]];
      for (const [name, value] of createdOnly) {
        if (value !== undefined) throw fail(name, 'needs existingTrailArn', 'no existingTrailArn', 'set existingTrailArn too, or remove it (a created trail has its own log group)');
      }
    } else {
      const trailOnly: Array<[string, unknown]> = [['trailName', props.trailName], ['trailBucket', props.trailBucket],
        ['logFileExpiration', props.logFileExpiration], ['logGroupName', props.logGroupName], ['logRetention', props.logRetention]];
      const set = trailOnly.filter(([, v]) => v !== undefined).map(([n]) => n);
      if (set.length > 0) {
        throw fail(set[0], 'configures a created trail, but existingTrailArn is set', `${set.join(', ')} with existingTrailArn`,
          `remove ${set.join(', ')}, or remove existingTrailArn to create a trail`);
      }
    }
    const trailName = props.trailName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    if (existing === undefined) {
      if (Token.isUnresolved(trailName)) {
        throw fail('trailName', 'is a token', trailName, 'a name known at synth: the audit key\'s policy names the trail, and a generated name would make the key and the trail depend on each other');
      }
      const problem = trailNameProblem(trailName);
      if (problem !== undefined) {
        throw fail('trailName', `is not a valid trail name (it ${problem})`, `'${trailName}'`, '3 to 128 letters, digits, ., _ and -, starting and ending with a letter or digit, no two of ., _, - in a row');
      }
    }
    const logGroupName = props.logGroupName ?? `/securekey/audit/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`;
    if (existing === undefined && (Token.isUnresolved(logGroupName) || !LOG_GROUP_NAME_PATTERN.test(logGroupName))) {
      throw fail('logGroupName', Token.isUnresolved(logGroupName) ? 'is a token' : 'is not a valid log group name', logGroupName,
        '1 to 512 characters from a-z A-Z 0-9 . - _ / # known at synth (the audit key\'s policy names the log group)');
    }
    const expiration = props.logFileExpiration ?? Duration.days(365);
    const expirationDays = expiration.toDays({ integral: false });
    if (!Token.isUnresolved(expirationDays) && (!Number.isInteger(expirationDays) || expirationDays < 1)) {
      throw fail('logFileExpiration', 'is out of range', expiration.toHumanString(), 'a whole number of days, at least 1');
    }
    if (props.encryptionKey !== undefined) {
      const ek = props.encryptionKey;
      if (props.keys.includes(ek)) {
        throw fail('encryptionKey', 'is one of the audited keys', ek.node.path,
          'a separate key: the alarm topic and the trail must still work when an audited key is disabled or pending deletion');
      }
      if (ek.keySpec !== kms.KeySpec.SYMMETRIC_DEFAULT || ek.keyUsage !== kms.KeyUsage.ENCRYPT_DECRYPT) {
        throw fail('encryptionKey', 'is not a symmetric encryption key', `${ek.keySpec} / ${ek.keyUsage}`,
          'a SecureKey with the default keySpec and keyUsage (CloudTrail, CloudWatch Logs and SNS encrypt only with those)');
      }
    }
    const emails = props.alarmEmails ?? [];
    for (const e of emails) {
      if (!Token.isUnresolved(e) && !EMAIL_PATTERN.test(e)) throw fail('alarmEmails', 'contains a value that is not an e-mail address', `'${e}'`, 'addresses such as security@example.com');
    }
    const hasLogGroup = existing === undefined || props.existingTrailLogGroup !== undefined;
    const wantAlarms = props.alarms ?? true;
    const accountWide = props.cisAccountWideAlarm ?? false;
    if (accountWide && !hasLogGroup) {
      throw fail('cisAccountWideAlarm', 'needs a log group to filter', 'true with existingTrailArn and no existingTrailLogGroup',
        'set existingTrailLogGroup to the log group the existing trail delivers to, or let KeyAudit create the trail');
    }
    if (props.alarms === true && !hasLogGroup) {
      throw fail('alarms', 'needs a log group to filter', 'true with existingTrailArn and no existingTrailLogGroup',
        'set existingTrailLogGroup, or leave alarms unset (then only the event rule notifies)');
    }
    const extraEvents = props.additionalEventNames ?? [];
    for (const name of extraEvents) {
      if (!Token.isUnresolved(name) && !/^[A-Z][A-Za-z]+$/.test(name)) {
        throw fail('additionalEventNames', 'contains a value that is not a KMS API name', `'${name}'`, 'CloudTrail event names such as RetireGrant or CreateAlias (no kms: prefix)');
      }
    }
    if (props.eventRules === false && extraEvents.length > 0) {
      throw fail('additionalEventNames', 'needs the event rule, which eventRules turns off', 'eventRules: false', 'remove additionalEventNames or set eventRules to true (or leave it unset)');
    }
    const reportKeys: SecureKey[] = [];
    if (props.usageReport !== undefined) {
      for (const key of props.keys) {
        if (!(key instanceof SecureKey) || key.keySpec !== kms.KeySpec.SYMMETRIC_DEFAULT || key.keyUsage !== kms.KeyUsage.ENCRYPT_DECRYPT) {
          throw fail('usageReport', 'needs symmetric encryption SecureKeys', key.node.path,
            'audited keys that are SecureKeys with the default keySpec and keyUsage (the report runs in an EnvelopeFunction), or no usageReport');
        }
        reportKeys.push(key);
      }
    }

    this.keys = [...props.keys];

    // ---- the audit key: never an audited key, so alarms survive DisableKey/ScheduleKeyDeletion ----
    this.encryptionKey = props.encryptionKey ?? new SecureKey(this, 'AuditKey', {
      description: `Encrypts the CloudTrail logs, log group and alarm topic of ${path} (cdk-secure-key)`,
    });
    const auditKey = this.encryptionKey;

    // ---- trail ----
    let logsPolicyForNag: iam.ManagedPolicy | undefined;
    let logStreamArnForNag: string | undefined;
    if (existing !== undefined) {
      this.trailArn = existing;
      this.logGroup = props.existingTrailLogGroup;
    } else {
      // Built from the fixed name: the key policy names the trail, and the trail references the key.
      this.trailArn = `arn:${Aws.PARTITION}:cloudtrail:${stack.region}:${stack.account}:trail/${trailName}`;
      auditKey.allowCloudTrail({ trailName });
      auditKey.allowCloudWatchLogs({ logGroupNames: [logGroupName] });
      const logGroup = new logs.LogGroup(this, 'LogGroup', {
        logGroupName,
        encryptionKey: auditKey,
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.logGroup = logGroup;

      const lifecycleRules: s3.LifecycleRule[] = [{
        expiration, noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7),
      }];
      let bucket = props.trailBucket;
      if (bucket === undefined) {
        this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
          encryption: s3.BucketEncryption.S3_MANAGED,
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
          enforceSSL: true,
          versioned: true,
          // Object ownership is left to CDK: it depends on whether the app delivers access logs by ACL
          // or by bucket policy (feature flag @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy).
          lifecycleRules,
          removalPolicy: RemovalPolicy.RETAIN,
        });
        bucket = new s3.Bucket(this, 'TrailBucket', {
          // CloudTrail encrypts each log file with the audit key itself (KMSKeyId below); S3-managed
          // default encryption covers anything written without a key (as CDK's own Trail does).
          encryption: s3.BucketEncryption.S3_MANAGED,
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
          enforceSSL: true,
          versioned: true,
          objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
          serverAccessLogsBucket: this.accessLogsBucket,
          serverAccessLogsPrefix: 'trail-bucket/',
          lifecycleRules,
          removalPolicy: RemovalPolicy.RETAIN,
        });
      }
      this.trailBucket = bucket;
      // Only this trail may write (aws:SourceArn, against confused deputies).
      const fromTrail = { 'aws:SourceArn': this.trailArn };
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
        resources: [bucket.arnForObjects(`AWSLogs/${stack.account}/*`)],
        conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', ...fromTrail } },
      }));

      const logsRole = new iam.Role(this, 'LogsRole', {
        assumedBy: cloudTrailPrincipal,
        description: `CloudTrail delivers ${trailName}'s events to ${logGroupName}`,
      });
      // CloudTrail names its streams <account>_CloudTrail_<region>.
      const logStreamArn = `arn:${Aws.PARTITION}:logs:${stack.region}:${stack.account}:log-group:${logGroupName}:log-stream:${stack.account}_CloudTrail_*`;
      const logsPolicy = new iam.ManagedPolicy(this, 'LogsPolicy', {
        roles: [logsRole],
        description: `CloudTrail writes to its log group ${logGroupName}`,
        statements: [new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logStreamArn] })],
      });
      logsPolicyForNag = logsPolicy;
      logStreamArnForNag = logStreamArn;

      const trail = new cloudtrail.CfnTrail(this, 'Trail', {
        trailName,
        isLogging: true,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        kmsKeyId: auditKey.keyArn,
        s3BucketName: bucket.bucketName,
        cloudWatchLogsLogGroupArn: logGroup.logGroupArn,
        cloudWatchLogsRoleArn: logsRole.roleArn,
        // Read and write management events from every source: KMS events are never excluded.
        eventSelectors: [{ includeManagementEvents: true, readWriteType: 'All' }],
      });
      if (aclCheck.policyDependable) trail.node.addDependency(aclCheck.policyDependable);
      trail.node.addDependency(logsPolicy);
      this.trail = trail;
    }

    // ---- topic ----
    if (props.alarmTopic !== undefined) {
      this.topic = props.alarmTopic;
    } else {
      this.topic = new sns.Topic(this, 'Topic', {
        displayName: `Key audit ${path}`.slice(0, 100),
        masterKey: auditKey,
        enforceSSL: true,
      });
      // SNS calls KMS for the publishers: CloudWatch alarms and EventBridge, from this account only.
      auditKey.addToResourcePolicy(serviceDataKeyStatement('CloudWatchAlarmsDataKeys', 'cloudwatch.amazonaws.com', [], stack.account));
      auditKey.allowEventBridge();
    }
    // A topic policy replaces SNS's default one, so CloudWatch alarms of this account are allowed explicitly.
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: {
        ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
        StringEquals: { 'aws:SourceAccount': stack.account },
      },
    }));
    for (const [i, email] of emails.entries()) {
      new sns.Subscription(this, `Email${i}`, { topic: this.topic, protocol: sns.SubscriptionProtocol.EMAIL, endpoint: email });
    }
    const alarmAction = new cloudwatchActions.SnsAction(this.topic);

    // ---- metric filters and alarms ----
    const metricPrefix = Names.uniqueResourceName(this, { maxLength: 200, separator: '-' });
    if (this.logGroup !== undefined && wantAlarms) {
      this.keys.forEach((key, i) => {
        // Lazy: replicas added after the audit (addReplica) are matched too.
        const pattern = Lazy.string({ produce: () => keyDisableOrDeletePattern(keyArnsInEveryRegion(key)) });
        this.addDisableOrDeleteAlarm(`Key${i}`, this.logGroup!, pattern, `KeyDisabledOrDeletionScheduled-${metricPrefix}-${i}`,
          `DisableKey or ScheduleKeyDeletion was called on the audited key ${Token.isUnresolved(key.keyArn) ? key.node.path : key.keyArn} (CloudTrail log group of ${path}).`, alarmAction);
      });
    } else if (wantAlarms && props.alarms === undefined) {
      Annotations.of(this).addWarningV2('cdk-secure-key:auditNoAlarms',
        'No metric filters or alarms: the existing trail\'s log group is unknown. Set existingTrailLogGroup to add them; the event rule still notifies.');
    }
    if (accountWide) {
      this.addDisableOrDeleteAlarm('AccountWide', this.logGroup!, CIS_KEY_DISABLE_OR_DELETE_PATTERN, `CisKeyDisabledOrDeletionScheduled-${metricPrefix}`,
        `DisableKey or ScheduleKeyDeletion was called on a customer managed key of this account (CIS 4.7; ${path}).`, alarmAction);
    }

    // ---- EventBridge rule on the keys' sensitive events ----
    if (props.eventRules ?? true) {
      const eventNames = [...new Set([...SENSITIVE_KEY_EVENTS, ...extraEvents])];
      const rule = new events.Rule(this, 'SensitiveEvents', {
        description: `Sensitive KMS events on the keys audited by ${path}`.slice(0, 512),
        eventPattern: sensitiveEventPattern(this.keys.map((k) => k.keyArn), eventNames),
      });
      rule.addTarget(new TopicTarget(this.topic));
      this.eventRule = rule;
    }

    // ---- scheduled usage report ----
    reportKeys.forEach((key, i) => {
      this.usageReports.push(new EnvelopeFunction(this, `UsageReport${i}`, {
        key,
        enableAudit: true,
        auditSchedule: props.usageReport!.schedule,
        auditExpectedPrincipals: props.usageReport!.expectedPrincipals,
        auditLookback: props.usageReport!.lookback,
        auditFindingsTopic: this.topic,
        // The function exists to read CloudTrail; EnvelopeFunction also gives its role data keys and
        // Decrypt. This encryption-context key, which no caller's data carries, leaves that use unusable.
        encryptionContextKeys: [USAGE_REPORT_CONTEXT_KEY],
      }));
    });

    this.acknowledgeNagFindings(logsPolicyForNag, logStreamArnForNag);
    recordCompliance(this, auditComplianceRecords({
      createdTrail: existing === undefined,
      existingTrailArn: existing,
      bucketIsOurs: existing === undefined && props.trailBucket === undefined,
      bucketAccessLogging: this.accessLogsBucket !== undefined,
      logGroup: this.logGroup !== undefined,
      logRetentionDays: existing === undefined ? (props.logRetention ?? logs.RetentionDays.ONE_YEAR) : undefined,
      keyAlarms: this.logGroup !== undefined && wantAlarms,
      accountWideAlarm: accountWide,
      alarmHasSubscribers: emails.length > 0 || props.alarmTopic !== undefined,
    }));
  }

  private addDisableOrDeleteAlarm(id: string, logGroup: logs.ILogGroup, pattern: string, metricName: string, description: string,
    action: cloudwatch.IAlarmAction): void {
    new logs.MetricFilter(this, `${id}Filter`, {
      logGroup,
      filterPattern: logs.FilterPattern.literal(pattern),
      metricNamespace: METRIC_NAMESPACE,
      metricName,
      metricValue: '1',
      unit: cloudwatch.Unit.COUNT,
    });
    const alarm = new cloudwatch.Alarm(this, `${id}Alarm`, {
      alarmDescription: `${description} Events: ${DISABLE_OR_DELETE_EVENTS.join(', ')}.`.slice(0, 1024),
      metric: new cloudwatch.Metric({ namespace: METRIC_NAMESPACE, metricName, statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(action);
    this.alarms.push(alarm);
  }

  /** What cdk-nag flags that KeyAudit leaves so by design, each with its reason. */
  private acknowledgeNagFindings(logsPolicy?: iam.ManagedPolicy, logStreamArn?: string): void {
    if (this.accessLogsBucket !== undefined) {
      acknowledge(this.accessLogsBucket, ['AwsSolutions-S1', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'HIPAA.Security-S3BucketLoggingEnabled', 'PCI.DSS.321-S3BucketLoggingEnabled'],
        'This bucket receives the trail bucket\'s server access logs; logging it to itself would loop, and to another bucket would only move the question.');
    }
    for (const bucket of [this.accessLogsBucket, this.trailBucket]) {
      if (!(bucket instanceof s3.Bucket) || (bucket === this.trailBucket && this.accessLogsBucket === undefined)) continue;
      acknowledge(bucket, ['NIST.800.53.R5-S3BucketReplicationEnabled', 'HIPAA.Security-S3BucketReplicationEnabled', 'PCI.DSS.321-S3BucketReplicationEnabled'],
        'Cross-region replication needs a second bucket in another region, outside this stack; the trail itself is multi-Region and its log files are versioned.');
      acknowledge(bucket, ['NIST.800.53.R5-S3DefaultEncryptionKMS', 'HIPAA.Security-S3DefaultEncryptionKMS', 'PCI.DSS.321-S3DefaultEncryptionKMS'],
        bucket === this.trailBucket
          ? 'CloudTrail encrypts every log file with the audit KMS key (the trail\'s KMSKeyId); the S3-managed default only covers objects written without a key, as in CDK\'s own Trail.'
          : 'S3 server access logs are delivered by the S3 logging service, which writes to SSE-S3 destination buckets without extra key policy.');
    }
    if (logsPolicy !== undefined && logStreamArn !== undefined) {
      // cdk-nag names the finding after the resource as written, pseudo parameters in <...>.
      const stack = Stack.of(this);
      const shown = logStreamArn.replace(Aws.PARTITION, '<AWS::Partition>')
        .replace(stack.region, Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region)
        .split(stack.account).join(Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account);
      acknowledge(logsPolicy, [`AwsSolutions-IAM5[Resource::${shown}]`],
        'CloudTrail names its log streams <account>_CloudTrail_<region>; the wildcard covers only those streams of this one log group.');
    }
  }
}

/**
 * EventBridge to a topic, with the topic policy statement pinned to the rule (`aws:SourceArn`). CDK's
 * `SnsTopic` target would also grant `events.amazonaws.com` on the topic's key without any condition,
 * which a SecureKey refuses; the audit key has its own conditioned statement instead.
 */
class TopicTarget implements events.IRuleTarget {
  constructor(private readonly topic: sns.ITopic) {}

  public bind(rule: events.IRuleRef): events.RuleTargetConfig {
    const ruleArn = rule.ruleRef.ruleArn;
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: `EventBridgePublish${Names.uniqueId(rule).slice(-60)}`,
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: { ArnEquals: { 'aws:SourceArn': ruleArn } },
    }));
    return { arn: this.topic.topicArn, targetResource: this.topic };
  }
}

function acknowledge(scope: IConstruct, ids: string[], reason: string): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The key's ARN, and for a multi-Region SecureKey its ARN in each replica's Region: replicas share the
 * primary's key ID, so the ARNs are known in the primary's stack without a cross-Region reference.
 */
function keyArnsInEveryRegion(key: kms.IKey): string[] {
  if (!(key instanceof SecureKey) || !key.multiRegion) return [key.keyArn];
  const stack = Stack.of(key);
  return [key.keyArn, ...key.replicaKeys.map((r) => stack.formatArn({ service: 'kms', region: r.region, resource: 'key', resourceName: key.keyId }))];
}
