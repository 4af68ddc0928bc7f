import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { KeyAudit, KeyAuditOptions, SecureKey } from '../../src';
import { trailNameProblem } from '../../src/private/audit';
import { newStack } from '../support/secure-key-fixtures';

const TRAIL = 'arn:aws:cloudtrail:us-east-1:111111111111:trail/org';

function auditError(audit: KeyAuditOptions): string {
  const stack = newStack();
  try {
    new SecureKey(stack, 'Data', { audit });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the audit options to be rejected');
}

describe('KeyAudit rejects bad options, naming the prop, the value and what is allowed', () => {
  test.each<[string, KeyAuditOptions, string]>([
    ['an ARN that is not a trail', { existingTrailArn: 'arn:aws:s3:::bucket' },
      "KeyAudit Stack/DataAudit: 'existingTrailArn' is not a trail ARN. Received: 'arn:aws:s3:::bucket'. Allowed: arn:<partition>:cloudtrail:<region>:<account>:trail/<name>."],
    ['trail settings with an existing trail', { existingTrailArn: TRAIL, trailName: 'x-trail', logRetention: logs.RetentionDays.ONE_DAY },
      "KeyAudit Stack/DataAudit: 'trailName' configures a created trail, but existingTrailArn is set. Received: trailName, logRetention with existingTrailArn. Allowed: remove trailName, logRetention, or remove existingTrailArn to create a trail."],
    ['a trail name with a bad character', { trailName: 'my trail' },
      "KeyAudit Stack/DataAudit: 'trailName' is not a valid trail name (it contains a character other than letters, digits, ., _ and -). Received: 'my trail'. Allowed: 3 to 128 letters, digits, ., _ and -, starting and ending with a letter or digit, no two of ., _, - in a row."],
    ['a log group name with a bad character', { logGroupName: 'logs:bad' },
      "KeyAudit Stack/DataAudit: 'logGroupName' is not a valid log group name. Received: logs:bad. Allowed: 1 to 512 characters from a-z A-Z 0-9 . - _ / # known at synth (the audit key's policy names the log group)."],
    ['a fractional log file expiration', { logFileExpiration: Duration.hours(36) },
      "KeyAudit Stack/DataAudit: 'logFileExpiration' is out of range. Received: 1 day 12 hours. Allowed: a whole number of days, at least 1."],
    ['a malformed e-mail address', { alarmEmails: ['security'] },
      "KeyAudit Stack/DataAudit: 'alarmEmails' contains a value that is not an e-mail address. Received: 'security'. Allowed: addresses such as security@example.com."],
    ['the account-wide alarm without a log group', { existingTrailArn: TRAIL, cisAccountWideAlarm: true },
      "KeyAudit Stack/DataAudit: 'cisAccountWideAlarm' needs a log group to filter. Received: true with existingTrailArn and no existingTrailLogGroup. Allowed: set existingTrailLogGroup to the log group the existing trail delivers to, or let KeyAudit create the trail."],
    ['alarms: true without a log group', { existingTrailArn: TRAIL, alarms: true },
      "KeyAudit Stack/DataAudit: 'alarms' needs a log group to filter. Received: true with existingTrailArn and no existingTrailLogGroup. Allowed: set existingTrailLogGroup, or leave alarms unset (then only the event rule notifies)."],
    ['an event name with the kms: prefix', { additionalEventNames: ['kms:RetireGrant'] },
      "KeyAudit Stack/DataAudit: 'additionalEventNames' contains a value that is not a KMS API name. Received: 'kms:RetireGrant'. Allowed: CloudTrail event names such as RetireGrant or CreateAlias (no kms: prefix)."],
    ['extra event names with the rule off', { eventRules: false, additionalEventNames: ['RetireGrant'] },
      "KeyAudit Stack/DataAudit: 'additionalEventNames' needs the event rule, which eventRules turns off. Received: eventRules: false. Allowed: remove additionalEventNames or set eventRules to true (or leave it unset)."],
  ])('fails for %s', (_name, audit, message) => {
    expect(auditError(audit)).toBe(message);
  });

  test('fails if the audit key is an audited key (its alarm could not be delivered once it is disabled)', () => {
    const stack = newStack();
    const key = new SecureKey(stack, 'Data');
    expect(() => new KeyAudit(stack, 'Audit', { keys: [key], encryptionKey: key })).toThrow(
      "KeyAudit Stack/Audit: 'encryptionKey' is one of the audited keys. Received: Stack/Data. Allowed: a separate key: the alarm topic and the trail must still work when an audited key is disabled or pending deletion.");
  });

  test('fails if the audit key is not a symmetric encryption key', () => {
    const stack = newStack();
    const signing = new SecureKey(stack, 'Signing', { keySpec: kms.KeySpec.ECC_NIST_P256, keyUsage: kms.KeyUsage.SIGN_VERIFY });
    expect(() => new SecureKey(stack, 'Data', { audit: { encryptionKey: signing } })).toThrow(
      "KeyAudit Stack/DataAudit: 'encryptionKey' is not a symmetric encryption key. Received: ECC_NIST_P256 / SIGN_VERIFY.");
  });

  test('fails for no keys, an alias, or a key of another region', () => {
    const stack = newStack();
    expect(() => new KeyAudit(stack, 'None', { keys: [] })).toThrow("KeyAudit Stack/None: 'keys' is empty. Received: []. Allowed: one or more keys to audit.");
    const key = new SecureKey(stack, 'Data');
    const alias = key.addAlias('data');
    expect(() => new KeyAudit(stack, 'Alias', { keys: [alias] })).toThrow("KeyAudit Stack/Alias: 'keys' contains an alias.");
    const far = kms.Key.fromKeyArn(stack, 'Far', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(() => new KeyAudit(stack, 'Far2', { keys: [far] })).toThrow(
      "KeyAudit Stack/Far2: 'keys' contains a key of another region. Received: arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab.");
  });

  test('fails for a usage report over a key that is not a symmetric encryption SecureKey', () => {
    const stack = newStack();
    const imported = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(() => new KeyAudit(stack, 'Audit', { keys: [imported], usageReport: { schedule: events.Schedule.rate(Duration.hours(1)) } })).toThrow(
      "KeyAudit Stack/Audit: 'usageReport' needs symmetric encryption SecureKeys. Received: Stack/Imported.");
  });

  test('a bad option leaves no half-built audit behind', () => {
    const stack = newStack();
    expect(() => new SecureKey(stack, 'Data', { audit: { alarmEmails: ['nope'] } })).toThrow();
    expect(stack.node.tryFindChild('DataAudit')?.node.children ?? []).toHaveLength(0);
  });

  test.each([
    ['ab', 'has 2 characters'],
    ['-trail', 'does not start and end with a letter or digit'],
    ['my--trail', 'has two of ., _ and - next to each other'],
    ['10.0.0.1', 'looks like an IP address'],
    ['my-trail_1.a', undefined],
  ])('trail name %s: %s', (name, problem) => {
    expect(trailNameProblem(name)).toBe(problem);
  });
});
