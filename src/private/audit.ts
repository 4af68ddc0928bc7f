/**
 * Pure pieces of KeyAudit: the event names it watches, the metric-filter and event-rule patterns,
 * name limits, and the compliance records its settings earn. No constructs here.
 */
import { ComplianceRecord } from './compliance';

/** The two key-state changes CIS 4.7 / Security Hub CloudWatch.7 alarm on. */
export const DISABLE_OR_DELETE_EVENTS = ['DisableKey', 'ScheduleKeyDeletion'];

/**
 * CloudTrail events on a key that change who can use it, what it is, or whether it exists. The
 * EventBridge rule notifies each one (the issue's list; CancelKeyDeletion and EnableKey undo harm
 * and are left out).
 */
export const SENSITIVE_KEY_EVENTS = [
  'PutKeyPolicy',
  'ScheduleKeyDeletion',
  'DisableKey',
  'DisableKeyRotation',
  'CreateGrant',
  'DeleteAlias',
  'UpdateAlias',
  'ImportKeyMaterial',
  'DeleteImportedKeyMaterial',
  'ReplicateKey',
  'UpdatePrimaryRegion',
];

export const METRIC_NAMESPACE = 'SecureKey/KeyAudit';

/** The one encryption-context key the usage report's function may use data keys with (no caller's data carries it). */
export const USAGE_REPORT_CONTEXT_KEY = 'cdk-secure-key:usage-report-only';

/**
 * CIS's own filter for every customer managed key of the account, character for character: Security
 * Hub's CloudWatch.7 check looks for this pattern.
 */
export const CIS_KEY_DISABLE_OR_DELETE_PATTERN = '{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))}';

/**
 * The CIS filter narrowed to one key: KMS records name the key in `resources[0].ARN` for both
 * events (the caller's `keyId` parameter may be an ID or an ARN, so it is not used). A multi-Region key
 * passes one ARN per Region of its set: the multi-Region trail delivers every Region's events to the one
 * log group, so disabling a replica raises the same alarm.
 */
export function keyDisableOrDeletePattern(keyArns: string[]): string {
  const match = keyArns.map((arn) => `($.resources[0].ARN = "${arn}")`).join(' || ');
  return '{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion))'
    + ` && ${keyArns.length > 1 ? `(${match})` : match} }`;
}

/** EventBridge pattern for the keys' sensitive CloudTrail events (the key ARN in `detail.resources[].ARN`). */
export function sensitiveEventPattern(keyArns: string[], eventNames: string[]): {
  source: string[]; detailType: string[]; detail: Record<string, unknown>;
} {
  return {
    source: ['aws.kms'],
    detailType: ['AWS API Call via CloudTrail'],
    detail: {
      eventSource: ['kms.amazonaws.com'],
      eventName: eventNames,
      resources: { ARN: keyArns },
    },
  };
}

/**
 * CloudTrail trail names: 3 to 128 characters from letters, digits, `.`, `_` and `-`, starting and
 * ending with a letter or digit, no two of `.`, `_`, `-` in a row, not an IP address.
 */
export const TRAIL_NAME_LIMITS = { min: 3, max: 128 } as const;

export function trailNameProblem(name: string): string | undefined {
  if (name.length < TRAIL_NAME_LIMITS.min || name.length > TRAIL_NAME_LIMITS.max) return `has ${name.length} characters`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return 'contains a character other than letters, digits, ., _ and -';
  if (!/^[A-Za-z0-9].*[A-Za-z0-9]$/.test(name)) return 'does not start and end with a letter or digit';
  if (/[._-]{2}/.test(name)) return 'has two of ., _ and - next to each other';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'looks like an IP address';
  return undefined;
}

/** Log group names CloudWatch Logs accepts. */
export const LOG_GROUP_NAME_PATTERN = /^[.\-_/#A-Za-z0-9]{1,512}$/;

/** A deliberately loose e-mail check: SNS confirms the address; this catches a wrong value in the wrong place. */
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What KeyAudit's created trail and alarms are, as far as the compliance records need to know. */
export interface AuditSettings {
  readonly createdTrail: boolean;
  readonly existingTrailArn?: string;
  /** The created trail bucket has server access logging (false when the user passed a bucket). */
  readonly bucketAccessLogging: boolean;
  readonly bucketIsOurs: boolean;
  readonly logGroup: boolean;
  readonly logRetentionDays?: number;
  readonly keyAlarms: boolean;
  readonly accountWideAlarm: boolean;
  readonly alarmHasSubscribers: boolean;
}

const HUB = 'AWS Security Hub';
const CIS = 'CIS AWS Foundations Benchmark v3.0.0';

/** The controls KeyAudit's settings satisfy (or, said plainly, do not). */
export function auditComplianceRecords(s: AuditSettings): ComplianceRecord[] {
  const records: ComplianceRecord[] = [];
  const add = (framework: string, control: string, ok: boolean | 'n/a', setting: string, evidence: string): void => {
    records.push({ framework, control, status: ok === 'n/a' ? 'not-applicable' : ok ? 'satisfied' : 'not-satisfied', setting, evidence });
  };
  if (s.createdTrail) {
    const multi = 'A multi-Region trail that records read and write management events (ReadWriteType All) and excludes no event source, so KMS events are recorded.';
    add(HUB, 'CloudTrail.1', true, 'trail: created', multi);
    add(CIS, '3.1', true, 'trail: created', multi);
    const kms = 'The trail encrypts its log files with a KMS key (the audit key) whose policy lets CloudTrail use it only for this trail.';
    add(HUB, 'CloudTrail.2', true, 'encryptionKey', kms);
    add(CIS, '3.5', true, 'encryptionKey', kms);
    add(HUB, 'CloudTrail.3', true, 'trail: created', 'The trail is created with IsLogging true.');
    const validation = 'Log file validation is on: CloudTrail writes signed digest files.';
    add(HUB, 'CloudTrail.4', true, 'trail: created', validation);
    add(CIS, '3.2', true, 'trail: created', validation);
    add(HUB, 'CloudTrail.5', s.logGroup, 'trail: created',
      'The trail delivers to a CloudWatch Logs log group encrypted with the audit key.');
    add(HUB, 'CloudTrail.6', s.bucketIsOurs ? true : 'n/a', s.bucketIsOurs ? 'trailBucket: created' : 'trailBucket',
      s.bucketIsOurs ? 'The log bucket blocks all public access and denies requests without TLS.' : 'The log bucket was passed in; its public access settings are its owner\'s.');
    const accessLogging = s.bucketAccessLogging
      ? 'The log bucket writes server access logs to a separate bucket.'
      : 'The log bucket was passed in; its server access logging is its owner\'s.';
    add(HUB, 'CloudTrail.7', s.bucketAccessLogging ? true : 'n/a', s.bucketIsOurs ? 'trailBucket: created' : 'trailBucket', accessLogging);
    add(CIS, '3.4', s.bucketAccessLogging ? true : 'n/a', s.bucketIsOurs ? 'trailBucket: created' : 'trailBucket', accessLogging);
    if (s.logRetentionDays !== undefined) {
      add(HUB, 'CloudWatch.16', s.logRetentionDays >= 365, 'logRetention',
        `The trail's log group keeps events for ${s.logRetentionDays >= 9999 ? 'ever' : `${s.logRetentionDays} days`} (the control asks for at least 365).`);
    }
  } else {
    for (const c of ['CloudTrail.1', 'CloudTrail.2', 'CloudTrail.3', 'CloudTrail.4', 'CloudTrail.5', 'CloudTrail.6', 'CloudTrail.7']) {
      add(HUB, c, 'n/a', 'existingTrailArn', `An existing trail (${s.existingTrailArn ?? 'unnamed'}) is used; its settings are outside this construct.`);
    }
  }
  if (s.accountWideAlarm) {
    const text = `A metric filter with CIS's pattern (every customer managed key of the account) and an alarm to the audit topic${s.alarmHasSubscribers ? ', which has subscribers' : ' (add a subscriber: the control needs one)'}.`;
    add(HUB, 'CloudWatch.7', s.alarmHasSubscribers, 'cisAccountWideAlarm: true', text);
    add(CIS, '4.7', true, 'cisAccountWideAlarm: true', text);
  } else {
    const text = s.keyAlarms
      ? 'The metric filter and alarm cover only the audited keys (their ARNs are part of the pattern); Security Hub looks for CIS\'s account-wide pattern. Set cisAccountWideAlarm to add it.'
      : 'No metric filter and alarm on DisableKey and ScheduleKeyDeletion (alarms off, or no log group to filter).';
    add(HUB, 'CloudWatch.7', false, 'cisAccountWideAlarm: false', text);
    add(CIS, '4.7', false, 'cisAccountWideAlarm: false', text);
  }
  return records;
}
