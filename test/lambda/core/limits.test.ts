import { createCipheriv, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { drain, FakeKeyProvider, RecordingMaterialsManager, StaticKeyProvider } from './support';
import { serializeEncryptionContext } from '../../../lambda/core/encryption-context';
import { DEFAULT_MAX_FRAME_LENGTH, EnvelopeClient } from '../../../lambda/core/envelope-client';
import { ConfigurationError, InvalidMessageError, LimitExceededError } from '../../../lambda/core/errors';
import { computeHeaderAuthTag, ContentType, parseHeader, serializeHeaderBody } from '../../../lambda/core/header';
import { deriveKeys } from '../../../lambda/core/key-derivation';
import { DefaultMaterialsManager } from '../../../lambda/core/materials';
import { AlgorithmSuiteId } from '../../../lambda/core/types';

const SUITE = AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
const KiB = 1024;

/**
 * A source that yields `head`, then zero bytes in `chunk`-sized pieces up to `cap` bytes in all,
 * counting what the consumer pulled. A decrypt stream that buffered what a hostile header claims
 * would pull all of it; one that refuses up front pulls a few chunks (plus stream read-ahead).
 */
function hostileSource(head: Buffer, chunk = 1 * KiB, cap = 8 * 1024 * KiB): { source: Readable; pulled: () => number } {
  let pulled = 0;
  function* gen(): Generator<Buffer> {
    for (let i = 0; i < head.length; i += 64) {
      const part = head.subarray(i, i + 64);
      pulled += part.length;
      yield part;
    }
    const zeros = Buffer.alloc(chunk);
    while (pulled < cap) {
      pulled += chunk;
      yield zeros;
    }
  }
  return { source: Readable.from(gen(), { objectMode: false }), pulled: () => pulled };
}


const staticEdk = { providerId: 'static', providerInfo: 'static-key', encryptedDataKey: Buffer.from('wrapped') };

/** A header that parses; its tag authenticates under `dataKey` when one is given. */
function header(contentType: ContentType, frameLength: number, dataKey?: Buffer): { bytes: Buffer; messageId: Buffer; contentKey?: Buffer } {
  const messageId = randomBytes(32);
  const derived = dataKey ? deriveKeys(dataKey, messageId, SUITE) : undefined;
  const body = serializeHeaderBody({
    suite: SUITE,
    messageId,
    encryptionContextBytes: serializeEncryptionContext({ purpose: 'limits' }),
    encryptedDataKeys: [staticEdk],
    contentType,
    frameLength,
    commitment: derived ? derived.commitment : randomBytes(32),
  });
  const tag = derived ? computeHeaderAuthTag(derived.contentKey, body) : randomBytes(16);
  return { bytes: Buffer.concat([body, tag]), messageId, contentKey: derived?.contentKey };
}

/** A valid non-framed message (as older SDKs could write) carrying `plaintext` under `dataKey`. */
function nonFramedMessage(dataKey: Buffer, plaintext: Buffer): Buffer {
  const h = header(ContentType.NON_FRAMED, 0, dataKey);
  const iv = randomBytes(12);
  const length = Buffer.alloc(8);
  length.writeUInt32BE(Math.floor(plaintext.length / 2 ** 32), 0);
  length.writeUInt32BE(plaintext.length % 2 ** 32, 4);
  const seq = Buffer.alloc(4);
  seq.writeUInt32BE(1, 0);
  const cipher = createCipheriv('aes-256-gcm', h.contentKey as Buffer, iv);
  cipher.setAAD(Buffer.concat([h.messageId, Buffer.from('AWSKMSEncryptionClient Single Block'), seq, length]));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([h.bytes, iv, length, ct, cipher.getAuthTag()]);
}

/** Non-framed body prefix: IV and a declared length, no content. */
function nonFramedPrefix(declared: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32BE(Math.floor(declared / 2 ** 32), 12);
  b.writeUInt32BE(declared % 2 ** 32, 16);
  return b;
}

function staticClient(extra: { maxFrameLength?: number } = {}, dataKey?: Buffer) {
  const provider = new StaticKeyProvider(dataKey);
  const mm = new RecordingMaterialsManager(new DefaultMaterialsManager(provider));
  return { dataKey: provider.dataKey, mm, client: new EnvelopeClient({ materialsManager: mm, ...extra }) };
}

describe('maxFrameLength option', () => {
  test('defaults to 16 MiB', () => {
    expect(DEFAULT_MAX_FRAME_LENGTH).toBe(16 * 1024 * 1024);
    expect(new EnvelopeClient({ keyProvider: new FakeKeyProvider() }).maxFrameLength).toBe(DEFAULT_MAX_FRAME_LENGTH);
  });

  test.each([0, -1, 1.5, 2 ** 36, Number.NaN])('rejects %d', (maxFrameLength) => {
    expect(() => new EnvelopeClient({ keyProvider: new FakeKeyProvider(), maxFrameLength }))
      .toThrow(`maxFrameLength must be an integer from 1 to ${2 ** 36 - 32} bytes; received ${maxFrameLength}.`);
    expect(() => new EnvelopeClient({ keyProvider: new FakeKeyProvider(), maxFrameLength })).toThrow(ConfigurationError);
  });
});

describe('decrypt stream refuses oversized frames before buffering them', () => {
  test('a header claiming 4 GiB frames, then an endless body in small chunks: refused at the header, nothing buffered, no key call', async () => {
    const { client, mm } = staticClient();
    const h = header(ContentType.FRAMED, 0xffffffff);
    const firstFrame = Buffer.alloc(16);
    firstFrame.writeUInt32BE(1, 0);
    const { source, pulled } = hostileSource(Buffer.concat([h.bytes, firstFrame]));
    const { out, error } = await drain(client.decryptStream(), source);
    expect(error).toBeInstanceOf(LimitExceededError);
    expect((error as Error).message).toBe('The message declares frames of 4294967295 bytes, above maxFrameLength (16777216 bytes): a decrypt stream must hold a whole frame before it can authenticate it. Raise maxFrameLength on the EnvelopeClient only if you trust the sender, or decrypt the message as one buffer with decrypt().');
    expect(out.length).toBe(0);
    expect(mm.decryptCalls).toBe(0);
    // The header plus stream read-ahead, not the 8 MiB the source would give.
    expect(pulled()).toBeLessThan(h.bytes.length + 128 * KiB);
  });

  test('a non-framed body declaring 64 GiB, fed in small chunks: refused at its length field', async () => {
    const { client, dataKey } = staticClient();
    const h = header(ContentType.NON_FRAMED, 0, dataKey);
    const { source, pulled } = hostileSource(Buffer.concat([h.bytes, nonFramedPrefix(2 ** 36 - 33)]));
    const { out, error } = await drain(client.decryptStream(), source);
    expect(error).toBeInstanceOf(LimitExceededError);
    expect((error as Error).message).toMatch(/^The message declares a non-framed body of 68719476703 bytes, above maxFrameLength \(16777216 bytes\)/);
    expect(out.length).toBe(0);
    expect(pulled()).toBeLessThan(h.bytes.length + 128 * KiB);
  });

  test('frames of exactly maxFrameLength pass; one byte more is refused before any key call', async () => {
    const { client: writer, dataKey } = staticClient();
    const plaintext = randomBytes(350);
    const at100 = (await writer.encrypt(plaintext, { frameLength: 100 })).message;
    const at101 = (await writer.encrypt(plaintext, { frameLength: 101 })).message;
    const { client, mm } = staticClient({ maxFrameLength: 100 }, dataKey);
    const ok = await drain(client.decryptStream(), Readable.from([at100]));
    expect(ok.error).toBeUndefined();
    expect(ok.out.equals(plaintext)).toBe(true);
    const calls = mm.decryptCalls;
    const refused = await drain(client.decryptStream(), Readable.from([at101]));
    expect(refused.error).toBeInstanceOf(LimitExceededError);
    expect(refused.out.length).toBe(0);
    expect(mm.decryptCalls).toBe(calls);
  });

  test('a valid non-framed message: refused by a stream when longer than the limit, accepted at the limit and by decrypt()', async () => {
    const { client: small, dataKey } = staticClient({ maxFrameLength: 99 });
    const plaintext = randomBytes(100);
    const message = nonFramedMessage(dataKey, plaintext);
    const refused = await drain(small.decryptStream(), Readable.from([message]));
    expect(refused.error).toBeInstanceOf(LimitExceededError);
    expect(refused.out.length).toBe(0);
    // Whole-buffer decrypt: the message is already in memory, the limit does not apply.
    expect((await small.decrypt(message)).plaintext.equals(plaintext)).toBe(true);
    const { client: atLimit } = staticClient({ maxFrameLength: 100 }, dataKey);
    const ok = await drain(atLimit.decryptStream(), Readable.from([message]));
    expect(ok.error).toBeUndefined();
    expect(ok.out.equals(plaintext)).toBe(true);
  });

  test('a valid message whose header states frames above the limit is refused by a stream even if its one frame is small (documented)', async () => {
    const { client } = staticClient();
    const { message } = await client.encrypt(Buffer.from('small'), { frameLength: DEFAULT_MAX_FRAME_LENGTH + 1 });
    const refused = await drain(client.decryptStream(), Readable.from([message]));
    expect(refused.error).toBeInstanceOf(LimitExceededError);
    expect((await client.decrypt(message)).plaintext.toString()).toBe('small');
  });
});

describe('whole-buffer decrypt checks declared lengths against the buffer before any key call', () => {
  test('a header claiming 4 GiB frames followed by a few bytes', async () => {
    const { client, mm } = staticClient();
    const h = header(ContentType.FRAMED, 0xffffffff);
    const frame = Buffer.alloc(40);
    frame.writeUInt32BE(1, 0);
    const err = await client.decrypt(Buffer.concat([h.bytes, frame])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidMessageError);
    expect((err as Error).message).toBe('The message is truncated inside its body: its first frame needs 4294967327 bytes but 40 remain.');
    expect(mm.decryptCalls).toBe(0);
  });

  test('a non-framed body declaring more than the buffer holds', async () => {
    const { client, mm, dataKey } = staticClient();
    const h = header(ContentType.NON_FRAMED, 0, dataKey);
    const err = await client.decrypt(Buffer.concat([h.bytes, nonFramedPrefix(2 ** 36 - 33), randomBytes(100)])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidMessageError);
    expect((err as Error).message).toMatch(/^The message is truncated inside its body: its first block needs 68719476739 bytes but 120 remain/);
    expect(mm.decryptCalls).toBe(0);
  });

  test('truncation, trailing bytes and a re-ordered frame cost no key call; the intact message does', async () => {
    const { client, mm } = staticClient();
    const { message } = await client.encrypt(randomBytes(300), { frameLength: 100 });
    const { bodyOffset } = parseHeader(message);
    const swapped = Buffer.from(message);
    message.copy(swapped, bodyOffset, bodyOffset + 132, bodyOffset + 264);
    message.copy(swapped, bodyOffset + 132, bodyOffset, bodyOffset + 132);
    await expect(client.decrypt(message.subarray(0, message.length - 1))).rejects.toThrow(InvalidMessageError);
    await expect(client.decrypt(Buffer.concat([message, Buffer.from([0])]))).rejects.toThrow(/unexpected bytes after its end/);
    await expect(client.decrypt(swapped)).rejects.toThrow('Frame sequence number 2 where 1 was expected');
    expect(mm.decryptCalls).toBe(0);
    await client.decrypt(message);
    expect(mm.decryptCalls).toBe(1);
  });
});

describe('minFrameLength option (decrypt cost of tiny frames)', () => {
  test('defaults to 1: every frame length the format allows, as the official vectors need', async () => {
    const provider = new FakeKeyProvider();
    const client = new EnvelopeClient({ keyProvider: provider, frameLength: 1 });
    expect(client.minFrameLength).toBe(1);
    const { message } = await client.encrypt(Buffer.from('tiny frames'));
    expect((await client.decrypt(message)).plaintext.toString()).toBe('tiny frames');
  });

  test('a message with frames below the minimum is refused from its header, whole-buffer and stream, before any key call', async () => {
    const provider = new FakeKeyProvider();
    const { message } = await new EnvelopeClient({ keyProvider: provider, frameLength: 16 }).encrypt(randomBytes(100));
    const strict = new EnvelopeClient({ keyProvider: provider, minFrameLength: 1024 });
    const calls = provider.decryptCalls;
    const expected = 'The message declares frames of 16 bytes, below minFrameLength (1024 bytes): tiny frames multiply the CPU a message costs to decrypt. Lower minFrameLength on the EnvelopeClient only if you trust the sender.';
    await expect(strict.decrypt(message)).rejects.toThrow(new LimitExceededError(expected));
    const streamed = await drain(strict.decryptStream(), Readable.from([message]));
    expect(streamed.error).toEqual(new LimitExceededError(expected));
    expect(streamed.out.length).toBe(0);
    expect(provider.decryptCalls).toBe(calls);
  });

  test('frames at the minimum pass', async () => {
    const provider = new FakeKeyProvider();
    const data = randomBytes(3000);
    const { message } = await new EnvelopeClient({ keyProvider: provider, frameLength: 1024 }).encrypt(data);
    const strict = new EnvelopeClient({ keyProvider: provider, minFrameLength: 1024 });
    expect((await strict.decrypt(message)).plaintext.equals(data)).toBe(true);
    const streamed = await drain(strict.decryptStream(), Readable.from([message]));
    expect(streamed.error).toBeUndefined();
    expect(streamed.out.equals(data)).toBe(true);
  });

  test.each([0, -1, 1.5, 2 ** 32, Number.NaN])('rejects %d', (minFrameLength) => {
    expect(() => new EnvelopeClient({ keyProvider: new FakeKeyProvider(), minFrameLength }))
      .toThrow(new ConfigurationError(`minFrameLength must be an integer from 1 to ${2 ** 32 - 1} bytes; received ${minFrameLength}.`));
  });
});
