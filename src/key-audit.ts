import { Annotations, Aws, Duration, Lazy, Names, Stack, Token, Validations } from 'aws-cdk-lib';
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
  auditComplianceRecords, CIS_KEY_DISABLE_OR_DELETE_PATTERN, DISABLE_OR_DELETE_EVENTS, keyDisableOrDeletePattern,
  METRIC_NAMESPACE, SENSITIVE_KEY_EVENTS, sensitiveEventPattern, USAGE_REPORT_CONTEXT_KEY,
} from './private/audit';
import { createAuditKey, isSecureKey } from './private/audit-key';
import { checkAuditProps, CheckedAuditProps } from './private/audit-props';
import { createTrail, CreatedTrail } from './private/audit-trail';
import { recordCompliance } from './private/compliance';
import type { SecureKey } from './secure-key';

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
   * @default - a bucket is created: ACLs disabled, public access blocked, TLS enforced, versioned, server
   * access logs to a second bucket (ACLs disabled too; the S3 logging service writes by bucket policy), log
   * files expire after `logFileExpiration`
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
  public readonly usageReports: EnvelopeFunction[];

  constructor(scope: Construct, id: string, props: KeyAuditProps) {
    super(scope, id);
    const settings = checkAuditProps(this, props);
    this.keys = [...props.keys];
    // The audit key is never an audited key, so alarms survive DisableKey/ScheduleKeyDeletion.
    this.encryptionKey = props.encryptionKey ?? createAuditKey(this, 'AuditKey',
      `Encrypts the CloudTrail logs, log group and alarm topic of ${this.node.path} (cdk-secure-key)`);

    let created: CreatedTrail | undefined;
    if (settings.created !== undefined) {
      created = createTrail(this, settings.created, this.encryptionKey, props.trailBucket);
      this.trail = created.trail;
      this.trailArn = created.trailArn;
      this.trailBucket = created.bucket;
      this.accessLogsBucket = created.accessLogsBucket;
      this.logGroup = created.logGroup;
    } else {
      this.trailArn = settings.existingTrailArn!;
      this.logGroup = props.existingTrailLogGroup;
    }
    this.topic = this.createTopic(props.alarmTopic, settings.emails);
    const alarmAction = new cloudwatchActions.SnsAction(this.topic);
    this.createAlarms(settings, props.alarms === undefined, alarmAction);
    if (settings.eventRule) this.eventRule = this.createEventRule(settings.extraEventNames);
    this.usageReports = this.createUsageReports(settings.reportKeys, props.usageReport);

    this.acknowledgeNagFindings(created);
    recordCompliance(this, auditComplianceRecords({
      createdTrail: created !== undefined,
      existingTrailArn: settings.existingTrailArn,
      bucketIsOurs: created !== undefined && props.trailBucket === undefined,
      bucketAccessLogging: this.accessLogsBucket !== undefined,
      logGroup: this.logGroup !== undefined,
      logRetentionDays: settings.created?.logRetention,
      keyAlarms: this.logGroup !== undefined && settings.keyAlarms,
      accountWideAlarm: settings.accountWideAlarm,
      alarmHasSubscribers: settings.emails.length > 0 || props.alarmTopic !== undefined,
    }));
  }

  /** The alarm topic (created, encrypted with the audit key, unless passed in), open to this account's alarms. */
  private createTopic(alarmTopic: sns.ITopic | undefined, emails: string[]): sns.ITopic {
    const stack = Stack.of(this);
    let topic = alarmTopic;
    if (topic === undefined) {
      topic = new sns.Topic(this, 'Topic', {
        displayName: `Key audit ${this.node.path}`.slice(0, 100),
        masterKey: this.encryptionKey,
        enforceSSL: true,
      });
      // SNS calls KMS for the publishers: CloudWatch alarms and EventBridge, from this account only.
      this.encryptionKey.addToResourcePolicy(serviceDataKeyStatement('CloudWatchAlarmsDataKeys', 'cloudwatch.amazonaws.com', [], stack.account));
      this.encryptionKey.allowEventBridge();
    }
    // A topic policy replaces SNS's default one, so CloudWatch alarms of this account are allowed explicitly.
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
        StringEquals: { 'aws:SourceAccount': stack.account },
      },
    }));
    for (const [i, email] of emails.entries()) {
      new sns.Subscription(this, `Email${i}`, { topic, protocol: sns.SubscriptionProtocol.EMAIL, endpoint: email });
    }
    return topic;
  }

  /** A metric filter and alarm per audited key, and CIS's account-wide one when asked for. */
  private createAlarms(settings: CheckedAuditProps, alarmsUnset: boolean, alarmAction: cloudwatch.IAlarmAction): void {
    const path = this.node.path;
    const metricPrefix = Names.uniqueResourceName(this, { maxLength: 200, separator: '-' });
    if (this.logGroup !== undefined && settings.keyAlarms) {
      this.keys.forEach((key, i) => {
        // Lazy: replicas added after the audit (addReplica) are matched too.
        const pattern = Lazy.string({ produce: () => keyDisableOrDeletePattern(keyArnsInEveryRegion(key)) });
        this.addDisableOrDeleteAlarm(`Key${i}`, this.logGroup!, pattern, `KeyDisabledOrDeletionScheduled-${metricPrefix}-${i}`,
          `DisableKey or ScheduleKeyDeletion was called on the audited key ${Token.isUnresolved(key.keyArn) ? key.node.path : key.keyArn} (CloudTrail log group of ${path}).`, alarmAction);
      });
    } else if (settings.keyAlarms && alarmsUnset) {
      Annotations.of(this).addWarningV2('cdk-secure-key:auditNoAlarms',
        'No metric filters or alarms: the existing trail\'s log group is unknown. Set existingTrailLogGroup to add them; the event rule still notifies.');
    }
    if (settings.accountWideAlarm) {
      this.addDisableOrDeleteAlarm('AccountWide', this.logGroup!, CIS_KEY_DISABLE_OR_DELETE_PATTERN, `CisKeyDisabledOrDeletionScheduled-${metricPrefix}`,
        `DisableKey or ScheduleKeyDeletion was called on a customer managed key of this account (CIS 4.7; ${path}).`, alarmAction);
    }
  }

  /** The EventBridge rule on the keys' sensitive events, to the topic. */
  private createEventRule(extraEventNames: string[]): events.Rule {
    const eventNames = [...new Set([...SENSITIVE_KEY_EVENTS, ...extraEventNames])];
    const rule = new events.Rule(this, 'SensitiveEvents', {
      description: `Sensitive KMS events on the keys audited by ${this.node.path}`.slice(0, 512),
      eventPattern: sensitiveEventPattern(this.keys.map((k) => k.keyArn), eventNames),
    });
    rule.addTarget(new TopicTarget(this.topic));
    return rule;
  }

  /** The scheduled usage report of each key: an EnvelopeFunction with only its usage report in use. */
  private createUsageReports(reportKeys: SecureKey[], report?: KeyUsageReportOptions): EnvelopeFunction[] {
    if (report === undefined) return [];
    return reportKeys.map((key, i) => new EnvelopeFunction(this, `UsageReport${i}`, {
      key,
      enableAudit: true,
      auditSchedule: report.schedule,
      auditExpectedPrincipals: report.expectedPrincipals,
      auditLookback: report.lookback,
      auditFindingsTopic: this.topic,
      // The function exists to read CloudTrail; EnvelopeFunction also gives its role data keys and
      // Decrypt. This encryption-context key, which no caller's data carries, leaves that use unusable.
      encryptionContextKeys: [USAGE_REPORT_CONTEXT_KEY],
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
  private acknowledgeNagFindings(created?: CreatedTrail): void {
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
    if (created !== undefined) {
      const { logsPolicy, logStreamArn } = created;
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
  if (!isSecureKey(key) || !key.multiRegion) return [key.keyArn];
  const stack = Stack.of(key);
  return [key.keyArn, ...key.replicaKeys.map((r) => stack.formatArn({ service: 'kms', region: r.region, resource: 'key', resourceName: key.keyId }))];
}
