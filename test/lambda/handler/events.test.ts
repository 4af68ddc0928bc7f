import fc from 'fast-check';
import { KEY_ARN, NOW, OTHER_KEY_ARN, testConfig } from './support';
import { InvalidRequestError, PayloadTooLargeError } from '../../../lambda/handler/errors';
import {
  decodeBase64Field, MAX_BASE64_FIELD_CHARS, MAX_BINARY_FIELD_BYTES, parseRequest,
} from '../../../lambda/handler/events';

const config = testConfig();
const parse = (event: unknown, c = config): ReturnType<typeof parseRequest> => parseRequest(event, { config: c, now: NOW });
const b64 = (s: string): string => Buffer.from(s).toString('base64');

function rejects(event: unknown, type: typeof InvalidRequestError | typeof PayloadTooLargeError, message: RegExp | string, c = config): void {
  let caught: unknown;
  try {
    parse(event, c);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message).toMatch(message);
}

describe('parseRequest: operations', () => {
  test('encrypt', () => {
    expect(parse({ operation: 'encrypt', plaintext: b64('hello'), encryptionContext: { tenant: 't1' } }))
      .toEqual({ operation: 'encrypt', plaintext: Buffer.from('hello'), encryptionContext: { tenant: 't1' } });
  });

  test('encrypt accepts empty plaintext and no context', () => {
    expect(parse({ operation: 'encrypt', plaintext: '' })).toEqual({ operation: 'encrypt', plaintext: Buffer.alloc(0), encryptionContext: {} });
  });

  test('decrypt takes the expected context', () => {
    expect(parse({ operation: 'decrypt', message: b64('msg'), encryptionContext: { a: 'b' } }))
      .toEqual({ operation: 'decrypt', message: Buffer.from('msg'), expectedEncryptionContext: { a: 'b' } });
  });

  test('generateDataKey defaults to 32 bytes and checks the KMS range', () => {
    expect(parse({ operation: 'generateDataKey' })).toEqual({ operation: 'generateDataKey', encryptionContext: {}, numberOfBytes: 32 });
    expect(parse({ operation: 'generateDataKey', numberOfBytes: 64 })).toMatchObject({ numberOfBytes: 64 });
    rejects({ operation: 'generateDataKey', numberOfBytes: 2048 }, InvalidRequestError, 'Field "numberOfBytes" must be a whole number from 1 to 1024; received 2048.');
    rejects({ operation: 'generateDataKey', numberOfBytes: '32' }, InvalidRequestError, /numberOfBytes.*received a string of 2 characters/);
  });

  test('generateDataKey is refused when the function is deployed with it turned off', () => {
    const off = testConfig({ SECUREKEY_GENERATE_DATA_KEY: 'false' });
    rejects({ operation: 'generateDataKey' }, InvalidRequestError, /generateDataKey is turned off for this function \(SECUREKEY_GENERATE_DATA_KEY=false\)/, off);
    expect(parse({ operation: 'encrypt', plaintext: '' }, off)).toMatchObject({ operation: 'encrypt' });
  });

  test('reEncrypt is refused until destination keys are configured', () => {
    rejects({ operation: 'reEncrypt', message: b64('m'), destinationKeyArn: OTHER_KEY_ARN }, InvalidRequestError,
      /reEncrypt is turned off.*SECUREKEY_REENCRYPT_DESTINATION_KEY_ARNS/);
  });

  test('reEncrypt accepts only configured destinations', () => {
    const c = testConfig({ SECUREKEY_REENCRYPT_DESTINATION_KEY_ARNS: OTHER_KEY_ARN });
    expect(parse({ operation: 'reEncrypt', message: b64('m'), destinationKeyArn: OTHER_KEY_ARN }, c))
      .toEqual({ operation: 'reEncrypt', message: Buffer.from('m'), destinationKeyArn: OTHER_KEY_ARN, expectedEncryptionContext: {} });
    rejects({ operation: 'reEncrypt', message: b64('m'), destinationKeyArn: KEY_ARN }, InvalidRequestError, /not an allowed destination key; allowed: arn:aws:kms/, c);
    rejects({ operation: 'reEncrypt', message: b64('m') }, InvalidRequestError, /"destinationKeyArn" must be the ARN/, c);
  });
});

describe('parseRequest: bad events', () => {
  test.each([
    ['null', null, /must be a JSON object.*received null/],
    ['an array', [1], /received an array of 1/],
    ['a string', 'encrypt', /received a string of 7 characters/],
    ['no operation', { plaintext: '' }, /Unknown operation \(field "operation" is missing\); expected one of encrypt, decrypt, generateDataKey, reEncrypt, usageReport/],
    ['an unknown operation', { operation: 'sign' }, /Unknown operation "sign"/],
    ['an operation that is not a plain name', { operation: 'x y <script>' }, /^Unknown operation; expected/],
    ['a missing plaintext', { operation: 'encrypt' }, 'Field "plaintext" is missing'],
    ['a missing message', { operation: 'decrypt' }, 'Field "message" is missing'],
    ['an empty message', { operation: 'decrypt', message: '' }, 'Field "message" is empty'],
    ['a non-string plaintext', { operation: 'encrypt', plaintext: [1, 2] }, 'Field "plaintext" must be a base64 string; received an array of 2'],
    ['a misspelt field', { operation: 'decrypt', message: 'AAAA', encryptionContxt: {} }, /Unexpected field "encryptionContxt" for decrypt; allowed: operation, message, encryptionContext/],
  ])('rejects %s', (_name, event, message) => {
    rejects(event, InvalidRequestError, message);
  });
});

describe('base64', () => {
  const decode = (value: unknown, allowEmpty = false): Buffer => decodeBase64Field({ f: value }, 'f', { allowEmpty });

  test.each([
    ['base64url', 'ab-_', /unexpected character at position 2\. It looks like base64url/],
    ['whitespace', 'QUJD\nREVG', /length \(9\) is not a multiple of 4/],
    ['whitespace inside a quantum', 'QU JD', /not a multiple of 4/],
    ['an inner space', 'QU J', /position 2\. Remove whitespace/],
    ['padding in the middle', 'QQ==QUJD', /position 2\. "=" may only appear as padding/],
    ['a missing padding', 'QQ', /not a multiple of 4/],
    ['three padding characters', 'Q===', /position 1/],
    ['non-canonical final bits (==)', 'QR==', /not canonical base64/],
    ['non-canonical final bits (=)', 'QUJ=', /not canonical base64/],
    ['a non-ASCII letter', 'QUJé', /position 3/],
  ])('rejects %s', (_name, value, message) => {
    expect(() => decode(value)).toThrow(InvalidRequestError);
    expect(() => decode(value)).toThrow(message);
  });

  test('decodes exactly what Buffer encodes (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const buf = Buffer.from(bytes);
      expect(decode(buf.toString('base64'), true).equals(buf)).toBe(true);
    }), { numRuns: 300 });
  });

  test('accepts a string only if it is the canonical encoding of its bytes (property)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n'.split('');
    fc.assert(fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }).map((a) => a.join('')), (s) => {
      let out: Buffer | undefined;
      try {
        out = decode(s, true);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidRequestError);
        return;
      }
      expect(out.toString('base64')).toBe(s);
    }), { numRuns: 2000 });
  });

  test('checks size from the text length before looking at the content', () => {
    // Invalid characters everywhere: the size error must win, so nothing was decoded or scanned.
    const huge = '!'.repeat(MAX_BASE64_FIELD_CHARS + 4);
    expect(() => decode(huge)).toThrow(PayloadTooLargeError);
    expect(() => decode(huge)).toThrow(/at most 4194304 bytes per field.*6 MB.*S3.*streaming helpers/);
  });

  test('accepts a field of exactly the limit and refuses one byte more', () => {
    const max = Buffer.alloc(MAX_BINARY_FIELD_BYTES, 7);
    expect(decode(max.toString('base64')).length).toBe(MAX_BINARY_FIELD_BYTES);
    const over = Buffer.alloc(MAX_BINARY_FIELD_BYTES + 1, 7).toString('base64');
    expect(() => decode(over)).toThrow(PayloadTooLargeError);
  });

  test('an encrypt event over the limit gets a PayloadTooLargeError naming the field', () => {
    rejects({ operation: 'encrypt', plaintext: 'A'.repeat(MAX_BASE64_FIELD_CHARS + 4) }, PayloadTooLargeError, /^Field "plaintext" holds about 4194309 bytes/);
  });
});

describe('encryption context', () => {
  test.each([
    ['a string', 'tenant=a', /must be an object.*received a string of 8 characters/],
    ['an array', ['a'], /received an array of 1/],
    ['a number value', { n: 1 }, 'encryptionContext["n"] must be a string; received a number.'],
    ['a nested object', { n: { v: 'x' } }, 'encryptionContext["n"] must be a string; received an object.'],
    ['a lone surrogate value', { k: 'a\ud800b' }, 'encryptionContext["k"] is not well-formed Unicode'],
    ['a lone surrogate key', { ['\udc00']: 'v' }, 'has a key that is not well-formed Unicode'],
    ['a reserved key', { 'aws-crypto-public-key': 'x' }, /reserved prefix "aws-crypto-"/],
    ['an oversized context', { big: 'x'.repeat(70_000) }, /takes 70009 bytes in the message header; the format allows at most 65535/],
  ])('rejects %s for encrypt', (_name, ctx, message) => {
    rejects({ operation: 'encrypt', plaintext: '', encryptionContext: ctx }, InvalidRequestError, message);
  });

  test('reserved keys are allowed in a decrypt expectation', () => {
    expect(parse({ operation: 'decrypt', message: 'AAAA', encryptionContext: { 'aws-crypto-public-key': 'x' } }))
      .toMatchObject({ expectedEncryptionContext: { 'aws-crypto-public-key': 'x' } });
  });

  test('a "__proto__" key stays an ordinary pair and the result is frozen', () => {
    const event = JSON.parse('{"operation":"encrypt","plaintext":"","encryptionContext":{"__proto__":"v","a":"b"}}');
    const req = parse(event);
    if (req.operation !== 'encrypt') throw new Error('expected encrypt');
    expect(Object.keys(req.encryptionContext)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(req.encryptionContext)).toBe(Object.prototype);
    expect(Object.isFrozen(req.encryptionContext)).toBe(true);
  });

  test('the caller\'s object is copied, not kept', () => {
    const ctx: Record<string, string> = { a: 'b' };
    const req = parse({ operation: 'encrypt', plaintext: '', encryptionContext: ctx });
    ctx.a = 'changed';
    expect(req).toMatchObject({ encryptionContext: { a: 'b' } });
  });
});

describe('usageReport requests', () => {
  test('defaults to the configured lookback ending now, with the configured principals', () => {
    const c = testConfig({ SECUREKEY_USAGE_REPORT_EXPECTED_PRINCIPALS: 'arn:aws:iam::111122223333:role/App' });
    expect(parse({ operation: 'usageReport' }, c)).toEqual({
      operation: 'usageReport',
      startTime: new Date('2025-05-20T11:00:00Z'),
      endTime: NOW,
      maxPages: 20,
      scheduled: false,
      expectedPrincipals: ['arn:aws:iam::111122223333:role/App'],
    });
  });

  test('takes an explicit window, principals and a lower page cap', () => {
    expect(parse({ operation: 'usageReport', startTime: '2025-05-19T00:00:00Z', endTime: '2025-05-20T00:00:00Z', expectedPrincipals: ['s3.amazonaws.com'], maxPages: 3 }))
      .toEqual({ operation: 'usageReport', startTime: new Date('2025-05-19T00:00:00Z'), endTime: new Date('2025-05-20T00:00:00Z'), maxPages: 3, scheduled: false, expectedPrincipals: ['s3.amazonaws.com'] });
    expect(parse({ operation: 'usageReport', lookbackMinutes: 5 })).toMatchObject({ startTime: new Date('2025-05-20T11:55:00Z') });
  });

  test.each([
    ['a reversed window', { startTime: '2025-05-20T10:00:00Z', endTime: '2025-05-20T09:00:00Z' }, /starts \(2025-05-20T10:00:00.000Z\) after it ends.*swap/],
    ['a window older than the event history', { startTime: '2025-01-01T00:00:00Z' }, /before CloudTrail's 90-day event history/],
    ['start and lookback together', { startTime: '2025-05-20T10:00:00Z', lookbackMinutes: 5 }, /either "startTime" or "lookbackMinutes"/],
    ['a bad date', { endTime: 'yesterday' }, /"endTime" must be an ISO 8601 date-time.*received a string of 9 characters/],
    ['a page cap above the configured one', { maxPages: 21 }, 'Field "maxPages" must be a whole number from 1 to 20; received 21.'],
    ['principals that are not strings', { expectedPrincipals: [1] }, /"expectedPrincipals" must be a list of up to 1000 non-empty strings/],
  ])('rejects %s', (_name, fields, message) => {
    rejects({ operation: 'usageReport', ...fields }, InvalidRequestError, message);
  });

  test('the earlier operation name "audit" is accepted as an alias and parsed as usageReport', () => {
    expect(parse({ operation: 'audit', lookbackMinutes: 5 })).toEqual(parse({ operation: 'usageReport', lookbackMinutes: 5 }));
    expect(parse({ operation: 'audit' })).toMatchObject({ operation: 'usageReport' });
  });

  test('an alias is not a way around the field list', () => {
    rejects({ operation: 'audit', plaintext: 'AA==' }, InvalidRequestError, /Unexpected field "plaintext" for usageReport/);
  });

  test('an EventBridge scheduled event reports on the configured window before its time', () => {
    const event = {
      'version': '0',
      'id': 'a1b2',
      'detail-type': 'Scheduled Event',
      'source': 'aws.events',
      'account': '111122223333',
      'time': '2025-05-20T12:00:00Z',
      'region': 'us-east-1',
      'resources': ['arn:aws:events:us-east-1:111122223333:rule/audit'],
      'detail': {},
    };
    expect(parse(event)).toEqual({ operation: 'usageReport', startTime: new Date('2025-05-20T10:45:00Z'), endTime: new Date('2025-05-20T11:45:00Z'), maxPages: 20, scheduled: true });
  });
});
