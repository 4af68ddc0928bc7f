/* eslint-disable no-bitwise */ // flipping and mixing bits is what these tests do
import { randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as fc from 'fast-check';
import { FakeKeyProvider, StaticKeyProvider } from './support';
import { EnvelopeClient } from '../../../lambda/core/envelope-client';
import { SecureKeyError } from '../../../lambda/core/errors';
import { parseHeader } from '../../../lambda/core/header';
import { AlgorithmSuiteId } from '../../../lambda/core/types';

const UNSIGNED = AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
const SIGNED = AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;

interface Sample {
  readonly name: string;
  readonly client: EnvelopeClient;
  readonly plaintext: Buffer;
  readonly message: Buffer;
  readonly frameLength: number;
  readonly bodyOffset: number;
  readonly bodyEnd: number;
  /** Named byte ranges [start, end) covering the whole message. */
  readonly regions: ReadonlyArray<readonly [string, number, number]>;
}

/** Splits a message into the regions a tamper test should each reach. */
function regionsOf(message: Buffer, frameLength: number, signed: boolean):
{ regions: Array<[string, number, number]>; bodyOffset: number; bodyEnd: number } {
  const { header, bodyOffset } = parseHeader(message);
  const ecEnd = 37 + header.encryptionContextBytes.length;
  const edkEnd = bodyOffset - 16 - 32 - 4 - 1;
  const regions: Array<[string, number, number]> = [
    ['version+suite', 0, 3], ['message id', 3, 35], ['context', 35, ecEnd], ['edks', ecEnd, edkEnd],
    ['content type+frame length', edkEnd, edkEnd + 5], ['commitment', edkEnd + 5, edkEnd + 37], ['header tag', edkEnd + 37, bodyOffset],
  ];
  let pos = bodyOffset;
  for (;;) {
    const final = message.readUInt32BE(pos) === 0xffffffff;
    const fixed = final ? 24 : 16;
    const len = final ? message.readUInt32BE(pos + 20) : frameLength;
    regions.push(['frame header (seq, iv, length)', pos, pos + fixed]);
    if (len > 0) regions.push(['frame ciphertext', pos + fixed, pos + fixed + len]);
    regions.push(['frame tag', pos + fixed + len, pos + fixed + len + 16]);
    pos += fixed + len + 16;
    if (final) break;
  }
  if (signed) regions.push(['footer', pos, message.length]);
  return { regions, bodyOffset, bodyEnd: pos };
}

let samples: Sample[] = [];

beforeAll(async () => {
  const specs: Array<[string, AlgorithmSuiteId, number, number]> = [
    ['unsigned empty', UNSIGNED, 0, 64], ['unsigned 3 frames', UNSIGNED, 150, 64], ['unsigned exact frames', UNSIGNED, 128, 64],
    ['signed 3 frames', SIGNED, 150, 64], ['signed empty', SIGNED, 0, 16],
  ];
  samples = await Promise.all(specs.map(async ([name, suite, size, frameLength]) => {
    const client = new EnvelopeClient({ keyProvider: new FakeKeyProvider(), suite, frameLength });
    const plaintext = randomBytes(size);
    const { message } = await client.encrypt(plaintext, { encryptionContext: { tenant: 't1', purpose: 'property' } });
    return { name, client, plaintext, message, frameLength, ...regionsOf(message, frameLength, suite === SIGNED) };
  }));
});

/** Decrypts and returns the error; fails the property if anything decrypts or a non-typed error escapes. */
async function expectTypedRejection(client: EnvelopeClient, message: Buffer): Promise<void> {
  let result: unknown;
  try {
    result = await client.decrypt(message);
  } catch (err) {
    if (!(err instanceof SecureKeyError)) throw new Error(`untyped error: ${String(err)}`);
    return;
  }
  throw new Error(`tampered message decrypted (${(result as { plaintext: Buffer }).plaintext.length} bytes)`);
}

async function streamDecrypt(client: EnvelopeClient, message: Buffer): Promise<{ out: Buffer; error?: unknown }> {
  const stream: Transform = client.decryptStream();
  const out: Buffer[] = [];
  stream.on('data', (c: Buffer) => out.push(c));
  try {
    await pipeline(Readable.from([message.subarray(0, 37), message.subarray(37)]), stream);
    return { out: Buffer.concat(out) };
  } catch (error) {
    return { out: Buffer.concat(out), error };
  }
}

const sampleIndex = () => fc.nat({ max: 4 });

describe('tampering is always rejected with a typed error and no plaintext', () => {
  test('samples cover every region class', () => {
    const names = new Set(samples.flatMap((s) => s.regions.map((r) => r[0])));
    expect([...names].sort()).toEqual(['commitment', 'content type+frame length', 'context', 'edks', 'footer', 'frame ciphertext',
      'frame header (seq, iv, length)', 'frame tag', 'header tag', 'message id', 'version+suite']);
    for (const s of samples) expect(s.regions[s.regions.length - 1][2]).toBe(s.message.length);
  });

  test('any single bit flip, in every region', async () => {
    await fc.assert(fc.asyncProperty(sampleIndex(), fc.nat(), fc.nat(), fc.nat({ max: 7 }), async (si, ri, off, bit) => {
      const s = samples[si];
      const [, start, end] = s.regions[ri % s.regions.length];
      const pos = start + (off % (end - start));
      const tampered = Buffer.from(s.message);
      tampered[pos] ^= 1 << bit;
      await expectTypedRejection(s.client, tampered);
    }), { numRuns: 300 });
  });

  test('a bit flip in a frame: streaming releases only the frames before it', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 2), fc.nat(), fc.nat({ max: 7 }), async (si, off, bit) => {
      const s = samples[si]; // unsigned multi-frame samples
      const pos = s.bodyOffset + (off % (s.bodyEnd - s.bodyOffset));
      const tampered = Buffer.from(s.message);
      tampered[pos] ^= 1 << bit;
      const { out, error } = await streamDecrypt(s.client, tampered);
      expect(error).toBeInstanceOf(SecureKeyError);
      const frameIndex = Math.floor((pos - s.bodyOffset) / (16 + s.frameLength + 16));
      expect(out.length).toBeLessThanOrEqual(frameIndex * s.frameLength);
      expect(out.equals(s.plaintext.subarray(0, out.length))).toBe(true);
    }), { numRuns: 100 });
  });

  test('any truncation', async () => {
    await fc.assert(fc.asyncProperty(sampleIndex(), fc.nat(), async (si, n) => {
      const s = samples[si];
      await expectTypedRejection(s.client, s.message.subarray(0, n % s.message.length));
      const { error } = await streamDecrypt(s.client, s.message.subarray(0, n % s.message.length));
      expect(error).toBeInstanceOf(SecureKeyError);
    }), { numRuns: 150 });
  });

  test('any extension', async () => {
    await fc.assert(fc.asyncProperty(sampleIndex(), fc.uint8Array({ minLength: 1, maxLength: 200 }), async (si, extra) => {
      const s = samples[si];
      await expectTypedRejection(s.client, Buffer.concat([s.message, extra]));
      const { error } = await streamDecrypt(s.client, Buffer.concat([s.message, extra]));
      expect(error).toBeInstanceOf(SecureKeyError);
    }), { numRuns: 100 });
  });

  test('frame swaps within a message and frames spliced from another message under the same data key', async () => {
    const provider = new StaticKeyProvider();
    const client = new EnvelopeClient({ keyProvider: provider, frameLength: 32 });
    const a = await client.encrypt(randomBytes(32 * 6 + 5));
    const b = await client.encrypt(randomBytes(32 * 6 + 5));
    const { bodyOffset } = parseHeader(a.message);
    const frame = 16 + 32 + 16;
    const frameAt = (m: Buffer, i: number) => m.subarray(bodyOffset + i * frame, bodyOffset + (i + 1) * frame);
    await fc.assert(fc.asyncProperty(fc.nat({ max: 5 }), fc.nat({ max: 5 }), fc.boolean(), async (i, j, splice) => {
      fc.pre(splice || i !== j);
      const tampered = Buffer.from(a.message);
      if (splice) {
        frameAt(b.message, i).copy(tampered, bodyOffset + i * frame);
      } else {
        frameAt(a.message, j).copy(tampered, bodyOffset + i * frame);
        frameAt(a.message, i).copy(tampered, bodyOffset + j * frame);
      }
      await expectTypedRejection(client, tampered);
    }), { numRuns: 60 });
    // the unmodified messages still decrypt, so the rejections above are due to the tampering
    expect((await client.decrypt(a.message)).plaintext.length).toBe(32 * 6 + 5);
  });

  test('random bytes, and random bytes after a valid-looking prefix, only ever give typed errors', async () => {
    const client = new EnvelopeClient({ keyProvider: new StaticKeyProvider(), maxEncryptedDataKeys: 3 });
    const prefixes = [Buffer.alloc(0), Buffer.from([0x02, 0x04, 0x78]), Buffer.from([0x02, 0x05, 0x78]), Buffer.from([0x01, 0x80])];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 400 }), async (prefix, bytes) => {
      await expectTypedRejection(client, Buffer.concat([prefix, bytes]));
    }), { numRuns: 300 });
  });

  test('valid headers with random bodies only ever give typed errors', async () => {
    const s = samples[1];
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (body) => {
      await expectTypedRejection(s.client, Buffer.concat([s.message.subarray(0, s.bodyOffset), body]));
    }), { numRuns: 100 });
  });
});
