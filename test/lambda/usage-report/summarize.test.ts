import { asLookupItem, loadFixture } from './support';
import { ConfigurationError } from '../../../lambda/core/errors';
import { normalizePrincipal, principalMatchKey, summarizeKeyUsage, toKeyEvent } from '../../../lambda/usage-report';

const fx = loadFixture();
const window = { start: new Date('2025-05-20T09:30:00Z'), end: new Date('2025-05-20T11:00:00Z') };
const APP_ROLE = 'arn:aws:iam::111122223333:role/service-role/AppRole';
const ALICE = 'arn:aws:iam::111122223333:user/Alice';
const MALLORY = 'arn:aws:iam::111122223333:user/Mallory';
const ROOT = 'arn:aws:iam::111122223333:root';
const expectedPrincipals = ['arn:aws:iam::111122223333:role/AppRole', ALICE, 'cloudtrail.amazonaws.com'];

describe('summarizeKeyUsage on LookupEvents items', () => {
  const report = summarizeKeyUsage(fx.records.map(asLookupItem), { keyArn: fx.keyArn, window, expectedPrincipals });

  test('counts per principal, with assumed-role sessions counted as their role', () => {
    const byId = Object.fromEntries(report.principals.map((p) => [p.principal, p]));
    expect(Object.keys(byId).sort()).toEqual([ROOT, ALICE, MALLORY, APP_ROLE, '444455556666', 'cloudtrail.amazonaws.com'].sort());
    const app = byId[APP_ROLE];
    expect(app.type).toBe('AssumedRole');
    expect(app.count).toBe(4);
    expect(app.operations.Decrypt.count).toBe(2);
    expect(app.operations.GenerateDataKey.count).toBe(2);
    expect(app.sessionNames).toEqual(['i-0abc1234', 'lambda-fn-1']);
    expect(app.sessionCount).toBe(2);
    expect(app.invokedBy).toEqual(['s3.amazonaws.com']);
    expect(app.firstSeen).toBe('2025-05-20T10:00:00.000Z');
    expect(app.lastSeen).toBe('2025-05-20T10:55:00.000Z');
    expect(byId[ALICE].operations).toEqual({
      Encrypt: { count: 1, errorCount: 0, firstSeen: '2025-05-20T10:20:00.000Z', lastSeen: '2025-05-20T10:20:00.000Z' },
      ReEncrypt: { count: 1, errorCount: 0, firstSeen: '2025-05-20T10:25:00.000Z', lastSeen: '2025-05-20T10:25:00.000Z' },
    });
    expect(byId[ROOT].operations.CreateGrant.count).toBe(1);
    expect(byId['cloudtrail.amazonaws.com'].type).toBe('AWSService');
    expect(byId['444455556666'].type).toBe('AWSAccount');
    expect(byId[MALLORY]).toMatchObject({ count: 1, errorCount: 1 });
  });

  test('orders principals by activity, then name', () => {
    expect(report.principals[0].principal).toBe(APP_ROLE);
    expect(report.principals[1].principal).toBe(ALICE);
    const counts = report.principals.map((p) => p.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  test('counts per operation with distinct principals', () => {
    expect(report.operations.map((o) => [o.operation, o.count, o.principals])).toEqual([
      ['Decrypt', 4, 3],
      ['GenerateDataKey', 3, 2],
      ['CreateGrant', 1, 1],
      ['Encrypt', 1, 1],
      ['ReEncrypt', 1, 1],
    ]);
    expect(report.totals).toEqual({ events: 10, failedCalls: 1, principals: 6, operations: 5 });
  });

  test('flags principals outside the expected set (role path and session ARNs do not matter)', () => {
    expect(report.expectedPrincipalsChecked).toBe(true);
    expect([...report.unexpectedPrincipals].sort()).toEqual([ROOT, MALLORY, '444455556666'].sort());
    expect(report.principals.find((p) => p.principal === APP_ROLE)?.expected).toBe(true);
  });

  test('ignores other keys, other services, events outside the window and repeated event IDs', () => {
    expect(report.ignored).toEqual({ otherKeys: 1, otherSources: 1, outsideWindow: 1, unreadable: 0, duplicates: 1 });
    expect(report.complete).toBe(true);
    expect(report.truncation).toBeUndefined();
    expect(report.window).toEqual({ start: '2025-05-20T09:30:00.000Z', end: '2025-05-20T11:00:00.000Z' });
  });

  test('never copies encryption context or request parameters into the report', () => {
    const json = JSON.stringify(report);
    expect(json).not.toContain('acme');
    expect(json).not.toContain('aws:s3:arn');
  });
});

describe('summarizeKeyUsage inputs', () => {
  test('raw CloudTrail records give the same report as LookupEvents items', () => {
    const fromItems = summarizeKeyUsage(fx.records.map(asLookupItem), { keyArn: fx.keyArn, window, expectedPrincipals });
    const fromRecords = summarizeKeyUsage(fx.records, { keyArn: fx.keyArn, window, expectedPrincipals });
    expect(fromRecords).toEqual(fromItems);
  });

  test('the other key of a ReEncrypt sees the ReEncrypt and its own Decrypt', () => {
    const r = summarizeKeyUsage(fx.records, { keyArn: fx.otherKeyArn, window });
    expect(r.operations.map((o) => o.operation).sort()).toEqual(['Decrypt', 'ReEncrypt']);
    expect(r.expectedPrincipalsChecked).toBe(false);
    expect(r.unexpectedPrincipals).toEqual([]);
    expect(r.principals[0].expected).toBeUndefined();
  });

  test('counts unreadable items instead of failing', () => {
    const r = summarizeKeyUsage([{ CloudTrailEvent: '{not json' }, { EventName: 'Decrypt' }, asLookupItem(fx.records[0])], { keyArn: fx.keyArn, window });
    expect(r.ignored.unreadable).toBe(2);
    expect(r.totals.events).toBe(1);
  });

  test('records without resources match on requestParameters.keyId (ARN or bare key ID)', () => {
    const { resources: _drop, ...bare } = fx.records[2];
    const byId = { ...bare, eventID: 'x1', requestParameters: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' } };
    const other = { ...bare, eventID: 'x2', requestParameters: { keyId: 'ffffffff-12ab-34cd-56ef-1234567890ab' } };
    const r = summarizeKeyUsage([byId, other], { keyArn: fx.keyArn, window });
    expect(r.totals.events).toBe(1);
    expect(r.ignored.otherKeys).toBe(1);
  });

  test('a window that excludes everything gives an empty report', () => {
    const r = summarizeKeyUsage(fx.records, { keyArn: fx.keyArn, window: { start: new Date('2025-05-21T00:00:00Z'), end: new Date('2025-05-22T00:00:00Z') } });
    expect(r.totals.events).toBe(0);
    expect(r.principals).toEqual([]);
    expect(r.ignored.outsideWindow).toBe(12);
  });

  test('a truncated lookup makes the report incomplete and says what it covers', () => {
    const r = summarizeKeyUsage(fx.records, {
      keyArn: fx.keyArn,
      window,
      lookup: { pagesRead: 2, eventsRead: 100, requests: 3, throttledRetries: 1, truncated: { reason: 'maxPages', oldestEventTime: new Date('2025-05-20T10:10:00Z') } },
    });
    expect(r.complete).toBe(false);
    expect(r.truncation?.reason).toBe('maxPages');
    expect(r.truncation?.coveredFrom).toBe('2025-05-20T10:10:00.000Z');
    expect(r.truncation?.message).toMatch(/maxPages cap was reached.*2025-05-20T10:10:00.000Z to 2025-05-20T11:00:00.000Z/);
    expect(r.lookup).toEqual({ pagesRead: 2, requests: 3, throttledRetries: 1 });
  });

  test.each([
    ['an empty key ARN', { keyArn: '', window }, /keyArn must be/],
    ['a reversed window', { keyArn: fx.keyArn, window: { start: window.end, end: window.start } }, /is after window.end.*swap/],
    ['an invalid date', { keyArn: fx.keyArn, window: { start: new Date('nope'), end: window.end } }, /valid Dates/],
  ])('fails on %s', (_name, options, message) => {
    expect(() => summarizeKeyUsage([], options)).toThrow(ConfigurationError);
    expect(() => summarizeKeyUsage([], options)).toThrow(message);
  });
});

describe('normalizePrincipal', () => {
  test.each([
    ['an assumed role without session issuer (role rebuilt from the STS ARN)',
      { type: 'AssumedRole', principalId: 'AROAX:sess', arn: 'arn:aws:sts::111122223333:assumed-role/Worker/sess', accountId: '111122223333' },
      { id: 'arn:aws:iam::111122223333:role/Worker', type: 'AssumedRole', sessionName: 'sess' }],
    ['an IAM user', { type: 'IAMUser', arn: ALICE, accountId: '111122223333', userName: 'Alice' }, { id: ALICE, type: 'IAMUser' }],
    ['the root user without ARN', { type: 'Root', accountId: '111122223333' }, { id: ROOT, type: 'Root' }],
    ['an AWS service', { type: 'AWSService', invokedBy: 'logs.amazonaws.com' }, { id: 'logs.amazonaws.com', type: 'AWSService' }],
    ['another account', { type: 'AWSAccount', principalId: 'AIDAX', accountId: '444455556666' }, { id: '444455556666', type: 'AWSAccount' }],
    ['a web identity user', { type: 'WebIdentityUser', principalId: 'accounts.google.com:app:user', userName: 'user' }, { id: 'WebIdentityUser:user', type: 'WebIdentityUser' }],
    ['a missing identity', undefined, { id: 'unknown', type: 'Unknown' }],
  ])('%s', (_name, identity, expected) => {
    expect(normalizePrincipal(identity)).toMatchObject(expected);
  });

  test('principalMatchKey treats paths and sessions as the same principal', () => {
    expect(principalMatchKey('arn:aws:iam::111122223333:role/a/b/App')).toBe(principalMatchKey('arn:aws:iam::111122223333:role/App'));
    expect(principalMatchKey('arn:aws:sts::111122223333:assumed-role/App/s1')).toBe('arn:aws:iam::111122223333:role/App');
    expect(principalMatchKey('arn:aws:iam::111122223333:user/App')).not.toBe(principalMatchKey('arn:aws:iam::111122223333:role/App'));
  });

  test('toKeyEvent reads a record and keeps the error code', () => {
    const e = toKeyEvent(fx.records[8]);
    expect(e).toMatchObject({ eventName: 'Decrypt', errorCode: 'AccessDenied', principal: { id: MALLORY } });
  });
});
