import { LocalKms } from '../../../lambda/providers/local-kms';
import { LocalKmsStore } from '../../../lambda/providers/local-kms-store';

/** The top-level fields KMS events have in CloudTrail (see the KMS developer guide's log entry examples). */
const EVENT_FIELDS = [
  'awsRegion', 'eventCategory', 'eventID', 'eventName', 'eventSource', 'eventTime', 'eventType', 'eventVersion',
  'managementEvent', 'readOnly', 'recipientAccountId', 'requestID', 'requestParameters', 'resources', 'responseElements',
  'sourceIPAddress', 'userAgent', 'userIdentity',
];

describe('CloudTrail records', () => {
  const start = new Date('2026-03-04T05:06:07.890Z');

  test('a data-plane call is recorded in CloudTrail\'s shape, with no plaintext', async () => {
    const kms = new LocalKms({ region: 'eu-west-1', accountId: '123456789012', clock: () => start });
    const { KeyMetadata } = await kms.createKey({});
    const secret = Buffer.from('TOP-SECRET-PLAINTEXT');
    await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: secret, EncryptionContext: { tenant: 't1' } });
    const dk = await kms.generateDataKey({ KeyId: KeyMetadata.Arn, KeySpec: 'AES_256', EncryptionContext: { tenant: 't1' } });
    const events = kms.cloudTrailEvents();
    expect(events.map((e) => e.eventName)).toEqual(['CreateKey', 'Encrypt', 'GenerateDataKey']);
    const e = events[2];
    expect(Object.keys(e).filter((k) => k !== 'additionalEventData').sort()).toEqual(EVENT_FIELDS);
    expect(e).toMatchObject({
      eventVersion: expect.stringMatching(/^1\.\d+$/),
      eventTime: '2026-03-04T05:06:07Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'GenerateDataKey',
      awsRegion: 'eu-west-1',
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/local-kms-user', accountId: '123456789012', principalId: expect.stringMatching(/^AIDA[A-Z2-7]{17}$/) },
      requestParameters: { keyId: KeyMetadata.Arn, keySpec: 'AES_256', encryptionContext: { tenant: 't1' } },
      responseElements: null,
      readOnly: true,
      eventType: 'AwsApiCall',
      recipientAccountId: '123456789012',
      resources: [{ ARN: KeyMetadata.Arn, type: 'AWS::KMS::Key', accountId: '123456789012' }],
      additionalEventData: { keyMaterialId: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(e.eventID).not.toBe(events[1].eventID);
    const all = JSON.stringify(events);
    expect(all).not.toContain(secret.toString());
    expect(all).not.toContain(secret.toString('base64'));
    expect(all).not.toContain(Buffer.from(dk.Plaintext).toString('base64'));
  });

  test('management calls are not read-only and carry response elements; failures carry errorCode', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({ Description: 'd' });
    await kms.scheduleKeyDeletion({ KeyId: KeyMetadata.KeyId, PendingWindowInDays: 7 });
    await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: Buffer.from('x') }).catch(() => undefined);
    const [create, schedule, failed] = kms.cloudTrailEvents();
    expect(create).toMatchObject({ readOnly: false, responseElements: { keyMetadata: { keyId: KeyMetadata.KeyId, arn: KeyMetadata.Arn } } });
    expect(schedule).toMatchObject({ eventName: 'ScheduleKeyDeletion', readOnly: false, requestParameters: { keyId: KeyMetadata.KeyId, pendingWindowInDays: 7 }, responseElements: { keyState: 'PendingDeletion' } });
    expect(failed).toMatchObject({ eventName: 'Encrypt', errorCode: 'KMSInvalidStateException', errorMessage: expect.stringContaining('pending deletion'), responseElements: null });
  });

  test('withCaller records another principal; forRegion records its region; both share one log', async () => {
    const kms = new LocalKms({ callerArn: 'arn:aws:sts::111122223333:assumed-role/AppRole/session-1' });
    const { KeyMetadata } = await kms.createKey({ MultiRegion: true });
    await kms.replicateKey({ KeyId: KeyMetadata.KeyId, ReplicaRegion: 'eu-west-1' });
    await kms.withCaller('arn:aws:iam::111122223333:root').describeKey({ KeyId: KeyMetadata.KeyId });
    await kms.forRegion('eu-west-1').withCaller('lambda.amazonaws.com').describeKey({ KeyId: KeyMetadata.KeyId });
    const events = kms.cloudTrailEvents();
    expect(events.map((e) => [e.eventName, e.userIdentity.type, e.awsRegion])).toEqual([
      ['CreateKey', 'AssumedRole', 'us-east-1'],
      ['ReplicateKey', 'AssumedRole', 'us-east-1'],
      ['DescribeKey', 'Root', 'us-east-1'],
      ['DescribeKey', 'AWSService', 'eu-west-1'],
    ]);
    expect(events[0].userIdentity.principalId).toMatch(/^AROA[A-Z2-7]{17}:session-1$/);
    expect(kms.cloudTrailEvents({ region: 'eu-west-1' })).toHaveLength(1);
    // Callers get copies: editing one does not change the log.
    events[0].eventName = 'Tampered';
    expect(kms.cloudTrailEvents()[0].eventName).toBe('CreateKey');
  });
});

describe('LocalKms event log bound', () => {
  test('keeps only the newest maxEvents CloudTrail events', async () => {
    const store = new LocalKmsStore({ maxEvents: 3 });
    const kms = new LocalKms({ store });
    const { KeyMetadata } = await kms.createKey({ Description: 'bounded' });
    for (let i = 0; i < 5; i++) await kms.generateDataKey({ KeyId: KeyMetadata!.Arn!, NumberOfBytes: 32 });
    const events = kms.cloudTrailEvents();
    expect(events).toHaveLength(3);
    expect(events.map((e) => e.eventName)).toEqual(['GenerateDataKey', 'GenerateDataKey', 'GenerateDataKey']);
  });

  test('rejects a negative or fractional maxEvents', () => {
    expect(() => new LocalKmsStore({ maxEvents: -1 })).toThrow('maxEvents must be a whole number of events, 0 or more; received -1.');
    expect(() => new LocalKmsStore({ maxEvents: 1.5 })).toThrow('received 1.5');
  });
});
