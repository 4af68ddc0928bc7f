/**
 * Checks an EnvelopeFunction's props and resolves them into the settings the construct builds from:
 * every check runs before any resource exists, so a bad prop leaves nothing half-built.
 */
import { Annotations, Duration, Names, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BranchKeySettings, resolveBranchKeys } from './envelope-branch-keys';
import { ENVELOPE_INTEGER_SETTINGS as LIMITS, LAMBDA_MEMORY_MB, LAMBDA_TIMEOUT_SECONDS } from './envelope-settings';
import { Described, PropChecker } from './validation';
import type { EnvelopeFunctionProps } from '../envelope-function-props';
import type { SecureKey } from '../secure-key';

export const DEFAULT_MEMORY_MB = 512;
export const DEFAULT_TIMEOUT = Duration.seconds(30);
export const RESERVED_CONTEXT_PREFIX = 'aws-crypto-';

/** The usage report's props, whichever name (current or deprecated) the caller used. */
export interface UsageReportSettings {
  readonly enabled: boolean;
  readonly schedule?: events.Schedule;
  readonly expectedPrincipals?: string[];
  readonly lookbackMinutes?: number;
  readonly delayMinutes?: number;
  readonly maxPages?: number;
  readonly findingsTopic?: sns.ITopic;
}

/** Everything the construct builds from, checked. */
export interface EnvelopeSettings {
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly contextKeys?: string[];
  readonly reEncryptEnabled: boolean;
  /** Keys `reEncrypt` may wrap under; empty when re-encryption is off. */
  readonly reEncryptTo: kms.IKey[];
  readonly generateDataKeyEnabled: boolean;
  readonly usageReport: UsageReportSettings;
  readonly cacheMaxAgeSeconds?: number;
  readonly logGroupName: string;
  /** The key that encrypts the log group (and, without a branch key store, wraps data keys). */
  readonly key: SecureKey;
  /** Set when data keys are wrapped by branch keys of a store rather than by `key`. */
  readonly branchKeys?: BranchKeySettings;
}

/** Checks `props` for the EnvelopeFunction `scope`. @throws SecureKeyConfigError */
export function resolveEnvelopeSettings(scope: Construct, props: EnvelopeFunctionProps): EnvelopeSettings {
  const check = new PropChecker('EnvelopeFunction', scope.node.path);
  const branchKeys = resolveBranchKeys(check, props);
  const key = props.key ?? branchKeys?.store.key;
  if (key === undefined) {
    throw check.error('key', 'is not set', new Described('no key and no branchKeyStore'), 'a SecureKey, or a branchKeyStore (whose key then encrypts the log group)');
  }
  // Data keys and CloudWatch Logs encryption exist only for symmetric encryption keys.
  if (key.keySpec !== kms.KeySpec.SYMMETRIC_DEFAULT || key.keyUsage !== kms.KeyUsage.ENCRYPT_DECRYPT) {
    throw check.error('key', 'is not a symmetric encryption key', new Described(`${key.keySpec} / ${key.keyUsage}`),
      `a SecureKey with keySpec ${kms.KeySpec.SYMMETRIC_DEFAULT} and keyUsage ${kms.KeyUsage.ENCRYPT_DECRYPT} (the defaults)`);
  }
  const memorySize = check.integer('memorySize', props.memorySize ?? DEFAULT_MEMORY_MB, { ...LAMBDA_MEMORY_MB, unit: 'MiB' });
  const timeout = props.timeout ?? DEFAULT_TIMEOUT;
  check.wholeSeconds('timeout', timeout, { ...LAMBDA_TIMEOUT_SECONDS, unit: 'seconds' });
  if (props.reservedConcurrentExecutions !== undefined) {
    check.integer('reservedConcurrentExecutions', props.reservedConcurrentExecutions, { min: 0, max: 1_000_000, unit: 'executions' });
  }
  if (props.encryptionContextKeys !== undefined) checkContextKeys(check, props.encryptionContextKeys);
  const reEncrypt = branchKeys ? { reEncryptEnabled: false, reEncryptTo: [] } : resolveReEncrypt(check, props, key);
  const usageReport = resolveUsageReport(scope, check, props);

  if (props.frameLength !== undefined) check.bytes('frameLength', props.frameLength, LIMITS.frameLength);
  if (props.maxEncryptedDataKeys !== undefined) check.integer('maxEncryptedDataKeys', props.maxEncryptedDataKeys, LIMITS.maxEncryptedDataKeys);
  if (props.cacheCapacity !== undefined) check.integer('cacheCapacity', props.cacheCapacity, LIMITS.cacheCapacity);
  const cacheMaxAgeSeconds = props.cacheMaxAge !== undefined
    ? check.wholeSeconds('cacheMaxAge', props.cacheMaxAge, LIMITS.cacheMaxAgeSeconds) : undefined;
  if (props.cacheMaxMessagesEncrypted !== undefined) check.integer('cacheMaxMessagesEncrypted', props.cacheMaxMessagesEncrypted, LIMITS.cacheMaxMessages);
  if (props.cacheMaxBytesEncrypted !== undefined) check.bytes('cacheMaxBytesEncrypted', props.cacheMaxBytesEncrypted, LIMITS.cacheMaxBytes);

  const logGroupName = props.logGroupName ?? `/securekey/envelope-function/${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}`;
  if (Token.isUnresolved(logGroupName)) {
    throw check.error('logGroupName', 'is a token', new Described(logGroupName), 'a name known at synth: the key policy names the log group, and a generated name would make the key and the log group depend on each other');
  }
  if (!/^[.\-_/#A-Za-z0-9]{1,512}$/.test(logGroupName)) {
    throw check.error('logGroupName', 'is not a valid log group name', new Described(logGroupName), '1 to 512 characters from a-z A-Z 0-9 . - _ / #');
  }
  return {
    memorySize,
    timeout,
    contextKeys: props.encryptionContextKeys,
    ...reEncrypt,
    generateDataKeyEnabled: branchKeys === undefined && (props.enableGenerateDataKey ?? true),
    usageReport,
    cacheMaxAgeSeconds,
    logGroupName,
    key,
    branchKeys,
  };
}

function checkContextKeys(check: PropChecker, keys: string[]): void {
  const prop = 'encryptionContextKeys';
  if (keys.length === 0) throw check.error(prop, 'is empty', new Described('[]'), 'at least one key, or leave it unset to allow any encryption context');
  for (const k of keys) {
    if (Token.isUnresolved(k)) continue;
    if (k.length === 0) throw check.error(prop, 'contains an empty key', '', 'non-empty keys');
    if (k.startsWith(RESERVED_CONTEXT_PREFIX)) {
      throw check.error(prop, 'contains a reserved key', k, `keys that do not start with '${RESERVED_CONTEXT_PREFIX}' (the message format reserves them; aws-crypto-public-key is allowed automatically)`);
    }
  }
}

function resolveReEncrypt(check: PropChecker, props: EnvelopeFunctionProps, key: SecureKey): { reEncryptEnabled: boolean; reEncryptTo: kms.IKey[] } {
  const destinations = props.reEncryptDestinationKeys;
  if (props.enableReEncrypt === false && destinations !== undefined && destinations.length > 0) {
    throw check.error('reEncryptDestinationKeys', 'is set while enableReEncrypt is false', new Described(`${destinations.length} key(s)`),
      'either remove reEncryptDestinationKeys or set enableReEncrypt to true (or leave it unset)');
  }
  if (destinations !== undefined && destinations.length === 0) {
    throw check.error('reEncryptDestinationKeys', 'is empty', new Described('[]'), 'at least one key, or leave it unset');
  }
  const reEncryptEnabled = props.enableReEncrypt ?? (destinations !== undefined);
  const reEncryptTo = reEncryptEnabled ? (destinations ?? [key]) : [];
  for (const d of reEncryptTo) {
    if (d instanceof kms.Alias) {
      throw check.error('reEncryptDestinationKeys', 'contains an alias', new Described(`the alias ${d.node.path}`), 'keys only: messages record the key ARN, and the function allows destinations by key ARN');
    }
  }
  return { reEncryptEnabled, reEncryptTo };
}

/** A usage-report prop by its current name, or by its deprecated `audit...` name; never both. */
function either<T>(check: PropChecker, name: string, value: T | undefined, deprecatedName: string, deprecated: T | undefined): T | undefined {
  if (value !== undefined && deprecated !== undefined) {
    throw check.error(deprecatedName, `is set together with ${name}`, new Described('both'), `${name} only (${deprecatedName} is its deprecated name)`);
  }
  return value ?? deprecated;
}

function resolveUsageReport(scope: Construct, check: PropChecker, props: EnvelopeFunctionProps): UsageReportSettings {
  const enable = either(check, 'enableUsageReport', props.enableUsageReport, 'enableAudit', props.enableAudit);
  const schedule = either(check, 'usageReportSchedule', props.usageReportSchedule, 'auditSchedule', props.auditSchedule);
  const principals = either(check, 'usageReportExpectedPrincipals', props.usageReportExpectedPrincipals, 'auditExpectedPrincipals', props.auditExpectedPrincipals);
  const lookback = either(check, 'usageReportLookback', props.usageReportLookback, 'auditLookback', props.auditLookback);
  const delay = either(check, 'usageReportDelay', props.usageReportDelay, 'auditDelay', props.auditDelay);
  const maxPages = either(check, 'usageReportMaxPages', props.usageReportMaxPages, 'auditMaxPages', props.auditMaxPages);
  const topic = either(check, 'usageReportFindingsTopic', props.usageReportFindingsTopic, 'auditFindingsTopic', props.auditFindingsTopic);

  if (enable === false) {
    const named: Array<[string, unknown]> = [
      ['usageReportSchedule', schedule], ['usageReportExpectedPrincipals', principals], ['usageReportLookback', lookback],
      ['usageReportDelay', delay], ['usageReportMaxPages', maxPages], ['usageReportFindingsTopic', topic],
    ];
    const set = named.filter(([, v]) => v !== undefined).map(([n]) => n);
    if (set.length > 0) {
      throw check.error(set[0], 'needs the usage report, which enableUsageReport turns off', new Described('enableUsageReport: false'),
        `remove ${set.join(', ')} or set enableUsageReport to true (or leave it unset)`);
    }
  }
  const lookbackMinutes = lookback !== undefined ? check.wholeMinutes('usageReportLookback', lookback, LIMITS.usageReportLookbackMinutes) : rateMinutes(schedule);
  const delayMinutes = delay !== undefined ? check.wholeMinutes('usageReportDelay', delay, LIMITS.usageReportDelayMinutes) : undefined;
  if (maxPages !== undefined) check.integer('usageReportMaxPages', maxPages, LIMITS.usageReportMaxPages);
  if (principals !== undefined) {
    for (const v of principals) {
      if (Token.isUnresolved(v)) continue;
      if (v.trim().length === 0 || v.includes(',')) {
        throw check.error('usageReportExpectedPrincipals', 'contains an empty value or a comma', v, 'IAM or STS ARNs, 12-digit account IDs or service principals such as s3.amazonaws.com, one per element');
      }
    }
  }
  if (schedule !== undefined && lookback === undefined && lookbackMinutes === undefined) {
    Annotations.of(scope).addWarningV2('cdk-secure-key:usageReportLookback',
      `The usage report's schedule is not a rate, so each scheduled report reads the last ${LIMITS.usageReportLookbackMinutes.default} minutes; set usageReportLookback to the time between runs.`);
  }
  return {
    enabled: enable ?? (schedule !== undefined),
    schedule,
    expectedPrincipals: principals,
    lookbackMinutes,
    delayMinutes,
    maxPages,
    findingsTopic: topic,
  };
}

/** Minutes between runs of `Schedule.rate(...)`; undefined for cron and other expressions. */
function rateMinutes(schedule: events.Schedule | undefined): number | undefined {
  const m = schedule === undefined ? null : /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule.expressionString);
  if (!m) return undefined;
  const n = Number(m[1]);
  const minutes = m[2].startsWith('minute') ? n : m[2].startsWith('hour') ? n * 60 : n * 24 * 60;
  return Math.min(Math.max(minutes, LIMITS.usageReportLookbackMinutes.min), LIMITS.usageReportLookbackMinutes.max);
}
