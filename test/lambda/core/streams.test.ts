/* eslint-disable no-bitwise */ // flipping and mixing bits is what these tests do
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { drain, FakeKeyProvider, StaticKeyMaterialsManager } from './support';
import { scanBody } from '../../../lambda/core/body';
import { EnvelopeClient } from '../../../lambda/core/envelope-client';
import { ConfigurationError, InvalidMessageError, SignatureVerificationError } from '../../../lambda/core/errors';
import * as headerModule from '../../../lambda/core/header';
import { parseHeader } from '../../../lambda/core/header';
import { AlgorithmSuiteId } from '../../../lambda/core/types';
import { fixturePath } from '../../support/fixtures';

const SIGNED = AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;

/** Feeds `data` in chunks of random sizes up to `maxChunk`. */
function chunked(data: Buffer, maxChunk: number, seed = 1): Readable {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s;
  };
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length;) {
    const n = 1 + (rand() % maxChunk);
    parts.push(data.subarray(i, i + n));
    i += n;
  }
  return Readable.from(parts, { objectMode: false });
}


const client = new EnvelopeClient({ keyProvider: new FakeKeyProvider() });

describe('streaming round trip', () => {
  test.each([
    ['unsigned, empty', undefined, 0, 1000, 100],
    ['unsigned, one byte', undefined, 1, 1000, 7],
    ['unsigned, multiple of frame', undefined, 4000, 1000, 333],
    ['unsigned, 300 KiB in odd chunks', undefined, 300_000, 4096, 10_000],
    ['signed, 50 KB', SIGNED, 50_000, 1024, 3000],
    ['signed, empty', SIGNED, 0, 16, 1],
  ])('%s', async (_name, suite, size, frameLength, maxChunk) => {
    const plaintext = randomBytes(size);
    const enc = await drain(client.encryptStream({ suite, frameLength, encryptionContext: { s: 'v' } }), chunked(plaintext, maxChunk, size + 1));
    expect(enc.error).toBeUndefined();
    // Streams and whole-buffer produce the same format both ways.
    expect((await client.decrypt(enc.out, { expectedEncryptionContext: { s: 'v' } })).plaintext.equals(plaintext)).toBe(true);
    const dec = await drain(client.decryptStream({ expectedEncryptionContext: { s: 'v' } }), chunked(enc.out, maxChunk, size + 2));
    expect(dec.error).toBeUndefined();
    expect(dec.out.equals(plaintext)).toBe(true);
  });

  test('changing the message id the header event hands out does not change the frames written after it', async () => {
    const plaintext = randomBytes(5000);
    const stream = client.encryptStream({ frameLength: 1000 });
    let seen: Buffer | undefined;
    stream.on('header', (info: { messageId: Buffer }) => {
      seen = info.messageId;
      info.messageId.fill(0xaa);
    });
    const enc = await drain(stream, chunked(plaintext, 700, 3));
    expect(seen?.every((b) => b === 0xaa)).toBe(true);
    expect(enc.error).toBeUndefined();
    expect((await client.decrypt(enc.out)).plaintext.equals(plaintext)).toBe(true);
  });

  test('a stream of 8 MiB with the default frames', async () => {
    const plaintext = randomBytes(8 * 1024 * 1024);
    const enc = await drain(client.encryptStream({ plaintextLength: plaintext.length }), chunked(plaintext, 200_000));
    const whole = await client.decrypt(enc.out);
    expect(whole.plaintext.equals(plaintext)).toBe(true);
    const dec = await drain(client.decryptStream(), chunked(enc.out, 100_000));
    expect(dec.out.equals(plaintext)).toBe(true);
  });

  test('stream decrypt handles the 41 good vectors (framed and non-framed, any IV)', async () => {
    const vectors = (JSON.parse(fs.readFileSync(fixturePath('vectors', 'esdk-v2-compat-vectors.json'), 'utf8')) as {
      tests: Array<{ 'ciphertext': string; 'decrypted-dek': string; 'status': boolean; 'plaintext-frames'?: string[] }>;
    }).tests.filter((v) => v.status);
    expect(vectors).toHaveLength(41);
    for (const v of vectors) {
      const c = new EnvelopeClient({ materialsManager: new StaticKeyMaterialsManager(Buffer.from(v['decrypted-dek'], 'base64')), maxEncryptedDataKeys: 100 });
      const dec = await drain(c.decryptStream(), chunked(Buffer.from(v.ciphertext, 'base64'), 5));
      expect(dec.error).toBeUndefined();
      expect(dec.out.toString('utf8')).toBe((v['plaintext-frames'] ?? []).join(''));
    }
  });

  test('the header event and property carry the header info', async () => {
    const stream = client.encryptStream({ encryptionContext: { a: 'b' } }) as Transform & { header?: { encryptionContext: Record<string, string> } };
    const seen: unknown[] = [];
    stream.on('header', (h) => seen.push(h));
    await drain(stream, Readable.from([Buffer.from('x')]));
    expect(seen).toHaveLength(1);
    expect(stream.header?.encryptionContext).toEqual({ a: 'b' });
  });
});

describe('streaming decrypt reads by field, not by chunk', () => {
  test('a header with a 30 KB encryption context fed one byte at a time is parsed a few dozen times, not 30,000', async () => {
    const { message } = await client.encrypt(randomBytes(10), { encryptionContext: { big: 'x'.repeat(30_000), small: 'y' } });
    const { bodyOffset } = parseHeader(message);
    const parse = jest.spyOn(headerModule, 'parseHeaderPrefix');
    try {
      const bytes = Array.from({ length: bodyOffset }, (_, i) => message.subarray(i, i + 1));
      const dec = await drain(client.decryptStream(), Readable.from([...bytes, message.subarray(bodyOffset)], { objectMode: false }));
      expect(dec.error).toBeUndefined();
      expect(dec.out.length).toBe(10);
      expect(parse.mock.calls.length).toBeGreaterThan(5);
      expect(parse.mock.calls.length).toBeLessThan(40);
    } finally {
      parse.mockRestore();
    }
  });

  test.each([
    ['footer in single bytes', (m: Buffer, f: number) => [m.subarray(0, f), ...Array.from(m.subarray(f), (b) => Buffer.from([b]))]],
    ['footer split after 3 bytes', (m: Buffer, f: number) => [m.subarray(0, f), m.subarray(f, f + 3), m.subarray(f + 3, f + 50), m.subarray(f + 50)]],
    ['footer glued to the last frame, then split', (m: Buffer, f: number) => [m.subarray(0, f + 1), m.subarray(f + 1, f + 60), m.subarray(f + 60)]],
  ])('a signed message with its %s', async (_name, split) => {
    const plaintext = randomBytes(300);
    const { message } = await client.encrypt(plaintext, { suite: SIGNED, frameLength: 100 });
    const { header, bodyOffset } = parseHeader(message);
    const footerAt = scanBody(header, message, bodyOffset).end;
    expect(message.length - footerAt).toBe(2 + message.readUInt16BE(footerAt));
    const dec = await drain(client.decryptStream(), Readable.from(split(message, footerAt), { objectMode: false }));
    expect(dec.error).toBeUndefined();
    expect(dec.out.equals(plaintext)).toBe(true);
  });
});

describe('streaming decrypt rejects', () => {
  async function message(size: number, frameLength: number, suite?: AlgorithmSuiteId) {
    return (await client.encrypt(randomBytes(size), { frameLength, suite })).message;
  }

  test('a tampered frame: earlier frames come out, the tampered frame and later ones never do', async () => {
    const plaintext = randomBytes(10 * 100);
    const { message: m } = await client.encrypt(plaintext, { frameLength: 100 });
    const { bodyOffset } = parseHeader(m);
    const frame = 4 + 12 + 100 + 16;
    const tampered = Buffer.from(m);
    tampered[bodyOffset + 3 * frame + 20] ^= 0x01; // ciphertext of frame 4
    const dec = await drain(client.decryptStream(), chunked(tampered, 50));
    expect(dec.error).toBeInstanceOf(InvalidMessageError);
    expect(dec.out.length).toBeLessThanOrEqual(300);
    expect(dec.out.equals(plaintext.subarray(0, dec.out.length))).toBe(true);
  });

  test('truncation at any point of the body', async () => {
    const m = await message(1000, 100);
    for (const cut of [1, 10, 50, 200, m.length - 1]) {
      const dec = await drain(client.decryptStream(), Readable.from([m.subarray(0, cut)]));
      expect(dec.error).toBeInstanceOf(InvalidMessageError);
    }
  });

  test('trailing bytes', async () => {
    const m = await message(10, 100);
    const dec = await drain(client.decryptStream(), Readable.from([m, Buffer.from([0])]));
    expect((dec.error as Error).message).toMatch(/unexpected bytes after its end/);
  });

  test('a bad signature errors the stream at the end', async () => {
    const m = await message(1000, 100, SIGNED);
    m[m.length - 5] ^= 0x10;
    const dec = await drain(client.decryptStream(), chunked(m, 64));
    expect(dec.error).toBeInstanceOf(SignatureVerificationError);
  });

  test('an expected context mismatch before any plaintext', async () => {
    const { message: m } = await client.encrypt(randomBytes(10), { encryptionContext: { a: '1' } });
    const dec = await drain(client.decryptStream({ expectedEncryptionContext: { a: '2' } }), Readable.from([m]));
    expect((dec.error as Error).name).toBe('EncryptionContextMismatchError');
    expect(dec.out.length).toBe(0);
  });

  test('encrypt with a stated plaintextLength that is wrong', async () => {
    const short = await drain(client.encryptStream({ plaintextLength: 10 }), Readable.from([randomBytes(5)]));
    expect(short.error).toBeInstanceOf(ConfigurationError);
    const long = await drain(client.encryptStream({ plaintextLength: 3 }), Readable.from([randomBytes(5)]));
    expect(long.error).toBeInstanceOf(ConfigurationError);
    expect(() => client.encryptStream({ plaintextLength: -1 })).toThrow(ConfigurationError);
  });
});
