import { randomBytes } from 'node:crypto';
import { NOW, testConfig } from './support';
import { toErrorResponse } from '../../../lambda/handler/errors';
import { parseRequest } from '../../../lambda/handler/events';
import { CallDetails, CallLogger } from '../../../lambda/handler/logger';

// Distinctive markers stand in for plaintext and context values; every captured log line and error
// response is searched for them (raw, base64 and hex).
const PLAINTEXT = `plaintext-marker-${randomBytes(12).toString('hex')}`;
const CONTEXT_VALUE = `context-marker-${randomBytes(12).toString('hex')}`;
const DATA_KEY = randomBytes(32);
const forms = (s: string | Buffer): string[] => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
  return [b.toString('hex'), b.toString('base64'), ...(Buffer.isBuffer(s) ? [] : [s])];
};
const SECRETS = [...forms(PLAINTEXT), ...forms(CONTEXT_VALUE), ...forms(DATA_KEY)];

const config = testConfig({ SECUREKEY_REENCRYPT_DESTINATION_KEY_ARNS: 'arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321' });
const pt64 = Buffer.from(PLAINTEXT).toString('base64');

const badEvents: Array<[string, unknown]> = [
  ['base64url plaintext', { operation: 'encrypt', plaintext: pt64.replace(/\+/g, '-').replace(/=+$/, '') + '-_' }],
  ['plaintext with whitespace', { operation: 'encrypt', plaintext: `${pt64.slice(0, 8)} ${pt64.slice(8)}   ` }],
  ['plaintext sent as a raw string', { operation: 'encrypt', plaintext: PLAINTEXT }],
  ['plaintext sent as bytes', { operation: 'encrypt', plaintext: [...Buffer.from(PLAINTEXT)] }],
  ['plaintext in an unknown field', { operation: 'encrypt', plaintext: pt64, data: PLAINTEXT }],
  ['plaintext as the operation', { operation: PLAINTEXT }],
  ['context value of the wrong type', { operation: 'encrypt', plaintext: pt64, encryptionContext: { tenant: [CONTEXT_VALUE] } }],
  ['context value with a lone surrogate', { operation: 'encrypt', plaintext: pt64, encryptionContext: { tenant: `${CONTEXT_VALUE}\ud800` } }],
  ['reserved context key', { operation: 'encrypt', plaintext: pt64, encryptionContext: { 'aws-crypto-x': CONTEXT_VALUE } }],
  ['oversized context', { operation: 'encrypt', plaintext: pt64, encryptionContext: { tenant: CONTEXT_VALUE.repeat(3000) } }],
  ['context as a string', { operation: 'decrypt', message: pt64, encryptionContext: `tenant=${CONTEXT_VALUE}` }],
  ['oversized plaintext', { operation: 'encrypt', plaintext: pt64.repeat(200_000) }],
  ['destination key carrying data', { operation: 'reEncrypt', message: pt64, destinationKeyArn: PLAINTEXT }],
  ['audit time carrying data', { operation: 'usageReport', endTime: PLAINTEXT }],
  ['audit principals carrying data', { operation: 'usageReport', expectedPrincipals: [{ v: CONTEXT_VALUE }] }],
];

describe('no plaintext, data key or context value in logs or error responses', () => {
  const lines: string[] = [];
  const logger = new CallLogger({ sink: (l) => lines.push(l), keyArn: config.keyArn });
  const responses: string[] = [];

  afterAll(() => {
    // The final sweep over everything captured in this file.
    const all = [...lines, ...responses].join('\n');
    for (const secret of SECRETS) expect(all).not.toContain(secret);
  });

  test.each(badEvents)('rejecting %s', (_name, event) => {
    const call = logger.start(typeof (event as { operation?: unknown }).operation === 'string' ? (event as { operation: string }).operation : 'unknown');
    let caught: unknown;
    try {
      parseRequest(event, { config, now: NOW });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeDefined();
    const response = JSON.stringify(toErrorResponse(caught));
    call.fail(caught, { encryptionContext: { tenant: CONTEXT_VALUE } });
    responses.push(response, String((caught as Error).message), String((caught as Error).stack));
    for (const secret of SECRETS) {
      expect(response).not.toContain(secret);
      expect(lines[lines.length - 1]).not.toContain(secret);
      expect(String((caught as Error).stack)).not.toContain(secret);
    }
  });

  test('a successful call logs context keys and sizes, not values or data', () => {
    const req = parseRequest({ operation: 'encrypt', plaintext: pt64, encryptionContext: { tenant: CONTEXT_VALUE } }, { config, now: NOW });
    if (req.operation !== 'encrypt') throw new Error('expected encrypt');
    // Everything a careless caller might pass along, including fields the logger does not know.
    const details = { inputBytes: req.plaintext.length, encryptionContext: req.encryptionContext, plaintext: req.plaintext, dataKey: DATA_KEY, cache: 'miss', kmsCalls: 1 };
    logger.start('encrypt', 'req-1').succeed(details as unknown as CallDetails);
    const line = lines[lines.length - 1];
    expect(JSON.parse(line)).toMatchObject({ inputBytes: Buffer.byteLength(PLAINTEXT), encryptionContextKeys: ['tenant'], cache: 'miss', kmsCalls: 1 });
    for (const secret of SECRETS) expect(line).not.toContain(secret);
  });

  test('an unexpected error quoting data is neither returned nor logged', () => {
    const err = new Error(`could not process ${PLAINTEXT} with key ${DATA_KEY.toString('hex')} for ${CONTEXT_VALUE}`);
    const response = JSON.stringify(toErrorResponse(err));
    logger.start('decrypt').fail(err);
    responses.push(response);
    for (const secret of SECRETS) {
      expect(response).not.toContain(secret);
      expect(lines[lines.length - 1]).not.toContain(secret);
    }
  });

  test('the markers are findable, so the searches above can fail', () => {
    const leaky = JSON.stringify({ plaintext: PLAINTEXT, context: { tenant: CONTEXT_VALUE }, key: DATA_KEY.toString('base64') });
    expect(SECRETS.filter((s) => leaky.includes(s)).length).toBeGreaterThanOrEqual(3);
  });
});
