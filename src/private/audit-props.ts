/**
 * KeyAudit's props checked and resolved before any resource is created: each problem is a
 * SecureKeyConfigError naming the construct path, the prop, the value received and what is allowed.
 */
import { Arn, ArnFormat, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EMAIL_PATTERN, LOG_GROUP_NAME_PATTERN, trailNameProblem } from './audit';
import { isSecureKey } from './audit-key';
import { Described, PropChecker, SecureKeyConfigError } from './validation';
import type { KeyAuditProps } from '../key-audit';
import type { SecureKey } from '../secure-key';

/** What a created trail is made of. */
export interface CreatedTrailSettings {
  readonly trailName: string;
  readonly logGroupName: string;
  readonly logRetention: logs.RetentionDays;
  readonly logFileExpiration: Duration;
}

/** KeyAudit's props after validation, with their defaults filled in. */
export interface CheckedAuditProps {
  /** The existing trail's ARN, or undefined when KeyAudit creates the trail. */
  readonly existingTrailArn?: string;
  /** Set when KeyAudit creates the trail. */
  readonly created?: CreatedTrailSettings;
  readonly emails: string[];
  /** Metric filters and alarms per key (needs a log group). */
  readonly keyAlarms: boolean;
  /** Whether a log group exists to filter (a created trail's, or existingTrailLogGroup). */
  readonly hasLogGroup: boolean;
  readonly accountWideAlarm: boolean;
  readonly eventRule: boolean;
  readonly extraEventNames: string[];
  /** The keys a usage report runs for (empty without usageReport). */
  readonly reportKeys: SecureKey[];
}

const TRAIL_ARN = /^arn:[a-z-]+:cloudtrail:[a-z0-9-]+:\d{12}:trail\/.+$/;
const KMS_EVENT_NAME = /^[A-Z][A-Za-z]+$/;

/** Checks `props` of the KeyAudit `scope` and returns what the constructor builds from. */
export function checkAuditProps(scope: Construct, props: KeyAuditProps): CheckedAuditProps {
  const path = scope.node.path;
  const checker = new PropChecker('KeyAudit', path);
  const fail = (prop: string, problem: string, received: string, allowed: string): SecureKeyConfigError =>
    checker.error(prop, problem, new Described(received), allowed);

  checkKeys(scope, props.keys, fail);
  const existing = props.existingTrailArn;
  if (existing !== undefined && !Token.isUnresolved(existing) && !TRAIL_ARN.test(existing)) {
    throw fail('existingTrailArn', 'is not a trail ARN', `'${existing}'`, 'arn:<partition>:cloudtrail:<region>:<account>:trail/<name>');
  }
  checkTrailPropsMatchTrailSource(props, fail);
  const created = existing === undefined ? createdTrailSettings(scope, props, fail) : undefined;
  checkEncryptionKey(props, fail);

  const emails = props.alarmEmails ?? [];
  for (const e of emails) {
    if (!Token.isUnresolved(e) && !EMAIL_PATTERN.test(e)) throw fail('alarmEmails', 'contains a value that is not an e-mail address', `'${e}'`, 'addresses such as security@example.com');
  }
  const hasLogGroup = existing === undefined || props.existingTrailLogGroup !== undefined;
  const accountWideAlarm = props.cisAccountWideAlarm ?? false;
  if (accountWideAlarm && !hasLogGroup) {
    throw fail('cisAccountWideAlarm', 'needs a log group to filter', 'true with existingTrailArn and no existingTrailLogGroup',
      'set existingTrailLogGroup to the log group the existing trail delivers to, or let KeyAudit create the trail');
  }
  if (props.alarms === true && !hasLogGroup) {
    throw fail('alarms', 'needs a log group to filter', 'true with existingTrailArn and no existingTrailLogGroup',
      'set existingTrailLogGroup, or leave alarms unset (then only the event rule notifies)');
  }
  const extraEventNames = props.additionalEventNames ?? [];
  for (const name of extraEventNames) {
    if (!Token.isUnresolved(name) && !KMS_EVENT_NAME.test(name)) {
      throw fail('additionalEventNames', 'contains a value that is not a KMS API name', `'${name}'`, 'CloudTrail event names such as RetireGrant or CreateAlias (no kms: prefix)');
    }
  }
  if (props.eventRules === false && extraEventNames.length > 0) {
    throw fail('additionalEventNames', 'needs the event rule, which eventRules turns off', 'eventRules: false', 'remove additionalEventNames or set eventRules to true (or leave it unset)');
  }
  return {
    existingTrailArn: existing,
    created,
    emails,
    keyAlarms: props.alarms ?? true,
    hasLogGroup,
    accountWideAlarm,
    eventRule: props.eventRules ?? true,
    extraEventNames,
    reportKeys: props.usageReport === undefined ? [] : usageReportKeys(props.keys, fail),
  };
}

type Fail = (prop: string, problem: string, received: string, allowed: string) => SecureKeyConfigError;

function checkKeys(scope: Construct, keys: kms.IKey[], fail: Fail): void {
  const stack = Stack.of(scope);
  if (keys.length === 0) throw fail('keys', 'is empty', '[]', 'one or more keys to audit');
  for (const key of keys) {
    if (key instanceof kms.Alias) {
      throw fail('keys', 'contains an alias', `the alias ${key.node.path}`, 'keys only: CloudTrail names the key ARN in its records, not the alias');
    }
    const region = Token.isUnresolved(key.keyArn) ? undefined : Arn.split(key.keyArn, ArnFormat.SLASH_RESOURCE_NAME).region;
    if (region !== undefined && !Token.isUnresolved(stack.region) && region !== stack.region) {
      throw fail('keys', 'contains a key of another region', key.keyArn,
        `keys of ${stack.region}, this stack's region (KMS events reach EventBridge in the key's region; audit each region in a stack there)`);
    }
  }
}

/** Props of a created trail are refused with an existing one, and existingTrailLogGroup without one. */
function checkTrailPropsMatchTrailSource(props: KeyAuditProps, fail: Fail): void {
  if (props.existingTrailArn === undefined) {
    if (props.existingTrailLogGroup !== undefined) {
      throw fail('existingTrailLogGroup', 'needs existingTrailArn', 'no existingTrailArn', 'set existingTrailArn too, or remove it (a created trail has its own log group)');
    }
    return;
  }
  const trailOnly: Array<[string, unknown]> = [['trailName', props.trailName], ['trailBucket', props.trailBucket],
    ['logFileExpiration', props.logFileExpiration], ['logGroupName', props.logGroupName], ['logRetention', props.logRetention]];
  const set = trailOnly.filter(([, v]) => v !== undefined).map(([n]) => n);
  if (set.length > 0) {
    throw fail(set[0], 'configures a created trail, but existingTrailArn is set', `${set.join(', ')} with existingTrailArn`,
      `remove ${set.join(', ')}, or remove existingTrailArn to create a trail`);
  }
}

function createdTrailSettings(scope: Construct, props: KeyAuditProps, fail: Fail): CreatedTrailSettings {
  const trailName = props.trailName ?? Names.uniqueResourceName(scope, { maxLength: 128, separator: '-' });
  if (Token.isUnresolved(trailName)) {
    throw fail('trailName', 'is a token', trailName, 'a name known at synth: the audit key\'s policy names the trail, and a generated name would make the key and the trail depend on each other');
  }
  const problem = trailNameProblem(trailName);
  if (problem !== undefined) {
    throw fail('trailName', `is not a valid trail name (it ${problem})`, `'${trailName}'`, '3 to 128 letters, digits, ., _ and -, starting and ending with a letter or digit, no two of ., _, - in a row');
  }
  const logGroupName = props.logGroupName ?? `/securekey/audit/${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}`;
  if (Token.isUnresolved(logGroupName) || !LOG_GROUP_NAME_PATTERN.test(logGroupName)) {
    throw fail('logGroupName', Token.isUnresolved(logGroupName) ? 'is a token' : 'is not a valid log group name', logGroupName,
      '1 to 512 characters from a-z A-Z 0-9 . - _ / # known at synth (the audit key\'s policy names the log group)');
  }
  const logFileExpiration = props.logFileExpiration ?? Duration.days(365);
  const expirationDays = logFileExpiration.toDays({ integral: false });
  if (!Token.isUnresolved(expirationDays) && (!Number.isInteger(expirationDays) || expirationDays < 1)) {
    throw fail('logFileExpiration', 'is out of range', logFileExpiration.toHumanString(), 'a whole number of days, at least 1');
  }
  return { trailName, logGroupName, logFileExpiration, logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR };
}

function checkEncryptionKey(props: KeyAuditProps, fail: Fail): void {
  const ek = props.encryptionKey;
  if (ek === undefined) return;
  if (props.keys.includes(ek)) {
    throw fail('encryptionKey', 'is one of the audited keys', ek.node.path,
      'a separate key: the alarm topic and the trail must still work when an audited key is disabled or pending deletion');
  }
  if (ek.keySpec !== kms.KeySpec.SYMMETRIC_DEFAULT || ek.keyUsage !== kms.KeyUsage.ENCRYPT_DECRYPT) {
    throw fail('encryptionKey', 'is not a symmetric encryption key', `${ek.keySpec} / ${ek.keyUsage}`,
      'a SecureKey with the default keySpec and keyUsage (CloudTrail, CloudWatch Logs and SNS encrypt only with those)');
  }
}

function usageReportKeys(keys: kms.IKey[], fail: Fail): SecureKey[] {
  return keys.map((key) => {
    if (!isSecureKey(key) || key.keySpec !== kms.KeySpec.SYMMETRIC_DEFAULT || key.keyUsage !== kms.KeyUsage.ENCRYPT_DECRYPT) {
      throw fail('usageReport', 'needs symmetric encryption SecureKeys', key.node.path,
        'audited keys that are SecureKeys with the default keySpec and keyUsage (the report runs in an EnvelopeFunction), or no usageReport');
    }
    return key;
  });
}
