import { randomBytes } from 'node:crypto';
import { EnvelopeClient } from '../../../lambda/core/envelope-client';
import { parseHeader, rewrapHeader } from '../../../lambda/core/header';
import { AlgorithmSuiteId } from '../../../lambda/core/types';
import { loadConfig } from '../../../lambda/handler/config';
import {
  createHandler, type DecryptResponse, type EncryptResponse, type EnvelopeHandler,
  type GenerateDataKeyResponse, type ReEncryptResponse,
} from '../../../lambda/handler/create-handler';
import type { ErrorResponse } from '../../../lambda/handler/errors';
import { MAX_BASE64_FIELD_CHARS } from '../../../lambda/handler/events';
import { localCloudTrail } from '../../../lambda/handler/local-cloudtrail';
import type { CallLogRecord } from '../../../lambda/handler/logger';
import { LocalKms } from '../../../lambda/providers/local-kms';
import { LocalKmsKeyProvider } from '../../../lambda/providers/local-kms-provider';
import type { KeyUsageReport } from '../../../lambda/usage-report/summarize';

// Markers stand in for secrets: every log line and error response of this file is searched for them.
const PLAINTEXT = Buffer.from(`plaintext-marker-${randomBytes(12).toString('hex')}`);
const CONTEXT_VALUE = `context-marker-${randomBytes(12).toString('hex')}`;
const CONTEXT = { tenant: CONTEXT_VALUE, purpose: 'orders' };
const b64 = (b: Buffer | string): string => Buffer.from(b).toString('base64');

const allLines: string[] = [];
const allErrors: string[] = [];
const secrets: string[] = [PLAINTEXT.toString(), b64(PLAINTEXT), PLAINTEXT.toString('hex'), CONTEXT_VALUE, b64(CONTEXT_VALUE)];

interface Fixture {
  readonly kms: LocalKms;
  readonly keyArn: string;
  readonly destinationArn: string;
  readonly provider: LocalKmsKeyProvider;
  readonly handler: EnvelopeHandler;
  readonly lines: CallLogRecord[];
  call<T>(event: unknown): Promise<T>;
}

let now = Date.parse('2025-06-01T12:00:00Z');
const clock = (): number => now;

async function fixture(env: Record<string, string> = {}, options: { cloudTrail?: boolean } = {}): Promise<Fixture> {
  const kms = new LocalKms({ clock: () => new Date(now), callerArn: 'arn:aws:sts::111122223333:assumed-role/EnvelopeFunctionRole/s1' });
  const keyArn = (await kms.createKey({ Description: 'function key' })).KeyMetadata.Arn!;
  const destinationArn = (await kms.createKey({ Description: 'destination' })).KeyMetadata.Arn!;
  const config = loadConfig({ SECUREKEY_KEY_ARN: keyArn, SECUREKEY_REENCRYPT_DESTINATION_KEY_ARNS: destinationArn, ...env });
  const provider = new LocalKmsKeyProvider({ kms, keyId: keyArn });
  const lines: CallLogRecord[] = [];
  const handler = createHandler({
    config,
    keyProvider: provider,
    ...(options.cloudTrail === false ? {} : { cloudTrail: localCloudTrail(kms) }),
    clock,
    sleep: async () => undefined,
    logSink: (line) => {
      allLines.push(line);
      lines.push(JSON.parse(line) as CallLogRecord);
    },
  });
  let n = 0;
  const call = async <T>(event: unknown): Promise<T> => {
    const response = await handler(event, { awsRequestId: `req-${++n}` });
    if ('errorType' in response) allErrors.push(JSON.stringify(response));
    return response as T;
  };
  return { kms, keyArn, destinationArn, provider, handler, lines, call };
}

afterAll(() => {
  // The sweep over every log line and error response captured in this file.
  expect(allLines.length).toBeGreaterThan(30);
  const all = [...allLines, ...allErrors].join('\n');
  for (const secret of secrets) expect(all).not.toContain(secret);
});

describe('encrypt and decrypt', () => {
  test('round trip with the encryption context; decrypt returns the whole context', async () => {
    const f = await fixture();
    const enc = await f.call<EncryptResponse>({ operation: 'encrypt', plaintext: b64(PLAINTEXT), encryptionContext: CONTEXT });
    expect(Object.keys(enc)).toEqual(['message']);
    const dec = await f.call<DecryptResponse>({ operation: 'decrypt', message: enc.message, encryptionContext: { purpose: 'orders' } });
    expect(Buffer.from(dec.plaintext, 'base64').equals(PLAINTEXT)).toBe(true);
    expect(dec.encryptionContext).toEqual(CONTEXT);
  });

  test('an empty plaintext round-trips', async () => {
    const f = await fixture();
    const enc = await f.call<EncryptResponse>({ operation: 'encrypt', plaintext: '' });
    const dec = await f.call<DecryptResponse>({ operation: 'decrypt', message: enc.message });
    expect(dec.plaintext).toBe('');
  });

  test('messages interoperate with the envelope client over the same key', async () => {
    const f = await fixture();
    const client = new EnvelopeClient({ keyProvider: new LocalKmsKeyProvider({ kms: f.kms, keyId: f.keyArn }) });
    const { message } = await client.encrypt(PLAINTEXT, { encryptionContext: CONTEXT });
    const dec = await f.call<DecryptResponse>({ operation: 'decrypt', message: b64(message), encryptionContext: CONTEXT });
    expect(Buffer.from(dec.plaintext, 'base64').equals(PLAINTEXT)).toBe(true);
    const enc = await f.call<EncryptResponse>({ operation: 'encrypt', plaintext: b64(PLAINTEXT), encryptionContext: CONTEXT });
    const back = await client.decrypt(Buffer.from(enc.message, 'base64'), { expectedEncryptionContext: CONTEXT });
    expect(back.plaintext.equals(PLAINTEXT)).toBe(true);
  });

  test('the configured suite and frame length are used', async () => {
    const f = await fixture({ SECUREKEY_SUITE: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', SECUREKEY_FRAME_LENGTH: '1024' });
    const enc = await f.call<EncryptResponse>({ operation: 'encrypt', plaintext: b64(randomBytes(3000)) });
    const { header } = parseHeader(Buffer.from(enc.message, 'base64'));
    expect(header.suite).toBe(AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384);
    expect(header.frameLength).toBe(1024);
  });
});

describe('the data-key cache across invocations', () => {
  test('encrypts share one GenerateDataKey; decrypts of one message share one Decrypt', async () => {
    const f = await fixture();
    const messages: string[] = [];
    for (let i = 0; i < 5; i++) {
      messages.push((await f.call<EncryptResponse>({ operation: 'encrypt', plaintext: b64(PLAINTEXT), encryptionContext: CONTEXT })).message);
    }
    for (let i = 0; i < 3; i++) await f.call<DecryptResponse>({ operation: 'decrypt', message: messages[0] });
    expect(f.provider.stats).toMatchObject({ generateDataKey: 1, decrypt: 1 });
    expect(f.lines.map((l) => [l.operation, l.cache, l.kmsCalls])).toEqual([
      ['encrypt', 'miss', 1], ['encrypt', 'hit', 0], ['encrypt', 'hit', 0], ['encrypt', 'hit', 0], ['encrypt', 'hit', 0],
      ['decrypt', 'miss', 1], ['decrypt', 'hit', 0], ['decrypt', 'hit', 0],
    ]);
  });

  test('another encryption context is another data key', async () => {
    const f = await fixture();
    await f.call({ operation: 'encrypt', plaintext: b64(PLAINTEXT), encryptionContext: { tenant: 'a' } });
    await f.call({ operation: 'encrypt', plaintext: b64(PLAINTEXT), encryptionContext: { tenant: 'b' } });
    await f.call({ operation: 'encrypt', plaintext: b64(PLAINTEXT), encryptionContext: { tenant: 'a' } });
    expect(f.lines.map((l) => l.cache)).toEqual(['miss', 'miss', 'hit']);
    expect(f.provider.stats.generateDataKey).toBe(2);
  });

  test('the message limit and the max age force a new data key', async () => {
    const f = await fixture({ SECUREKEY_CACHE_MAX_MESSAGES: '2', SECUREKEY_CACHE_MAX_AGE_SECONDS: '60' });
    for (let i = 0; i < 3; i++) await f.call({ operation: 'encrypt', plaintext: b64(PLAINTEXT) });
    now += 61_000;
    await f.call({ operation: 'encrypt', plaintext: b64(PLAINTEXT) });
    expect(f.lines.map((l) => l.cache)).toEqual(['miss', 'hit', 'miss', 'miss']);
    expect(f.provider.stats.generateDataKey).toBe(3);
  });

  test('a plaintext over the byte limit bypasses the cache', async () => {
    const f = await fixture({ SECUREKEY_CACHE_MAX_BYTES: '16' });
    await f.call({ operation: 'encrypt', plaintext: b64(randomBytes(17)) });
    await f.call({ operation: 'encrypt', plaintext: b64(randomBytes(17)) });
    expect(f.lines.map((l) => [l.cache, l.kmsCalls])).toEqual([['bypass', 1], ['bypass', 1]]);
  });

  test('capacity 0 turns the cache off: one KMS call per message', async () => {
    const f = await fixture({ SECUREKEY_CACHE_CAPACITY: '0' });
    for (let i = 0; i < 3; i++) await f.call({ operation: 'encrypt', plaintext: b64(PLAINTEXT) });
    expect(f.lines.map((l) => [l.cache, l.kmsCalls])).toEqual([['disabled', 1], ['disabled', 1], ['disabled', 1]]);
  });

  test('a burst of concurrent encrypts makes one GenerateDataKey', async () => {
    const f = await fixture();
    const results = await Promise.all(Array.from({ length: 20 }, () => f.handler({ operation: 'encrypt', plaintext: b64(PLAINTEXT) })));
    expect(results.every((r) => 'message' in r)).toBe(true);
    expect(f.provider.stats.generateDataKey).toBe(1);
  });
});

describe('generateDataKey', () => {
  test('returns the key ARN, a plaintext key and its encrypted copy that KMS decrypts to the same key', async () => {
    const f = await fixture();
    const r = await f.call<GenerateDataKeyResponse>({ operation: 'generateDataKey', encryptionContext: CONTEXT });
    expect(r.keyId).toBe(f.keyArn);
    const key = Buffer.from(r.plaintext, 'base64');
    expect(key).toHaveLength(32);
    const back = await f.kms.decrypt({ CiphertextBlob: Buffer.from(r.ciphertextBlob, 'base64'), EncryptionContext: { ...CONTEXT } });
    expect(Buffer.from(back.Plaintext!).equals(key)).toBe(true);
    secrets.push(r.plaintext, key.toString('hex'));
  });

  test('never comes from the cache: each call is a fresh key from KMS', async () => {
    const f = await fixture();
    const a = await f.call<GenerateDataKeyResponse>({ operation: 'generateDataKey', numberOfBytes: 64 });
    const b = await f.call<GenerateDataKeyResponse>({ operation: 'generateDataKey', numberOfBytes: 64 });
    secrets.push(a.plaintext, b.plaintext);
    expect(Buffer.from(a.plaintext, 'base64')).toHaveLength(64);
    expect(a.plaintext).not.toBe(b.plaintext);
    expect(f.lines.map((l) => [l.cache, l.kmsCalls])).toEqual([['bypass', 1], ['bypass', 1]]);
  });
});

describe('reEncrypt', () => {
  test('re-wraps under the destination key: body bytes identical, decrypts without the source key', async () => {
    const f = await fixture();
    const enc = await f.call<EncryptResponse>({ operation: 'encrypt', plaintext: b64(randomBytes(200_000)), encryptionContext: CONTEXT });
    const original = Buffer.from(enc.message, 'base64');
    const r = await f.call<ReEncryptResponse>({ operation: 'reEncrypt', message: enc.message, destinationKeyArn: f.destinationArn, encryptionContext: { purpose: 'orders' } });
    expect(r.keyId).toBe(f.destinationArn);
    const rewrapped = Buffer.from(r.message, 'base64');
    const before = parseHeader(original);
    const after = parseHeader(rewrapped);
    expect(rewrapped.subarray(after.bodyOffset).equals(original.subarray(before.bodyOffset))).toBe(true);
    expect(after.header.messageId.equals(before.header.messageId)).toBe(true);
    expect(after.header.encryptedDataKeys.map((k) => k.providerInfo)).toEqual([f.destinationArn]);

    // The source key is no longer needed: disable it, then decrypt with the destination key only.
    await f.kms.disableKey({ KeyId: f.keyArn });
    const destination = new EnvelopeClient({ keyProvider: new LocalKmsKeyProvider({ kms: f.kms, keyId: f.destinationArn }) });
    const { plaintext } = await destination.decrypt(rewrapped, { expectedEncryptionContext: CONTEXT });
    const { plaintext: expected } = await new EnvelopeClient({ keyProvider: new LocalKmsKeyProvider({ kms: f.kms, keyId: f.destinationArn }) })
      .decrypt(rewrapped);
    expect(plaintext.equals(expected)).toBe(true);
    // The function (source key) cannot read the re-wrapped message any more.
    const refused = await f.call<ErrorResponse>({ operation: 'decrypt', message: r.message });
    expect(refused.errorType).toBe('NoDecryptableDataKeyError');
  });

  test('the re-wrapped plaintext is the original plaintext', async () => {
    const f = await fixture();
    const enc = await f.call<EncryptResponse>({ operation: 'encrypt', plaintext: b64(PLAINTEXT) });
    const r = await f.call<ReEncryptResponse>({ operation: 'reEncrypt', message: enc.message, destinationKeyArn: f.destinationArn });
    const destination = new EnvelopeClient({ keyProvider: new LocalKmsKeyProvider({ kms: f.kms, keyId: f.destinationArn }) });
    expect((await destination.decrypt(Buffer.from(r.message, 'base64'))).plaintext.equals(PLAINTEXT)).toBe(true);
  });

  test('KMS calls: Decrypt + ReEncrypt, or only ReEncrypt when the data key is cached', async () => {
    const f = await fixture();
    const enc = await f.call<EncryptResponse>({ operation: 'encrypt', plaintext: b64(PLAINTEXT) });
    await f.call({ operation: 'reEncrypt', message: enc.message, destinationKeyArn: f.destinationArn });
    await f.call({ operation: 'reEncrypt', message: enc.message, destinationKeyArn: f.destinationArn });
    expect(f.lines.slice(1).map((l) => [l.operation, l.cache, l.kmsCalls])).toEqual([['reEncrypt', 'miss', 2], ['reEncrypt', 'hit', 1]]);
    expect(f.provider.stats).toMatchObject({ decrypt: 1, reEncrypt: 2 });
  });

  test('refuses a signed message before any KMS call', async () => {
    const f = await fixture({ SECUREKEY_SUITE: '0x0578' });
    const enc = await f.call<EncryptResponse>({ operation: 'encrypt', plaintext: b64(PLAINTEXT) });
    const r = await f.call<ErrorResponse>({ operation: 'reEncrypt', message: enc.message, destinationKeyArn: f.destinationArn });
    expect(r.errorType).toBe('UnsupportedFormatError');
    expect(r.message).toMatch(/Decrypt it and encrypt it again/);
    expect(f.lines[1].kmsCalls).toBe(0);
  });

  test('refuses a tampered header before KMS ReEncrypt', async () => {
    const f = await fixture();
    const enc = await f.call<EncryptResponse>({ operation: 'encrypt', plaintext: b64(PLAINTEXT) });
    const bytes = Buffer.from(enc.message, 'base64');
    const { header } = parseHeader(bytes);
    // Change the frame length field (the 4 bytes before the 32-byte commitment): flip its low byte.
    const at = header.headerBody.length - 32 - 1;
    bytes[at] = bytes[at] === 0 ? 1 : 0;
    const r = await f.call<ErrorResponse>({ operation: 'reEncrypt', message: b64(bytes), destinationKeyArn: f.destinationArn });
    expect(r.errorType).toBe('InvalidMessageError');
    expect(f.provider.stats.reEncrypt).toBe(0);
  });

  test('refuses a damaged body (trailing or missing bytes) before any KMS call', async () => {
    const f = await fixture();
    const enc = Buffer.from((await f.call<EncryptResponse>({ operation: 'encrypt', plaintext: b64(PLAINTEXT) })).message, 'base64');
    const before = f.provider.calls;
    for (const bad of [Buffer.concat([enc, Buffer.from('garbage!')]), enc.subarray(0, enc.length - 30)]) {
      const r = await f.call<ErrorResponse>({ operation: 'reEncrypt', message: b64(bad), destinationKeyArn: f.destinationArn });
      expect(r.errorType).toBe('InvalidMessageError');
    }
    expect(f.provider.calls).toBe(before);
  });

  test('refuses a message with two data keys of the function key (which one KMS would re-wrap is ambiguous)', async () => {
    const f = await fixture();
    const enc = Buffer.from((await f.call<EncryptResponse>({ operation: 'encrypt', plaintext: b64(PLAINTEXT) })).message, 'base64');
    const { header, bodyOffset } = parseHeader(enc);
    const edk = header.encryptedDataKeys[0];
    const context = { ...header.encryptionContext };
    const unwrapped = await f.kms.decrypt({ CiphertextBlob: edk.encryptedDataKey, KeyId: f.keyArn, EncryptionContext: context });
    const dataKey = Buffer.from(unwrapped.Plaintext!);
    const other = await f.kms.encrypt({ KeyId: f.keyArn, Plaintext: randomBytes(32), EncryptionContext: context });
    const twoKeys = Buffer.concat([
      rewrapHeader(header, [{ ...edk, encryptedDataKey: Buffer.from(other.CiphertextBlob!) }, edk], dataKey), enc.subarray(bodyOffset),
    ]);
    const r = await f.call<ErrorResponse>({ operation: 'reEncrypt', message: b64(twoKeys), destinationKeyArn: f.destinationArn });
    expect(r).toEqual({ errorType: 'InvalidMessageError', message: expect.stringContaining('exactly one encrypted data key') });
    expect(f.provider.stats.reEncrypt).toBe(0);
  });

  test('is refused when no destination key is configured', async () => {
    const f = await fixture({ SECUREKEY_REENCRYPT_DESTINATION_KEY_ARNS: '' });
    const enc = await f.call<EncryptResponse>({ operation: 'encrypt', plaintext: b64(PLAINTEXT) });
    const r = await f.call<ErrorResponse>({ operation: 'reEncrypt', message: enc.message, destinationKeyArn: f.destinationArn });
    expect(r).toEqual({ errorType: 'InvalidRequestError', message: expect.stringContaining('SECUREKEY_REENCRYPT_DESTINATION_KEY_ARNS') });
  });
});

describe('usageReport', () => {
  test('reports who used the key from the local CloudTrail records', async () => {
    const f = await fixture();
    await f.call({ operation: 'encrypt', plaintext: b64(PLAINTEXT) });
    await f.kms.withCaller('arn:aws:iam::111122223333:user/Stranger').generateDataKey({ KeyId: f.keyArn, KeySpec: 'AES_256' });
    const report = await f.call<KeyUsageReport>({
      operation: 'usageReport', lookbackMinutes: 60, expectedPrincipals: ['arn:aws:iam::111122223333:role/EnvelopeFunctionRole'],
    });
    expect(report.keyArn).toBe(f.keyArn);
    expect(report.complete).toBe(true);
    expect(report.unexpectedPrincipals).toEqual(['arn:aws:iam::111122223333:user/Stranger']);
    const role = report.principals.find((p) => p.principal === 'arn:aws:iam::111122223333:role/EnvelopeFunctionRole')!;
    expect(Object.keys(role.operations).sort()).toEqual(['CreateKey', 'GenerateDataKey']);
    const line = f.lines[f.lines.length - 1];
    expect(line).toMatchObject({ operation: 'usageReport', outcome: 'success', usageReportUnexpected: 1, usageReportComplete: true, kmsCalls: 0 });
  });

  test('an EventBridge schedule event runs a usage report of the configured window', async () => {
    const f = await fixture({ SECUREKEY_USAGE_REPORT_DELAY_MINUTES: '0', SECUREKEY_USAGE_REPORT_LOOKBACK_MINUTES: '30' });
    const report = await f.call<KeyUsageReport>({ 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'time': new Date(now).toISOString() });
    expect(report.window).toEqual({ start: new Date(now - 30 * 60_000).toISOString(), end: new Date(now).toISOString() });
    expect(report.totals.events).toBeGreaterThan(0);
    expect(f.lines[0].operation).toBe('usageReport');
  });

  test('without a CloudTrail client the usage report is refused with a ConfigurationError', async () => {
    const f = await fixture({}, { cloudTrail: false });
    const r = await f.call<ErrorResponse>({ operation: 'usageReport' });
    expect(r.errorType).toBe('ConfigurationError');
  });
});

describe('bad events get { errorType, message } with no stack trace and no data', () => {
  let f: Fixture;
  let message = '';
  beforeAll(async () => {
    f = await fixture();
    message = (await f.call<EncryptResponse>({ operation: 'encrypt', plaintext: b64(PLAINTEXT), encryptionContext: CONTEXT })).message;
  });

  const cases: Array<[string, () => unknown, string, RegExp]> = [
    ['not an object', () => `plaintext=${PLAINTEXT.toString()}`, 'InvalidRequestError', /JSON object/],
    ['unknown operation', () => ({ operation: 'sign' }), 'InvalidRequestError', /Unknown operation "sign"; expected one of encrypt/],
    ['missing operation', () => ({ plaintext: b64(PLAINTEXT) }), 'InvalidRequestError', /"operation" is missing/],
    ['missing field', () => ({ operation: 'decrypt' }), 'InvalidRequestError', /"message" is missing/],
    ['unexpected field', () => ({ operation: 'encrypt', plaintext: b64(PLAINTEXT), data: PLAINTEXT.toString() }), 'InvalidRequestError', /Unexpected field "data"/],
    ['bad base64', () => ({ operation: 'encrypt', plaintext: `${PLAINTEXT.toString()}!` }), 'InvalidRequestError', /base64/],
    ['context that does not match', () => ({ operation: 'decrypt', message, encryptionContext: { tenant: 'someone-else' } }), 'EncryptionContextMismatchError', /different values for keys: "tenant"/],
    ['context key missing from the message', () => ({ operation: 'decrypt', message, encryptionContext: { region: 'eu' } }), 'EncryptionContextMismatchError', /missing keys: "region"/],
    ['payload over the synchronous limit', () => ({ operation: 'encrypt', plaintext: 'A'.repeat(MAX_BASE64_FIELD_CHARS + 4) }), 'PayloadTooLargeError', /6 MB.*S3/],
    ['a message that is not one', () => ({ operation: 'decrypt', message: b64(PLAINTEXT) }), 'InvalidMessageError', /not an encrypted message|truncated|version/],
    ['a truncated message', () => ({ operation: 'decrypt', message: b64(Buffer.from(message, 'base64').subarray(0, 300)) }), 'InvalidMessageError', /truncated/],
    ['destination key not allowed', () => ({ operation: 'reEncrypt', message, destinationKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321' }), 'InvalidRequestError', /not an allowed destination/],
  ];

  test.each(cases)('%s', async (_name, event, errorType, pattern) => {
    const r = await f.call<ErrorResponse>(event());
    expect(Object.keys(r).sort()).toEqual(['errorType', 'message']);
    expect(r.errorType).toBe(errorType);
    expect(r.message).toMatch(pattern);
    expect(r.message).not.toMatch(/\n\s+at /);
    const line = f.lines[f.lines.length - 1];
    expect(line).toMatchObject({ outcome: 'error', level: 'ERROR', errorType });
  });

  test('a disabled key gives a KmsError naming KMS\'s exception, and logs the failed KMS call', async () => {
    const g = await fixture();
    await g.kms.disableKey({ KeyId: g.keyArn });
    const r = await g.call<ErrorResponse>({ operation: 'encrypt', plaintext: b64(PLAINTEXT), encryptionContext: CONTEXT });
    expect(r.errorType).toBe('KmsError');
    expect(r.message).toMatch(/DisabledException|disabled/i);
    expect(g.lines[0]).toMatchObject({ outcome: 'error', errorType: 'KmsError', kmsCalls: 1, encryptionContextKeys: ['purpose', 'tenant'] });
  });

  test('an unexpected failure becomes InternalError without its message', async () => {
    const kms = new LocalKms();
    const keyArn = (await kms.createKey({})).KeyMetadata.Arn!;
    const provider = new LocalKmsKeyProvider({ kms, keyId: keyArn });
    const leaky = Object.assign(Object.create(provider) as LocalKmsKeyProvider, {
      generateDataKey: async () => { throw new Error(`boom ${PLAINTEXT.toString()}`); },
    });
    const lines: string[] = [];
    const h = createHandler({
      config: loadConfig({ SECUREKEY_KEY_ARN: keyArn }),
      keyProvider: leaky,
      logSink: (l) => { lines.push(l); allLines.push(l); },
    });
    const r = await h({ operation: 'encrypt', plaintext: b64(PLAINTEXT) }) as ErrorResponse;
    allErrors.push(JSON.stringify(r));
    expect(r.errorType).toBe('InternalError');
    expect(r.message).not.toContain('boom');
    expect(JSON.parse(lines[0])).toMatchObject({ errorType: 'InternalError', outcome: 'error' });
  });
});

describe('logs', () => {
  test('one JSON line per call with operation, key, sizes, cache, KMS calls and duration', async () => {
    const f = await fixture();
    // KMS "takes" 7 ms: the clock moves only inside GenerateDataKey.
    const slowKms = Object.assign(Object.create(f.provider) as LocalKmsKeyProvider, {
      generateDataKey: async (input: Parameters<LocalKmsKeyProvider['generateDataKey']>[0]) => {
        now += 7;
        return f.provider.generateDataKey(input);
      },
    });
    const timed = createHandler({
      config: loadConfig({ SECUREKEY_KEY_ARN: f.keyArn }),
      keyProvider: slowKms,
      clock,
      logSink: (l) => { allLines.push(l); f.lines.push(JSON.parse(l) as CallLogRecord); },
    });
    await timed({ operation: 'encrypt', plaintext: b64(PLAINTEXT), encryptionContext: CONTEXT }, { awsRequestId: 'abc-123' });
    expect(f.lines[0]).toEqual({
      timestamp: expect.any(String),
      level: 'INFO',
      type: 'securekey.call',
      operation: 'encrypt',
      outcome: 'success',
      durationMs: 7,
      requestId: 'abc-123',
      keyArn: f.keyArn,
      inputBytes: PLAINTEXT.length,
      outputBytes: expect.any(Number),
      encryptionContextKeys: ['purpose', 'tenant'],
      cache: 'miss',
      kmsCalls: 1,
    });
    expect(f.lines[0].outputBytes).toBeGreaterThan(PLAINTEXT.length);
  });

  test('createHandler refuses missing dependencies with a clear message', () => {
    expect(() => createHandler({} as never)).toThrow(/createHandler needs config/);
  });
});
