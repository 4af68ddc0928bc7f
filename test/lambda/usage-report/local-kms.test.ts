import { asLookupItem, FakeTime, paginate, ScriptedCloudTrail } from './support';
import { LocalKms } from '../../../lambda/providers/local-kms';
import { summarizeKeyUsage } from '../../../lambda/usage-report';
import { reportKeyUsage } from '../../../lambda/usage-report/lookup';

// Audits the CloudTrail records LocalKms writes for real calls, served through a LookupEvents double.
describe('audit of LocalKms CloudTrail records', () => {
  const start = Date.parse('2025-06-01T12:00:00Z');
  let tick = 0;
  const clock = (): Date => new Date(start + 1000 * tick++);
  const admin = new LocalKms({ clock, callerArn: 'arn:aws:iam::111122223333:user/Admin' });
  const worker1 = admin.withCaller('arn:aws:sts::111122223333:assumed-role/Worker/task-1');
  const worker2 = admin.withCaller('arn:aws:sts::111122223333:assumed-role/Worker/task-2');
  const stranger = admin.withCaller('arn:aws:iam::111122223333:user/Stranger');
  let keyArn = '';

  beforeAll(async () => {
    keyArn = (await admin.createKey({})).KeyMetadata.Arn!;
    const other = (await admin.createKey({})).KeyMetadata.Arn!;
    const ec = { purpose: 'audit-test' };
    const { CiphertextBlob } = await worker1.encrypt({ KeyId: keyArn, Plaintext: Buffer.from('hello'), EncryptionContext: ec });
    await worker2.decrypt({ CiphertextBlob, EncryptionContext: ec });
    await worker2.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: ec });
    await worker1.reEncrypt({ CiphertextBlob, SourceEncryptionContext: ec, DestinationKeyId: other, DestinationEncryptionContext: ec });
    await stranger.generateDataKey({ KeyId: other, KeySpec: 'AES_256' });
    await admin.disableKey({ KeyId: keyArn });
    await expect(stranger.encrypt({ KeyId: keyArn, Plaintext: Buffer.from('x') })).rejects.toMatchObject({ name: 'DisabledException' });
  });

  test('counts each caller and operation of the key, and flags the unexpected ones', async () => {
    const records = admin.cloudTrailEvents();
    const time = new FakeTime();
    // LookupEvents returns newest first.
    const client = new ScriptedCloudTrail(paginate(records.map(asLookupItem).reverse(), 3), time);
    const report = await reportKeyUsage(client, {
      keyArn,
      startTime: new Date(start),
      endTime: new Date(start + 3_600_000),
      expectedPrincipals: ['arn:aws:iam::111122223333:role/Worker', 'arn:aws:iam::111122223333:user/Admin'],
      now: time.now,
      sleep: time.sleep,
    });
    const byId = Object.fromEntries(report.principals.map((p) => [p.principal, p]));
    const worker = byId['arn:aws:iam::111122223333:role/Worker'];
    expect(worker.type).toBe('AssumedRole');
    expect(Object.keys(worker.operations).sort()).toEqual(['Decrypt', 'Encrypt', 'GenerateDataKey', 'ReEncrypt']);
    expect(worker.sessionNames).toEqual(['task-1', 'task-2']);
    expect(byId['arn:aws:iam::111122223333:user/Admin'].operations).toHaveProperty('CreateKey');
    expect(byId['arn:aws:iam::111122223333:user/Admin'].operations).toHaveProperty('DisableKey');
    expect(byId['arn:aws:iam::111122223333:user/Stranger']).toMatchObject({ count: 1, errorCount: 1, expected: false });
    expect(report.unexpectedPrincipals).toEqual(['arn:aws:iam::111122223333:user/Stranger']);
    // The other key's CreateKey and the Stranger's GenerateDataKey on it are not this key's usage.
    expect(report.ignored.otherKeys).toBe(2);
    expect(report.totals.failedCalls).toBe(1);
    expect(report.complete).toBe(true);
  });

  test('summarizing the raw records directly gives the same counts', () => {
    const records = admin.cloudTrailEvents();
    const report = summarizeKeyUsage(records, { keyArn, window: { start: new Date(start), end: new Date(start + 3_600_000) } });
    expect(report.totals.events).toBe(records.length - 2);
    expect(JSON.stringify(report)).not.toContain('audit-test');
  });
});
