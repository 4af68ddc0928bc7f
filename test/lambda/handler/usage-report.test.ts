import { testConfig } from './support';
import { parseRequest } from '../../../lambda/handler/events';
import { CallLogger } from '../../../lambda/handler/logger';
import { usageReportLogDetails, runUsageReportRequest } from '../../../lambda/handler/usage-report';
import { RequestRateLimiter } from '../../../lambda/usage-report/rate-limit';
import { asLookupItem, FakeTime, loadFixture, paginate, ScriptedCloudTrail } from '../usage-report/support';

const fx = loadFixture();

describe('runUsageReportRequest', () => {
  const config = testConfig({
    SECUREKEY_KEY_ARN: fx.keyArn,
    SECUREKEY_USAGE_REPORT_EXPECTED_PRINCIPALS: 'arn:aws:iam::111122223333:role/AppRole,arn:aws:iam::111122223333:user/Alice,cloudtrail.amazonaws.com',
  });

  test('a scheduled event audits the function key and logs the findings', async () => {
    const time = new FakeTime();
    const request = parseRequest(
      { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'time': '2025-05-20T11:15:00Z', 'detail': {} },
      { config, now: new Date('2025-05-20T11:15:05Z') },
    );
    if (request.operation !== 'usageReport') throw new Error('expected audit');
    const client = new ScriptedCloudTrail(paginate(fx.records.map(asLookupItem)), time);
    const limiter = new RequestRateLimiter({ now: time.now, sleep: time.sleep });
    const report = await runUsageReportRequest(client, request, config, { limiter, now: time.now, sleep: time.sleep });
    expect(client.inputs[0]).toMatchObject({ StartTime: new Date('2025-05-20T10:00:00Z'), EndTime: new Date('2025-05-20T11:00:00Z') });
    expect(client.inputs[0].LookupAttributes).toEqual([{ AttributeKey: 'ResourceName', AttributeValue: fx.keyArn }]);
    expect(report.window).toEqual({ start: '2025-05-20T10:00:00.000Z', end: '2025-05-20T11:00:00.000Z' });

    const lines: string[] = [];
    new CallLogger({ sink: (l) => lines.push(l) }).start('usageReport').succeed(usageReportLogDetails(report));
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ operation: 'usageReport', usageReportComplete: true, usageReportUnexpected: 3 });
    expect([...line.unexpectedPrincipals].sort()).toEqual(['444455556666', 'arn:aws:iam::111122223333:root', 'arn:aws:iam::111122223333:user/Mallory']);
  });

  test('stops reading before the Lambda runs out of time', async () => {
    const time = new FakeTime();
    const request = parseRequest({ operation: 'usageReport', maxPages: 5 }, { config, now: new Date('2025-05-20T11:30:00Z') });
    if (request.operation !== 'usageReport') throw new Error('expected audit');
    const client = new ScriptedCloudTrail(paginate(fx.records.map(asLookupItem), 2), time);
    const report = await runUsageReportRequest(client, request, config, { remainingTimeMs: 4000, now: time.now, sleep: time.sleep });
    // 1000 ms of budget after the margin: pages at 0 and 500 ms, none at 1000 ms.
    expect(client.inputs).toHaveLength(2);
    expect(report.complete).toBe(false);
    expect(report.truncation?.reason).toBe('deadline');
  });
});
