import { CloudTrailClient, ThrottlingException, InvalidTimeRangeException } from '@aws-sdk/client-cloudtrail';
import { asLookupItem, FakeTime, loadFixture, paginate, ScriptedCloudTrail } from './support';
import { ConfigurationError } from '../../../lambda/core/errors';
import {
  UsageReportLookupError, UsageReportThrottledError, backoffDelayMs, isThrottlingError, RequestRateLimiter,
} from '../../../lambda/usage-report';
import { reportKeyUsage, CloudTrailLookupClient, lookupKeyEvents } from '../../../lambda/usage-report/lookup';
import type { LookupEventsItem } from '../../../lambda/usage-report/records';

const fx = loadFixture();
const startTime = new Date('2025-05-20T09:30:00Z');
const endTime = new Date('2025-05-20T11:00:00Z');

function clock(time: FakeTime): { now: () => number; sleep: (ms: number) => Promise<void> } {
  return { now: time.now, sleep: time.sleep };
}

function throttle(): ThrottlingException {
  return new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
}

/** `n` Decrypt events by one role, newest first, one minute apart, ending at 10:59. */
function manyEvents(n: number): LookupEventsItem[] {
  const base = fx.records[0];
  return Array.from({ length: n }, (_, i) => asLookupItem({
    ...base,
    eventID: `gen-${i}`,
    eventTime: new Date(Date.parse('2025-05-20T10:59:00Z') - i * 1000).toISOString(),
  }));
}

describe('lookupKeyEvents', () => {
  test('asks for the key ARN, 50 per page, and follows NextToken to the end', async () => {
    const time = new FakeTime();
    const items = manyEvents(120);
    const client = new ScriptedCloudTrail(paginate(items), time);
    const { events, stats } = await lookupKeyEvents(client, { keyArn: fx.keyArn, startTime, endTime, now: time.now, sleep: time.sleep });
    expect(events).toHaveLength(120);
    expect(stats).toEqual({ pagesRead: 3, eventsRead: 120, requests: 3, throttledRetries: 0 });
    expect(client.inputs.map((i) => i.NextToken)).toEqual([undefined, 'page-2', 'page-3']);
    for (const input of client.inputs) {
      expect(input.LookupAttributes).toEqual([{ AttributeKey: 'ResourceName', AttributeValue: fx.keyArn }]);
      expect(input.MaxResults).toBe(50);
      expect(input.StartTime).toEqual(startTime);
      expect(input.EndTime).toEqual(endTime);
    }
  });

  test('can look up by event source instead', async () => {
    const time = new FakeTime();
    const client = new ScriptedCloudTrail(paginate([]), time);
    await lookupKeyEvents(client, { keyArn: fx.keyArn, startTime, endTime, lookupBy: 'EventSource', now: time.now, sleep: time.sleep });
    expect(client.inputs[0].LookupAttributes).toEqual([{ AttributeKey: 'EventSource', AttributeValue: 'kms.amazonaws.com' }]);
  });

  test('keeps requests at least 500 ms apart (2 per second)', async () => {
    const time = new FakeTime();
    const client = new ScriptedCloudTrail(paginate(manyEvents(200)), time);
    await lookupKeyEvents(client, { keyArn: fx.keyArn, startTime, endTime, now: time.now, sleep: time.sleep });
    expect(client.sentAt).toHaveLength(4);
    for (let i = 1; i < client.sentAt.length; i++) {
      expect(client.sentAt[i] - client.sentAt[i - 1]).toBeGreaterThanOrEqual(500);
    }
  });

  test('retries throttling with jittered backoff, then succeeds', async () => {
    const time = new FakeTime();
    const pages = paginate(manyEvents(60));
    const client = new ScriptedCloudTrail([throttle(), throttle(), pages[0], throttle(), pages[1]], time);
    const { events, stats } = await lookupKeyEvents(client, {
      keyArn: fx.keyArn, startTime, endTime, now: time.now, sleep: time.sleep, retry: { random: () => 0.5 },
    });
    expect(events).toHaveLength(60);
    expect(stats).toMatchObject({ pagesRead: 2, requests: 5, throttledRetries: 3 });
    // Backoff sleeps are half the ceiling (random 0.5): 250 then 500 for the first page, 250 for the second.
    expect(time.sleeps.filter((ms) => ms === 250 || ms === 500).length).toBeGreaterThanOrEqual(3);
    // A retried request repeats the same token.
    expect(client.inputs.map((i) => i.NextToken)).toEqual([undefined, undefined, undefined, 'page-2', 'page-2']);
  });

  test('persistent throttling ends in a typed error after maxAttempts', async () => {
    const time = new FakeTime();
    const client = new ScriptedCloudTrail(Array.from({ length: 10 }, throttle), time);
    const run = lookupKeyEvents(client, { keyArn: fx.keyArn, startTime, endTime, now: time.now, sleep: time.sleep, retry: { maxAttempts: 4 } });
    await expect(run).rejects.toThrow(UsageReportThrottledError);
    await expect(run).rejects.toMatchObject({ errorType: 'UsageReportThrottledError', attempts: 4, message: expect.stringMatching(/throttled 4 times.*2 requests per second/) });
    expect(client.inputs).toHaveLength(4);
  });

  test('backoff stays under its cap', () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      expect(backoffDelayMs(attempt, 500, 8000, () => 0.999999)).toBeLessThan(8000);
      expect(backoffDelayMs(attempt, 500, 8000, () => 0)).toBe(0);
    }
    expect(backoffDelayMs(2, 500, 8000, () => 0.5)).toBe(1000);
  });

  test('other CloudTrail errors are not retried and keep their name', async () => {
    const time = new FakeTime();
    const err = new InvalidTimeRangeException({ message: 'Start time must be before end time', $metadata: {} });
    const client = new ScriptedCloudTrail([err, ...paginate([])], time);
    const run = lookupKeyEvents(client, { keyArn: fx.keyArn, startTime, endTime, now: time.now, sleep: time.sleep });
    await expect(run).rejects.toThrow(UsageReportLookupError);
    await expect(run).rejects.toMatchObject({ cloudTrailErrorName: 'InvalidTimeRangeException', message: expect.stringContaining('Start time must be before end time') });
    expect(client.inputs).toHaveLength(1);
  });

  test('stops at maxPages and says so', async () => {
    const time = new FakeTime();
    const client = new ScriptedCloudTrail(paginate(manyEvents(200)), time);
    const { events, stats } = await lookupKeyEvents(client, { keyArn: fx.keyArn, startTime, endTime, maxPages: 2, now: time.now, sleep: time.sleep });
    expect(events).toHaveLength(100);
    expect(stats.truncated?.reason).toBe('maxPages');
    expect(stats.truncated?.oldestEventTime?.toISOString()).toBe(new Date(Date.parse('2025-05-20T10:59:00Z') - 99_000).toISOString());
    expect(client.inputs).toHaveLength(2);
  });

  test('stops at maxEvents, keeping exactly that many', async () => {
    const time = new FakeTime();
    const client = new ScriptedCloudTrail(paginate(manyEvents(200)), time);
    const { events, stats } = await lookupKeyEvents(client, { keyArn: fx.keyArn, startTime, endTime, maxEvents: 70, ...clock(time) });
    expect(events).toHaveLength(70);
    expect(stats.truncated?.reason).toBe('maxEvents');
  });

  test('reading exactly maxEvents with no further page is complete', async () => {
    const time = new FakeTime();
    const client = new ScriptedCloudTrail(paginate(manyEvents(50)), time);
    const { stats } = await lookupKeyEvents(client, { keyArn: fx.keyArn, startTime, endTime, maxEvents: 50, now: time.now, sleep: time.sleep });
    expect(stats.truncated).toBeUndefined();
  });

  test('stops before a page that would start after the deadline', async () => {
    const time = new FakeTime();
    const client = new ScriptedCloudTrail(paginate(manyEvents(200)), time);
    const { stats } = await lookupKeyEvents(client, { keyArn: fx.keyArn, startTime, endTime, deadline: time.t + 600, ...clock(time) });
    expect(stats.pagesRead).toBe(2);
    expect(stats.truncated?.reason).toBe('deadline');
  });

  test('a shared limiter spaces concurrent lookups too', async () => {
    const time = new FakeTime();
    const limiter = new RequestRateLimiter({ now: time.now, sleep: time.sleep });
    const client = new ScriptedCloudTrail([...paginate(manyEvents(10)), ...paginate(manyEvents(10))], time);
    await Promise.all([
      lookupKeyEvents(client, { keyArn: fx.keyArn, startTime, endTime, limiter, now: time.now, sleep: time.sleep }),
      lookupKeyEvents(client, { keyArn: fx.keyArn, startTime, endTime, limiter, now: time.now, sleep: time.sleep }),
    ]);
    expect(time.sleeps).toEqual([500]);
  });

  test.each([
    ['a key ID instead of an ARN', { keyArn: '1234abcd-12ab-34cd-56ef-1234567890ab' }, /keyArn must be a KMS key ARN/],
    ['a reversed window', { startTime: endTime, endTime: startTime }, /is after endTime.*swap/],
    ['maxPages 0', { maxPages: 0 }, /maxPages must be a whole number of at least 1, got 0/],
    ['maxEvents 1.5', { maxEvents: 1.5 }, /maxEvents must be a whole number of at least 1, got 1.5/],
  ])('rejects %s', async (_name, override, message) => {
    const time = new FakeTime();
    const client = new ScriptedCloudTrail([], time);
    const run = lookupKeyEvents(client, { keyArn: fx.keyArn, startTime, endTime, now: time.now, sleep: time.sleep, ...override });
    await expect(run).rejects.toThrow(ConfigurationError);
    await expect(run).rejects.toThrow(message);
    expect(client.inputs).toHaveLength(0);
  });

  test('recognises throttling errors by name, retryable flag or HTTP 429', () => {
    expect(isThrottlingError(throttle())).toBe(true);
    expect(isThrottlingError({ name: 'X', $retryable: { throttling: true } })).toBe(true);
    expect(isThrottlingError({ name: 'X', $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isThrottlingError(new Error('boom'))).toBe(false);
    expect(isThrottlingError(undefined)).toBe(false);
  });

  test('a real CloudTrailClient fits the client interface (compile-time check)', () => {
    const client: CloudTrailLookupClient = new CloudTrailClient({ region: 'us-east-1' });
    expect(typeof client.send).toBe('function');
  });
});

describe('reportKeyUsage', () => {
  test('reads the fixture over two pages and reports the unexpected principals', async () => {
    const time = new FakeTime();
    const client = new ScriptedCloudTrail(paginate(fx.records.map(asLookupItem), 8), time);
    const report = await reportKeyUsage(client, {
      keyArn: fx.keyArn,
      startTime,
      endTime,
      now: time.now,
      sleep: time.sleep,
      expectedPrincipals: ['arn:aws:iam::111122223333:role/AppRole', 'arn:aws:iam::111122223333:user/Alice', 'cloudtrail.amazonaws.com'],
    });
    expect(report.complete).toBe(true);
    expect(report.lookup).toEqual({ pagesRead: 2, requests: 2, throttledRetries: 0 });
    expect(report.totals.events).toBe(10);
    expect([...report.unexpectedPrincipals].sort()).toEqual(['444455556666', 'arn:aws:iam::111122223333:root', 'arn:aws:iam::111122223333:user/Mallory']);
  });

  test('a truncated lookup yields an incomplete report', async () => {
    const time = new FakeTime();
    const client = new ScriptedCloudTrail(paginate(fx.records.map(asLookupItem), 5), time);
    const report = await reportKeyUsage(client, { keyArn: fx.keyArn, startTime, endTime, maxPages: 1, now: time.now, sleep: time.sleep });
    expect(report.complete).toBe(false);
    expect(report.truncation?.reason).toBe('maxPages');
    expect(report.totals.events).toBe(5);
  });
});
