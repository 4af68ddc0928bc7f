import { createHash } from 'node:crypto';
import { KEY_ARN } from './support';
import { InvalidRequestError } from '../../../lambda/handler/errors';
import { buildCallLogRecord, CallDetails, CallLogger, MAX_LOGGED_CONTEXT_KEYS } from '../../../lambda/handler/logger';

function capture(): { lines: string[]; logger: CallLogger; advance: (ms: number) => void } {
  const lines: string[] = [];
  let t = Date.parse('2025-05-20T12:00:00Z');
  const logger = new CallLogger({ sink: (l) => lines.push(l), now: () => t, keyArn: KEY_ARN });
  return { lines, logger, advance: (ms) => { t += ms; } };
}

describe('CallLogger', () => {
  test('logs one JSON line per call with the whitelisted fields', () => {
    const { lines, logger, advance } = capture();
    const call = logger.start('encrypt', 'c0ffee-1234');
    advance(42);
    call.succeed({ inputBytes: 1000, outputBytes: 1200, encryptionContext: { tenant: 'a', purpose: 'b' }, cache: 'hit', kmsCalls: 0 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(JSON.parse(lines[0])).toEqual({
      timestamp: '2025-05-20T12:00:00.042Z',
      level: 'INFO',
      type: 'securekey.call',
      operation: 'encrypt',
      outcome: 'success',
      durationMs: 42,
      requestId: 'c0ffee-1234',
      keyArn: KEY_ARN,
      inputBytes: 1000,
      outputBytes: 1200,
      encryptionContextKeys: ['purpose', 'tenant'],
      cache: 'hit',
      kmsCalls: 0,
    });
  });

  test('logs a failure with the error type only', () => {
    const { lines, logger } = capture();
    logger.start('decrypt').fail(new InvalidRequestError('Field "message" is missing'), { inputBytes: 10 });
    const rec = JSON.parse(lines[0]);
    expect(rec).toMatchObject({ level: 'ERROR', outcome: 'error', errorType: 'InvalidRequestError', operation: 'decrypt', inputBytes: 10 });
    expect(lines[0]).not.toContain('missing');
  });

  test('an unknown error is logged as InternalError', () => {
    const { lines, logger } = capture();
    logger.start('encrypt').fail(new RangeError('offset out of range'));
    expect(JSON.parse(lines[0]).errorType).toBe('InternalError');
    expect(lines[0]).not.toContain('offset');
  });

  test('a timer logs once, even if finished twice', () => {
    const { lines, logger } = capture();
    const call = logger.start('usageReport');
    call.succeed();
    call.fail(new Error('late'));
    expect(lines).toHaveLength(1);
  });

  test('usage-report calls log the report headline', () => {
    const { lines, logger } = capture();
    logger.start('usageReport').succeed({ usageReport: { events: 10, principals: 3, complete: false, unexpectedPrincipals: ['arn:aws:iam::111122223333:user/Mallory', 'bad value with spaces'] } });
    expect(JSON.parse(lines[0])).toMatchObject({ usageReportEvents: 10, usageReportPrincipals: 3, usageReportComplete: false, usageReportUnexpected: 2, unexpectedPrincipals: ['arn:aws:iam::111122223333:user/Mallory', expect.stringMatching(/^sha256:[0-9a-f]{16}$/)] });
  });

  test('writes to standard output by default', () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      new CallLogger().start('encrypt').succeed();
      expect(write).toHaveBeenCalledTimes(1);
      expect(String(write.mock.calls[0][0])).toMatch(/^\{"timestamp":.*"operation":"encrypt".*\}\n$/);
    } finally {
      write.mockRestore();
    }
  });
});

describe('buildCallLogRecord whitelist', () => {
  const base = { at: 0, durationMs: 1, operation: 'encrypt', outcome: 'success' as const };

  test('drops properties that are not whitelisted', () => {
    const details = { inputBytes: 5, plaintext: 'SECRET', dataKey: Buffer.from('KEY'), message: 'M' } as unknown as CallDetails;
    const rec = buildCallLogRecord({ ...base, details });
    expect(Object.keys(rec).sort()).toEqual(['durationMs', 'inputBytes', 'level', 'operation', 'outcome', 'timestamp', 'type']);
  });

  test('drops values of the wrong type or shape', () => {
    const details = { inputBytes: -1, outputBytes: NaN, kmsCalls: '3', cache: 'warm', encryptionContext: 'a=b' } as unknown as CallDetails;
    const rec = buildCallLogRecord({ ...base, operation: 'exfiltrate', requestId: 'has spaces', keyArn: 'not an arn!', details });
    expect(rec).toEqual({ timestamp: '1970-01-01T00:00:00.000Z', level: 'INFO', type: 'securekey.call', operation: 'unknown', outcome: 'success', durationMs: 1 });
  });

  test('an error type that is not a plain name becomes InternalError', () => {
    expect(buildCallLogRecord({ ...base, outcome: 'error', errorType: 'x: y' }).errorType).toBe('InternalError');
  });

  test('logs at most MAX_LOGGED_CONTEXT_KEYS context keys; long names as a hash', () => {
    const ctx = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${String(i).padStart(2, '0')}${'x'.repeat(200)}`, 'v']));
    const keys = buildCallLogRecord({ ...base, details: { encryptionContext: ctx } }).encryptionContextKeys!;
    expect(keys).toHaveLength(MAX_LOGGED_CONTEXT_KEYS);
    expect(keys[0]).toBe(`sha256:${createHash('sha256').update(`k00${'x'.repeat(200)}`).digest('hex').slice(0, 16)}`);
  });

  test('plain key names are logged as they are; names with other characters or a filter word are hashed', () => {
    const keys = buildCallLogRecord({ ...base, details: { encryptionContext: { 'tenant': 'v', 'aws:s3:arn': 'v', 'has space': 'v', 'line\nbreak': 'v', 'myoutcome': 'v', '\u001b[31m': 'v' } } }).encryptionContextKeys!;
    expect(keys.filter((k) => !k.startsWith('sha256:'))).toEqual(['aws:s3:arn', 'tenant']);
    expect(keys.filter((k) => /^sha256:[0-9a-f]{16}$/.test(k))).toHaveLength(4);
    expect(keys.join()).not.toMatch(/space|break|outcome|\u001b/);
  });
});
