import { Duration, Names, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { EnvelopeFunctionProps } from './envelope-function-props';
import { envelopeCode, functionEnvironment } from './private/envelope-environment';
import { EnvelopeSettings, resolveEnvelopeSettings } from './private/envelope-props';
import { EnvelopeRole } from './private/envelope-role';
import {
  ENVELOPE_KEY_ACTIONS, LOG_WRITE_ACTIONS, REENCRYPT_FROM_ACTIONS, REENCRYPT_TO_ACTIONS,
  SIGNED_SUITE_CONTEXT_KEY, USAGE_REPORT_ACTIONS, USAGE_REPORT_FINDING_DESCRIPTIONS, USAGE_REPORT_FINDING_PATTERNS, UsageReportFinding,
} from './private/envelope-settings';
import { constructError } from './private/validation';
import type { SecureKey } from './secure-key';

const METRIC_NAMESPACE = 'SecureKey/EnvelopeFunction';
const INVOKE_ACTIONS = ['lambda:InvokeFunction'];

/**
 * The bundled envelope Lambda, deployed with least privilege: encrypt, decrypt and data keys with
 * `key` (AWS Encryption SDK message format v2, cached data keys), optional re-encryption and a
 * key-usage report from CloudTrail, optionally on a schedule. With `branchKeyStore`, each message
 * gets a fresh data key wrapped by a branch key of the store (the AWS KMS hierarchical keyring).
 *
 * Its role is dedicated and can call exactly `kms:GenerateDataKey` and `kms:Decrypt` on `key`
 * (plus `kms:ReEncryptFrom`/`kms:ReEncryptTo` with re-encryption, and `cloudtrail:LookupEvents` with
 * the usage report), and write to its own log group, which `key` encrypts and keeps for a year.
 * With a branch key store it gets the store's use permissions instead of those on `key`.
 *
 * Whoever may invoke the function may use the key through it: `decrypt` returns the plaintext of
 * any message under `key` (that the caller's encryption context matches), and `generateDataKey`
 * returns plaintext data keys. Grant invoke as you would grant `kms:Decrypt`.
 */
export class EnvelopeFunction extends Construct {
  /** The Lambda function. */
  public readonly function: lambda.Function;
  /** The function's role (its permissions are in `policy`). */
  public readonly role: iam.Role;
  /** The role's permissions: a customer-managed policy, so it can be read and reviewed as one document. */
  public readonly policy: iam.ManagedPolicy;
  /** The function's log group, encrypted with the key. */
  public readonly logGroup: logs.LogGroup;
  /** The rule that runs the scheduled usage report, if `usageReportSchedule` is set. */
  public readonly usageReportRule?: events.Rule;
  /** The alarms that notify `usageReportFindingsTopic`, if set. */
  public readonly usageReportAlarms: cloudwatch.Alarm[];
  /** Whether the `usageReport` operation is allowed. */
  public readonly usageReportEnabled: boolean;
  /** Whether the `reEncrypt` operation is allowed. */
  public readonly reEncryptEnabled: boolean;
  /** Whether the `generateDataKey` operation is offered. */
  public readonly generateDataKeyEnabled: boolean;
  private readonly metricPrefix: string;

  constructor(scope: Construct, id: string, props: EnvelopeFunctionProps) {
    super(scope, id);
    const settings = resolveEnvelopeSettings(this, props);
    const code = envelopeCode();
    this.reEncryptEnabled = settings.reEncryptEnabled;
    this.usageReportEnabled = settings.usageReport.enabled;
    this.generateDataKeyEnabled = settings.generateDataKeyEnabled;
    this.metricPrefix = Names.uniqueResourceName(this, { maxLength: 150, separator: '-' });

    this.logGroup = this.addEncryptedLogGroup(props, settings);
    const role = new EnvelopeRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Envelope function ${this.node.path}: ${settings.branchKeys ? 'branch keys of its key store' : 'data keys from its KMS key'}, its own log group${this.usageReportEnabled ? ', CloudTrail LookupEvents' : ''}`,
    });
    this.role = role;
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      roles: [this.role],
      description: `Least privilege of the envelope function ${this.node.path}`,
    });
    if (settings.branchKeys) {
      // Exactly the store's use permissions, in the function's one policy document.
      const store = settings.branchKeys.store;
      role.grantInto(this.policy, () => store.grantUse(role));
    } else {
      this.grantDataKeys(settings.key, settings);
    }
    this.grantOwnLogsAndUsageReport(settings);
    this.function = this.addFunction(props, settings, code);
    this.usageReportAlarms = this.addUsageReportFindings(settings);
    this.usageReportRule = this.addUsageReportSchedule(settings);
    this.acknowledgeNagFindings(props, settings);
  }

  /** @deprecated use `usageReportRule` */
  public get auditRule(): events.Rule | undefined {
    return this.usageReportRule;
  }

  /** @deprecated use `usageReportAlarms` */
  public get auditAlarms(): cloudwatch.Alarm[] {
    return this.usageReportAlarms;
  }

  /** @deprecated use `usageReportEnabled` */
  public get auditEnabled(): boolean {
    return this.usageReportEnabled;
  }

  /**
   * Lets the grantee invoke the function (every operation the function allows). Identities get
   * `lambda:InvokeFunction` on the function's unqualified ARN only (the construct publishes no
   * versions or aliases); other principals get a resource-based permission.
   *
   * Invoking the function is using the key: the grantee can decrypt every message under the key
   * (through `decrypt`) and, unless `enableGenerateDataKey` is false, obtain plaintext data keys.
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const onPrincipal = iam.Grant.addToPrincipal({ grantee, actions: INVOKE_ACTIONS, resourceArns: [this.function.functionArn] });
    return onPrincipal.success ? onPrincipal : this.function.grantInvoke(grantee);
  }

  /** Usage reports that found at least one unexpected principal (count per period). */
  public metricUsageReportUnexpectedPrincipals(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.usageReportMetric('UnexpectedPrincipals', props);
  }

  /** Usage reports that could not read their whole window (a page, event or time cap stopped them). */
  public metricUsageReportIncomplete(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.usageReportMetric('Incomplete', props);
  }

  /** Usage reports that failed (for example CloudTrail throttling after every retry). */
  public metricUsageReportFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.usageReportMetric('Failed', props);
  }

  /** @deprecated use `metricUsageReportUnexpectedPrincipals` */
  public metricAuditUnexpectedPrincipals(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricUsageReportUnexpectedPrincipals(props);
  }

  /** @deprecated use `metricUsageReportIncomplete` */
  public metricAuditIncomplete(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricUsageReportIncomplete(props);
  }

  /** @deprecated use `metricUsageReportFailed` */
  public metricAuditFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricUsageReportFailed(props);
  }

  /** The log group, encrypted with the key; the key lets CloudWatch Logs use it for this group only. */
  private addEncryptedLogGroup(props: EnvelopeFunctionProps, settings: EnvelopeSettings): logs.LogGroup {
    // The `aws:logs:arn` encryption context of the key's CloudWatch Logs statement pins it to this group.
    settings.key.allowCloudWatchLogs({ logGroupNames: [settings.logGroupName] });
    return new logs.LogGroup(this, 'LogGroup', {
      logGroupName: settings.logGroupName,
      encryptionKey: settings.key,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });
  }

  /**
   * The key's data-key actions (with the encryption-context conditions) and re-encryption, in the
   * role's policy and in the key policies: SecureKey's policy never lets IAM alone grant use, so each
   * key statement is mirrored in the key policy.
   */
  private grantDataKeys(key: SecureKey, settings: EnvelopeSettings): void {
    const conditions = settings.contextKeys === undefined ? undefined : contextKeyConditions(settings.contextKeys);
    const ownKeyActions = [...ENVELOPE_KEY_ACTIONS, ...(settings.reEncryptEnabled ? REENCRYPT_FROM_ACTIONS : [])];
    this.policy.addStatements(new iam.PolicyStatement({
      sid: 'UseEnvelopeKey', actions: ownKeyActions, resources: [key.keyArn], conditions,
    }));
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: `EnvelopeFunction${Names.uniqueId(this)}`, principals: [this.role], actions: ownKeyActions, resources: ['*'], conditions,
    }));
    if (settings.reEncryptTo.length > 0) {
      this.policy.addStatements(new iam.PolicyStatement({
        sid: 'ReEncryptToDestinationKeys', actions: REENCRYPT_TO_ACTIONS, resources: settings.reEncryptTo.map((k) => k.keyArn), conditions,
      }));
      for (const dest of settings.reEncryptTo) {
        // A no-op for imported keys: their own key policy must allow the role.
        dest.addToResourcePolicy(new iam.PolicyStatement({
          sid: `EnvelopeFunction${Names.uniqueId(this)}ReEncryptTo`, principals: [this.role], actions: REENCRYPT_TO_ACTIONS, resources: ['*'], conditions,
        }), true);
      }
    }
  }

  /** Writing to its own log group, and LookupEvents for the usage report. */
  private grantOwnLogsAndUsageReport(settings: EnvelopeSettings): void {
    this.policy.addStatements(new iam.PolicyStatement({
      sid: 'WriteOwnLogGroup', actions: LOG_WRITE_ACTIONS, resources: [this.logGroup.logGroupArn],
    }));
    if (settings.usageReport.enabled) {
      this.policy.addStatements(new iam.PolicyStatement({ sid: 'AuditKeyUsage', actions: USAGE_REPORT_ACTIONS, resources: ['*'] }));
    }
  }

  /** The Lambda function, configured through environment variables the handler checks at start. */
  private addFunction(props: EnvelopeFunctionProps, settings: EnvelopeSettings, code: lambda.Code): lambda.Function {
    const fn = new lambda.Function(this, 'Function', {
      description: `Envelope encryption with ${this.node.path}'s key (cdk-secure-key)`,
      // The newest Node.js runtime aws-cdk-lib 2.270 offers, named explicitly (NODEJS_LATEST would
      // change under a deployed function when aws-cdk-lib is upgraded).
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code,
      role: this.role,
      memorySize: settings.memorySize,
      timeout: settings.timeout,
      environment: functionEnvironment(props, settings),
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    });
    // The function must not start before its permissions exist.
    fn.node.addDependency(this.policy);
    return fn;
  }

  /**
   * Metric filters over the usage report's log line and, with a findings topic, an alarm on each
   * plus one on the function's Errors metric.
   */
  private addUsageReportFindings(settings: EnvelopeSettings): cloudwatch.Alarm[] {
    const report = settings.usageReport;
    if (!report.enabled) return [];
    for (const [name, pattern] of Object.entries(USAGE_REPORT_FINDING_PATTERNS)) {
      new logs.MetricFilter(this, `Audit${name}Filter`, {
        logGroup: this.logGroup,
        filterPattern: logs.FilterPattern.literal(pattern),
        metricNamespace: METRIC_NAMESPACE,
        metricName: this.usageReportMetricName(name as UsageReportFinding),
        metricValue: '1',
        unit: cloudwatch.Unit.COUNT,
      });
    }
    if (report.findingsTopic === undefined) return [];
    const action = new cloudwatchActions.SnsAction(report.findingsTopic);
    const alarms: cloudwatch.Alarm[] = [];
    const alarmOn = (id: string, description: string, metric: cloudwatch.IMetric): void => {
      const alarm = new cloudwatch.Alarm(this, id, {
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      alarms.push(alarm);
    };
    for (const name of Object.keys(USAGE_REPORT_FINDING_PATTERNS) as UsageReportFinding[]) {
      alarmOn(`Audit${name}Alarm`, `${USAGE_REPORT_FINDING_DESCRIPTIONS[name]} (envelope function ${this.node.path}). Read the usage report's log line in ${settings.logGroupName}.`,
        this.usageReportMetric(name));
    }
    // A crash or timeout writes no log line, so the filters above cannot count it; the function's
    // own Errors metric does (handled errors are responses, not function errors).
    alarmOn('FunctionErrorsAlarm', `The envelope function ${this.node.path} crashed or timed out (its usage report or a caller's request did not finish). Read its log group ${settings.logGroupName}.`,
      this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }));
    return alarms;
  }

  /**
   * The EventBridge rule of a scheduled usage report. Its default event is the "Scheduled Event",
   * which the handler turns into a report on [time - delay - lookback, time - delay].
   */
  private addUsageReportSchedule(settings: EnvelopeSettings): events.Rule | undefined {
    if (settings.usageReport.schedule === undefined) return undefined;
    return new events.Rule(this, 'AuditSchedule', {
      schedule: settings.usageReport.schedule,
      description: `Key-usage report of ${this.node.path}'s key`,
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
  }

  private usageReportMetricName(finding: UsageReportFinding): string {
    return `Audit${finding}-${this.metricPrefix}`;
  }

  private usageReportMetric(finding: UsageReportFinding, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (!this.usageReportEnabled) {
      throw constructError('EnvelopeFunction', this.node.path, 'the usage report metrics need the usage report. Set enableUsageReport or usageReportSchedule.');
    }
    return new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: this.usageReportMetricName(finding),
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** What cdk-nag's packs flag that this construct leaves so by design, each with its reason. */
  private acknowledgeNagFindings(props: EnvelopeFunctionProps, settings: EnvelopeSettings): void {
    const fn = this.function;
    if (this.usageReportEnabled) {
      acknowledge(this.policy, ['AwsSolutions-IAM5[Resource::*]'],
        'cloudtrail:LookupEvents supports no resource-level permissions (Service Authorization Reference); it is the only action on *.');
    }
    acknowledge(fn, ['NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ'],
      'Callers invoke the function synchronously, where Lambda never uses a DLQ, and receive every error. The only asynchronous event is the scheduled usage report: Lambda retries a failed asynchronous invocation twice, a failed report is counted by a metric filter, a crash or timeout by the function\'s Errors metric (both alarmed with usageReportFindingsTopic), and the next run reports on its own window.');
    acknowledge(fn, ['NIST.800.53.R5-LambdaInsideVPC', 'HIPAA.Security-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC'],
      `The function calls only the KMS${settings.branchKeys ? ', DynamoDB (its branch key store\'s table)' : ''} and CloudTrail APIs and holds no network-reachable data; access is controlled by IAM and the key policy, not by the network.`);
    if (props.reservedConcurrentExecutions === undefined) {
      acknowledge(fn, ['NIST.800.53.R5-LambdaConcurrency', 'HIPAA.Security-LambdaConcurrency'],
        'Reserved concurrency is the reservedConcurrentExecutions prop; unset by default because a reservation can take a new account below its unreserved minimum and fail the deployment.');
    }
  }
}

/**
 * `kms:EncryptionContextKeys` conditions: every key of the request's context is allowed
 * (ForAllValues; the signed suite's `aws-crypto-public-key` included, since decrypt accepts both
 * suites), and at least one of the caller's keys is present (ForAnyValue), because ForAllValues
 * alone also matches a request with no context at all.
 */
function contextKeyConditions(keys: string[]): Record<string, Record<string, unknown>> {
  const allowed = [...new Set([...keys, SIGNED_SUITE_CONTEXT_KEY])].sort();
  return {
    'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': allowed },
    'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': [...new Set(keys)].sort() },
  };
}

function acknowledge(scope: IConstruct, ids: string[], reason: string): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}
