import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, Duration, Fn, Names, Size, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import {
  AUDIT_ACTIONS, ENVELOPE_ENVIRONMENT_VARIABLES as ENV, ENVELOPE_INTEGER_SETTINGS as LIMITS, ENVELOPE_KEY_ACTIONS,
  AUDIT_FINDING_DESCRIPTIONS, AUDIT_FINDING_PATTERNS, AuditFinding, IntegerRange, LAMBDA_MEMORY_MB, LAMBDA_TIMEOUT_SECONDS,
  LOG_WRITE_ACTIONS, REENCRYPT_FROM_ACTIONS, REENCRYPT_TO_ACTIONS,
  SIGNED_SUITE_CONTEXT_KEY,
} from './private/envelope-settings';
import { SecureKeyConfigError } from './private/validation';
import { SecureKey } from './secure-key';

/** The algorithm suite of new messages (AWS Encryption SDK message format v2, committing suites only). */
export enum EnvelopeAlgorithmSuite {
  /** 0x0478: AES-256-GCM, HKDF-SHA512, key commitment. Fast; the default. */
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY',
  /**
   * 0x0578: the same plus an ECDSA P-384 signature, so readers who can decrypt cannot forge
   * messages. Much slower for small messages.
   */
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384',
}

/** Properties of an EnvelopeFunction. */
export interface EnvelopeFunctionProps {
  /**
   * The key the function encrypts and decrypts with. The function's role is written into its key
   * policy with exactly the actions it needs, and the key encrypts the function's log group.
   */
  readonly key: SecureKey;

  /**
   * Algorithm suite of new messages. Decryption accepts both suites.
   *
   * @default EnvelopeAlgorithmSuite.AES_256_GCM_HKDF_SHA512_COMMIT_KEY
   */
  readonly suite?: EnvelopeAlgorithmSuite;

  /**
   * Plaintext per frame of new messages (whole bytes, 1 byte to 4 GiB - 1).
   *
   * @default Size.kibibytes(256)
   */
  readonly frameLength?: Size;

  /**
   * Messages with more encrypted data keys than this are refused before any KMS call (1 to 65535).
   *
   * @default 10
   */
  readonly maxEncryptedDataKeys?: number;

  /**
   * Data keys the function's cache holds (0 to 100000); 0 turns caching off, so every message costs
   * one KMS call.
   *
   * @default 100
   */
  readonly cacheCapacity?: number;

  /**
   * How long a cached data key may be used after KMS produced it (whole seconds, 1 second to 1 day).
   *
   * @default Duration.minutes(5)
   */
  readonly cacheMaxAge?: Duration;

  /**
   * Messages one cached data key may encrypt (1 to 2^32).
   *
   * @default 1000
   */
  readonly cacheMaxMessagesEncrypted?: number;

  /**
   * Plaintext one cached data key may encrypt in total (whole bytes, at least 1 byte).
   *
   * @default Size.gibibytes(1)
   */
  readonly cacheMaxBytesEncrypted?: Size;

  /**
   * Allow only these encryption-context keys in the function's KMS requests: its role may call KMS
   * only when every key of the request's encryption context is one of these (plus
   * `aws-crypto-public-key`, which the message format adds for the signed suite) and at least one of
   * them is present. Requests with no encryption context are refused.
   *
   * @default - any encryption context, including none
   */
  readonly encryptionContextKeys?: string[];

  /**
   * Turn on the `reEncrypt` operation: re-wrap a message's data key under another key without
   * touching its body. The role gets `kms:ReEncryptFrom` on `key` and `kms:ReEncryptTo` on each
   * destination key.
   *
   * @default - true when `reEncryptDestinationKeys` is given, false otherwise
   */
  readonly enableReEncrypt?: boolean;

  /**
   * The keys `reEncrypt` may re-wrap data keys under. They must be keys (not aliases). A SecureKey or a
   * `kms.Key` of this app gets the role in its key policy; an imported key must allow it in its own
   * key policy.
   *
   * @default - `key` itself, when `enableReEncrypt` is true (re-wrapping under the current key material)
   */
  readonly reEncryptDestinationKeys?: kms.IKey[];

  /**
   * Turn on the `audit` operation (who used the key, from CloudTrail). Adds `cloudtrail:LookupEvents`
   * to the role.
   *
   * @default - true when `auditSchedule` is given, false otherwise
   */
  readonly enableAudit?: boolean;

  /**
   * Run the audit on this schedule (an EventBridge rule invokes the function). Its findings are a log
   * line in the function's log group; metric filters count audits with unexpected principals, audits
   * that could not read everything and failed audits.
   *
   * @default - no scheduled audit
   */
  readonly auditSchedule?: events.Schedule;

  /**
   * The principals expected to use the key: role, user or root ARNs, service principals
   * (`s3.amazonaws.com`) or account IDs. Any other caller is reported as unexpected.
   *
   * @default - no principal is flagged
   */
  readonly auditExpectedPrincipals?: string[];

  /**
   * The window each scheduled audit reads (whole minutes, up to 90 days).
   *
   * @default - the schedule's rate for `Schedule.rate(...)`, otherwise 60 minutes
   */
  readonly auditLookback?: Duration;

  /**
   * How long before the schedule time a scheduled audit's window ends, since CloudTrail delivers
   * events late (whole minutes, up to 1 day).
   *
   * @default Duration.minutes(15)
   */
  readonly auditDelay?: Duration;

  /**
   * LookupEvents pages (50 events each) an audit reads at most (1 to 1000).
   *
   * @default 20
   */
  readonly auditMaxPages?: number;

  /**
   * Notify this topic when an audit finds an unexpected principal, could not read the whole window,
   * or failed (CloudWatch alarms on the metric filters). If the topic is encrypted, its key must let
   * `cloudwatch.amazonaws.com` call `kms:GenerateDataKey` and `kms:Decrypt`.
   *
   * @default - no alarms; the metrics are still available (`metricAuditUnexpectedPrincipals()` and others)
   */
  readonly auditFindingsTopic?: sns.ITopic;

  /**
   * Memory of the function, in MiB (128 to 10240). More memory also means more CPU.
   *
   * @default 512
   */
  readonly memorySize?: number;

  /**
   * Timeout of one invocation (1 second to 15 minutes).
   *
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;

  /**
   * Concurrent executions reserved for (and limiting) the function.
   *
   * @default - no reservation: the function uses the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * How long the function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Name of the function's log group. It must be known at synth (not a token): the key policy
   * names it, and a generated name would make the key and the log group depend on each other.
   *
   * @default - `/securekey/envelope-function/` followed by a name unique to this construct
   */
  readonly logGroupName?: string;
}

const ASSET_DIR = path.join(__dirname, '..', 'assets', 'envelope-function');
const ASSET_ENTRY = 'index.js';
const METRIC_NAMESPACE = 'SecureKey/EnvelopeFunction';
const INVOKE_ACTIONS = ['lambda:InvokeFunction'];

/**
 * The bundled envelope Lambda, deployed with least privilege: encrypt, decrypt and data keys with
 * `key` (AWS Encryption SDK message format v2, cached data keys), optional re-encryption and a
 * key-usage audit from CloudTrail, optionally on a schedule.
 *
 * Its role is dedicated and can call exactly `kms:GenerateDataKey` and `kms:Decrypt` on `key`
 * (plus `kms:ReEncryptFrom`/`kms:ReEncryptTo` with re-encryption, and `cloudtrail:LookupEvents` with
 * the audit), and write to its own log group, which `key` encrypts and keeps for a year.
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
  /** The rule that runs the scheduled audit, if `auditSchedule` is set. */
  public readonly auditRule?: events.Rule;
  /** The alarms that notify `auditFindingsTopic`, if set. */
  public readonly auditAlarms: cloudwatch.Alarm[];
  /** Whether the `audit` operation is allowed. */
  public readonly auditEnabled: boolean;
  /** Whether the `reEncrypt` operation is allowed. */
  public readonly reEncryptEnabled: boolean;
  private readonly metricPrefix: string;

  constructor(scope: Construct, id: string, props: EnvelopeFunctionProps) {
    super(scope, id);
    const key = props.key;
    const check = new PropChecker(this.node.path);

    // ---- validation (before any resource, so a bad prop leaves nothing half-built) ----
    // Data keys and CloudWatch Logs encryption exist only for symmetric encryption keys.
    if (key.keySpec !== kms.KeySpec.SYMMETRIC_DEFAULT || key.keyUsage !== kms.KeyUsage.ENCRYPT_DECRYPT) {
      throw check.error('key', 'is not a symmetric encryption key', `${key.keySpec} / ${key.keyUsage}`,
        `a SecureKey with keySpec ${kms.KeySpec.SYMMETRIC_DEFAULT} and keyUsage ${kms.KeyUsage.ENCRYPT_DECRYPT} (the defaults)`);
    }
    const memorySize = props.memorySize ?? 512;
    check.integer('memorySize', memorySize, { ...LAMBDA_MEMORY_MB, default: 512, unit: 'MiB' });
    const timeout = props.timeout ?? Duration.seconds(30);
    check.wholeSeconds('timeout', timeout, { ...LAMBDA_TIMEOUT_SECONDS, default: 30, unit: 'seconds' });
    if (props.reservedConcurrentExecutions !== undefined) {
      check.integer('reservedConcurrentExecutions', props.reservedConcurrentExecutions, { min: 0, max: 1_000_000, default: 0, unit: 'executions' });
    }
    const contextKeys = props.encryptionContextKeys;
    if (contextKeys !== undefined) check.contextKeys(contextKeys);

    const destinations = props.reEncryptDestinationKeys;
    if (props.enableReEncrypt === false && destinations !== undefined && destinations.length > 0) {
      throw check.error('reEncryptDestinationKeys', 'is set while enableReEncrypt is false', `${destinations.length} key(s)`,
        'either remove reEncryptDestinationKeys or set enableReEncrypt to true (or leave it unset)');
    }
    if (destinations !== undefined && destinations.length === 0) {
      throw check.error('reEncryptDestinationKeys', 'is empty', '[]', 'at least one key, or leave it unset');
    }
    this.reEncryptEnabled = props.enableReEncrypt ?? (destinations !== undefined);
    const reEncryptTo = this.reEncryptEnabled ? (destinations ?? [key]) : [];
    for (const d of reEncryptTo) {
      if (d instanceof kms.Alias) {
        throw check.error('reEncryptDestinationKeys', 'contains an alias', `the alias ${d.node.path}`, 'keys only: messages record the key ARN, and the function allows destinations by key ARN');
      }
    }

    const auditProps: Array<[string, unknown]> = [
      ['auditSchedule', props.auditSchedule], ['auditExpectedPrincipals', props.auditExpectedPrincipals],
      ['auditLookback', props.auditLookback], ['auditDelay', props.auditDelay], ['auditMaxPages', props.auditMaxPages],
      ['auditFindingsTopic', props.auditFindingsTopic],
    ];
    if (props.enableAudit === false) {
      const set = auditProps.filter(([, v]) => v !== undefined).map(([n]) => n);
      if (set.length > 0) {
        throw check.error(set[0], 'needs the audit, which enableAudit turns off', 'enableAudit: false',
          `remove ${set.join(', ')} or set enableAudit to true (or leave it unset)`);
      }
    }
    this.auditEnabled = props.enableAudit ?? (props.auditSchedule !== undefined);
    const lookbackMinutes = props.auditLookback !== undefined
      ? check.wholeMinutes('auditLookback', props.auditLookback, LIMITS.auditLookbackMinutes)
      : rateMinutes(props.auditSchedule);
    const delayMinutes = props.auditDelay !== undefined ? check.wholeMinutes('auditDelay', props.auditDelay, LIMITS.auditDelayMinutes) : undefined;
    if (props.auditMaxPages !== undefined) check.integer('auditMaxPages', props.auditMaxPages, LIMITS.auditMaxPages);
    const principals = props.auditExpectedPrincipals;
    if (principals !== undefined) check.listValues('auditExpectedPrincipals', principals);
    if (props.auditSchedule !== undefined && props.auditLookback === undefined && lookbackMinutes === undefined) {
      Annotations.of(this).addWarningV2('cdk-secure-key:auditLookback',
        `The audit schedule is not a rate, so each scheduled audit reads the last ${LIMITS.auditLookbackMinutes.default} minutes; set auditLookback to the time between runs.`);
    }

    if (props.frameLength !== undefined) check.bytes('frameLength', props.frameLength, LIMITS.frameLength);
    if (props.maxEncryptedDataKeys !== undefined) check.integer('maxEncryptedDataKeys', props.maxEncryptedDataKeys, LIMITS.maxEncryptedDataKeys);
    if (props.cacheCapacity !== undefined) check.integer('cacheCapacity', props.cacheCapacity, LIMITS.cacheCapacity);
    const cacheMaxAgeSeconds = props.cacheMaxAge !== undefined
      ? check.wholeSeconds('cacheMaxAge', props.cacheMaxAge, LIMITS.cacheMaxAgeSeconds) : undefined;
    if (props.cacheMaxMessagesEncrypted !== undefined) check.integer('cacheMaxMessagesEncrypted', props.cacheMaxMessagesEncrypted, LIMITS.cacheMaxMessages);
    if (props.cacheMaxBytesEncrypted !== undefined) check.bytes('cacheMaxBytesEncrypted', props.cacheMaxBytesEncrypted, LIMITS.cacheMaxBytes);

    const logGroupName = props.logGroupName ?? `/securekey/envelope-function/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`;
    if (Token.isUnresolved(logGroupName)) {
      throw check.error('logGroupName', 'is a token', logGroupName, 'a name known at synth: the key policy names the log group, and a generated name would make the key and the log group depend on each other');
    }
    if (!/^[.\-_/#A-Za-z0-9]{1,512}$/.test(logGroupName)) {
      throw check.error('logGroupName', 'is not a valid log group name', logGroupName, '1 to 512 characters from a-z A-Z 0-9 . - _ / #');
    }
    const code = envelopeCode();

    // ---- the log group, encrypted with the key; CloudWatch Logs may use the key only for this group ----
    // The key's CloudWatch Logs statement (the `aws:logs:arn` encryption context pins it to this group).
    key.allowCloudWatchLogs({ logGroupNames: [logGroupName] });
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName,
      encryptionKey: key,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });

    // ---- the role and its one policy ----
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Envelope function ${this.node.path}: data keys from its KMS key, its own log group${this.auditEnabled ? ', CloudTrail LookupEvents' : ''}`,
    });
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      roles: [this.role],
      description: `Least privilege of the envelope function ${this.node.path}`,
    });

    const conditions = contextKeys === undefined ? undefined : contextKeyConditions(contextKeys);
    const ownKeyActions = [...ENVELOPE_KEY_ACTIONS, ...(this.reEncryptEnabled ? REENCRYPT_FROM_ACTIONS : [])];
    // The key policy lets the role in (SecureKey's policy never lets IAM alone grant use); the IAM
    // policy mirrors it on the key ARN.
    this.policy.addStatements(new iam.PolicyStatement({
      sid: 'UseEnvelopeKey', actions: ownKeyActions, resources: [key.keyArn], conditions,
    }));
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: `EnvelopeFunction${Names.uniqueId(this)}`, principals: [this.role], actions: ownKeyActions, resources: ['*'], conditions,
    }));
    if (reEncryptTo.length > 0) {
      this.policy.addStatements(new iam.PolicyStatement({
        sid: 'ReEncryptToDestinationKeys', actions: REENCRYPT_TO_ACTIONS, resources: reEncryptTo.map((k) => k.keyArn), conditions,
      }));
      for (const dest of reEncryptTo) {
        // A no-op for imported keys: their own key policy must allow the role.
        dest.addToResourcePolicy(new iam.PolicyStatement({
          sid: `EnvelopeFunction${Names.uniqueId(this)}ReEncryptTo`, principals: [this.role], actions: REENCRYPT_TO_ACTIONS, resources: ['*'], conditions,
        }), true);
      }
    }
    this.policy.addStatements(new iam.PolicyStatement({
      sid: 'WriteOwnLogGroup', actions: LOG_WRITE_ACTIONS, resources: [this.logGroup.logGroupArn],
    }));
    if (this.auditEnabled) {
      this.policy.addStatements(new iam.PolicyStatement({ sid: 'AuditKeyUsage', actions: AUDIT_ACTIONS, resources: ['*'] }));
    }

    // ---- the function ----
    const environment: Record<string, string> = { [ENV.keyArn]: key.keyArn };
    const setEnv = (name: string, value: number | string | undefined): void => {
      if (value !== undefined) environment[name] = String(value);
    };
    setEnv(ENV.suite, props.suite);
    setEnv(ENV.frameLength, props.frameLength?.toBytes());
    setEnv(ENV.maxEncryptedDataKeys, props.maxEncryptedDataKeys);
    setEnv(ENV.cacheCapacity, props.cacheCapacity);
    setEnv(ENV.cacheMaxAgeSeconds, cacheMaxAgeSeconds);
    setEnv(ENV.cacheMaxMessages, props.cacheMaxMessagesEncrypted);
    setEnv(ENV.cacheMaxBytes, props.cacheMaxBytesEncrypted?.toBytes());
    if (reEncryptTo.length > 0) setEnv(ENV.reEncryptDestinationKeyArns, joinList(reEncryptTo.map((k) => k.keyArn)));
    if (this.auditEnabled) {
      if (principals !== undefined && principals.length > 0) setEnv(ENV.auditExpectedPrincipals, joinList(principals));
      setEnv(ENV.auditLookbackMinutes, lookbackMinutes);
      setEnv(ENV.auditDelayMinutes, delayMinutes);
      setEnv(ENV.auditMaxPages, props.auditMaxPages);
    }

    this.function = new lambda.Function(this, 'Function', {
      description: `Envelope encryption with ${this.node.path}'s key (cdk-secure-key)`,
      // The newest Node.js runtime aws-cdk-lib 2.270 offers, named explicitly (NODEJS_LATEST would
      // change under a deployed function when aws-cdk-lib is upgraded).
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code,
      role: this.role,
      memorySize,
      timeout,
      environment,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    });
    // The function must not start before its permissions exist.
    this.function.node.addDependency(this.policy);

    // ---- audit: schedule, metric filters, alarms ----
    this.metricPrefix = Names.uniqueResourceName(this, { maxLength: 150, separator: '-' });
    this.auditAlarms = [];
    if (this.auditEnabled) {
      for (const [name, pattern] of Object.entries(AUDIT_FINDING_PATTERNS)) {
        new logs.MetricFilter(this, `Audit${name}Filter`, {
          logGroup: this.logGroup,
          filterPattern: logs.FilterPattern.literal(pattern),
          metricNamespace: METRIC_NAMESPACE,
          metricName: this.auditMetricName(name as AuditFinding),
          metricValue: '1',
          unit: cloudwatch.Unit.COUNT,
        });
      }
      if (props.auditFindingsTopic !== undefined) {
        const action = new cloudwatchActions.SnsAction(props.auditFindingsTopic);
        for (const name of Object.keys(AUDIT_FINDING_PATTERNS) as AuditFinding[]) {
          const alarm = new cloudwatch.Alarm(this, `Audit${name}Alarm`, {
            alarmDescription: `${AUDIT_FINDING_DESCRIPTIONS[name]} (envelope function ${this.node.path}). Read the audit's log line in ${logGroupName}.`,
            metric: this.auditMetric(name),
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          });
          alarm.addAlarmAction(action);
          this.auditAlarms.push(alarm);
        }
        // A crash or timeout writes no audit log line, so the filters above cannot count it; the
        // function's own Errors metric does (handled errors are responses, not function errors).
        const errors = new cloudwatch.Alarm(this, 'FunctionErrorsAlarm', {
          alarmDescription: `The envelope function ${this.node.path} crashed or timed out (its audit or a caller's request did not finish). Read its log group ${logGroupName}.`,
          metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        errors.addAlarmAction(action);
        this.auditAlarms.push(errors);
      }
    }
    if (props.auditSchedule !== undefined) {
      // The default event of a schedule rule is the EventBridge "Scheduled Event", which the handler
      // turns into an audit of [time - delay - lookback, time - delay].
      this.auditRule = new events.Rule(this, 'AuditSchedule', {
        schedule: props.auditSchedule,
        description: `Key-usage audit of ${this.node.path}'s key`,
        targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
      });
    }

    this.acknowledgeNagFindings(props);
  }

  /**
   * Lets the grantee invoke the function (every operation the function allows). Identities get
   * `lambda:InvokeFunction` on the function's unqualified ARN only (the construct publishes no
   * versions or aliases); other principals get a resource-based permission.
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const onPrincipal = iam.Grant.addToPrincipal({ grantee, actions: INVOKE_ACTIONS, resourceArns: [this.function.functionArn] });
    return onPrincipal.success ? onPrincipal : this.function.grantInvoke(grantee);
  }

  /** Scheduled audits that found at least one unexpected principal (count per period). */
  public metricAuditUnexpectedPrincipals(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.auditMetric('UnexpectedPrincipals', props);
  }

  /** Audits that could not read their whole window (a page, event or time cap stopped them). */
  public metricAuditIncomplete(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.auditMetric('Incomplete', props);
  }

  /** Audits that failed (for example CloudTrail throttling after every retry). */
  public metricAuditFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.auditMetric('Failed', props);
  }

  private auditMetricName(finding: AuditFinding): string {
    return `Audit${finding}-${this.metricPrefix}`;
  }

  private auditMetric(finding: AuditFinding, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (!this.auditEnabled) {
      throw new SecureKeyConfigError(`EnvelopeFunction ${this.node.path}: the audit metrics need the audit. Set enableAudit or auditSchedule.`);
    }
    return new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: this.auditMetricName(finding),
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** What cdk-nag's packs flag that this construct leaves so by design, each with its reason. */
  private acknowledgeNagFindings(props: EnvelopeFunctionProps): void {
    const fn = this.function;
    if (this.auditEnabled) {
      acknowledge(this.policy, ['AwsSolutions-IAM5[Resource::*]'],
        'cloudtrail:LookupEvents supports no resource-level permissions (Service Authorization Reference); it is the only action on *.');
    }
    acknowledge(fn, ['NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ'],
      'Callers invoke the function synchronously, where Lambda never uses a DLQ, and receive every error. The only asynchronous event is the scheduled audit: Lambda retries a failed asynchronous invocation twice, a failed audit is counted by a metric filter, a crash or timeout by the function\'s Errors metric (both alarmed with auditFindingsTopic), and the next run audits its own window.');
    acknowledge(fn, ['NIST.800.53.R5-LambdaInsideVPC', 'HIPAA.Security-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC'],
      'The function calls only the KMS and CloudTrail APIs and holds no network-reachable data; access is controlled by IAM and the key policy, not by the network.');
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

/** Comma-joined, with Fn::Join when a value is a token (an ARN of this app). */
function joinList(values: string[]): string {
  return values.some((v) => Token.isUnresolved(v)) ? Fn.join(',', values) : values.join(',');
}

/** Minutes between runs of `Schedule.rate(...)`; undefined for cron and other expressions. */
function rateMinutes(schedule: events.Schedule | undefined): number | undefined {
  const m = schedule === undefined ? null : /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule.expressionString);
  if (!m) return undefined;
  const n = Number(m[1]);
  const minutes = m[2].startsWith('minute') ? n : m[2].startsWith('hour') ? n * 60 : n * 24 * 60;
  return Math.min(Math.max(minutes, LIMITS.auditLookbackMinutes.min), LIMITS.auditLookbackMinutes.max);
}

/** The bundled handler; the bundle is built at build time, so synth needs no esbuild or Docker. */
function envelopeCode(): lambda.Code {
  if (!fs.existsSync(path.join(ASSET_DIR, ASSET_ENTRY))) {
    throw new SecureKeyConfigError(`EnvelopeFunction: the bundled handler ${path.join(ASSET_DIR, ASSET_ENTRY)} is missing. Build it with \`npx projen bundle:envelope\` (node lambda/build-bundle.mjs); a published cdk-secure-key package contains it.`);
  }
  // index.js and the chunks it loads on first use (audit.js, credentials.js: lambda/build-bundle.mjs).
  return lambda.Code.fromAsset(ASSET_DIR, { exclude: ['*', '!*.js'] });
}

function acknowledge(scope: IConstruct, ids: string[], reason: string): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}

/** Synth-time prop checks; messages name the prop, the value received and what is allowed. */
class PropChecker {
  constructor(private readonly constructPath: string) {}

  public error(prop: string, problem: string, received: string, allowed: string): SecureKeyConfigError {
    return new SecureKeyConfigError(`EnvelopeFunction ${this.constructPath}: '${prop}' ${problem}. Received: ${received}. Allowed: ${allowed}.`);
  }

  public integer(prop: string, value: number, range: IntegerRange): number {
    if (Token.isUnresolved(value)) return value;
    if (!Number.isInteger(value) || value < range.min || value > range.max) {
      throw this.error(prop, 'is out of range', String(value), `a whole number of ${range.unit} from ${range.min} to ${range.max}`);
    }
    return value;
  }

  public bytes(prop: string, size: Size, range: IntegerRange): number | undefined {
    if (size.isUnresolved()) return undefined;
    const bytes = size.toBytes();
    if (!Number.isInteger(bytes) || bytes < range.min || bytes > range.max) {
      throw this.error(prop, 'is out of range', `${bytes} bytes`, `${range.min} to ${range.max} bytes`);
    }
    return bytes;
  }

  public wholeSeconds(prop: string, d: Duration, range: IntegerRange): number | undefined {
    return this.whole(prop, d.toSeconds({ integral: false }), range, 'seconds');
  }

  public wholeMinutes(prop: string, d: Duration, range: IntegerRange): number | undefined {
    return this.whole(prop, d.toMinutes({ integral: false }), range, 'minutes');
  }

  public contextKeys(keys: string[]): void {
    if (keys.length === 0) throw this.error('encryptionContextKeys', 'is empty', '[]', 'at least one key, or leave it unset to allow any encryption context');
    for (const k of keys) {
      if (Token.isUnresolved(k)) continue;
      if (k.length === 0) throw this.error('encryptionContextKeys', 'contains an empty key', '\'\'', 'non-empty keys');
      if (k.startsWith('aws-crypto-')) {
        throw this.error('encryptionContextKeys', 'contains a reserved key', `'${k}'`, 'keys that do not start with \'aws-crypto-\' (the message format reserves them; aws-crypto-public-key is allowed automatically)');
      }
    }
  }

  public listValues(prop: string, values: string[]): void {
    for (const v of values) {
      if (Token.isUnresolved(v)) continue;
      if (v.trim().length === 0 || v.includes(',')) {
        throw this.error(prop, 'contains an empty value or a comma', `'${v}'`, 'IAM or STS ARNs, 12-digit account IDs or service principals such as s3.amazonaws.com, one per element');
      }
    }
  }

  private whole(prop: string, n: number, range: IntegerRange, unit: string): number | undefined {
    if (Token.isUnresolved(n)) return undefined;
    if (!Number.isInteger(n) || n < range.min || n > range.max) {
      throw this.error(prop, 'is out of range', `${n} ${unit}`, `a whole number of ${unit} from ${range.min} to ${range.max}`);
    }
    return n;
  }
}
