/* eslint-disable no-bitwise */ // flipping and mixing bits is what these tests do
import { randomBytes } from 'node:crypto';
import { FakeKeyProvider, StaticKeyMaterialsManager, StaticKeyProvider } from './support';
import { BodyDecryptor } from '../../../lambda/core/body';
import { DEFAULT_FRAME_LENGTH, EnvelopeClient } from '../../../lambda/core/envelope-client';
import {
  ConfigurationError, EncryptionContextMismatchError, InvalidMessageError, NoDecryptableDataKeyError,
  SignatureVerificationError, TooManyEncryptedDataKeysError, UnsupportedFormatError,
} from '../../../lambda/core/errors';
import { parseHeader, rewrapHeader, serializeHeaderBody, computeHeaderAuthTag, ContentType } from '../../../lambda/core/header';
import { DefaultMaterialsManager } from '../../../lambda/core/materials';
import { AlgorithmSuiteId, EncryptedDataKey } from '../../../lambda/core/types';

const UNSIGNED = AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
const SIGNED = AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;

function client(extra: Partial<ConstructorParameters<typeof EnvelopeClient>[0]> = {}) {
  const keyProvider = new FakeKeyProvider();
  return { keyProvider, client: new EnvelopeClient({ keyProvider, ...extra }) };
}

describe('round trip', () => {
  test.each([
    ['0x0478', UNSIGNED, 0, 4096], ['0x0478', UNSIGNED, 1, 4096], ['0x0478', UNSIGNED, 4096, 4096], ['0x0478', UNSIGNED, 4097, 4096],
    ['0x0478', UNSIGNED, 100_000, 1000], ['0x0578', SIGNED, 0, 4096], ['0x0578', SIGNED, 8192, 4096], ['0x0578', SIGNED, 70_000, 65536],
  ])('suite %s, %d bytes, frame %d', async (_name, suite, size, frameLength) => {
    const { client: c } = client({ suite, frameLength });
    const plaintext = randomBytes(size);
    const { message, header } = await c.encrypt(plaintext, { encryptionContext: { purpose: 'test' } });
    expect(header.suite).toBe(suite);
    expect(header.frameLength).toBe(frameLength);
    expect(message.readUInt16BE(1)).toBe(suite);
    const out = await c.decrypt(message, { expectedEncryptionContext: { purpose: 'test' } });
    expect(out.plaintext.equals(plaintext)).toBe(true);
    expect(out.header.messageId.equals(header.messageId)).toBe(true);
    expect(out.header.cacheHit).toBe(false);
  });

  test('uses 0x0478 and 256 KiB frames by default', async () => {
    const { client: c } = client();
    const { message, header } = await c.encrypt(randomBytes(10));
    expect(header.suite).toBe(0x0478);
    expect(header.frameLength).toBe(262144);
    expect(DEFAULT_FRAME_LENGTH).toBe(262144);
    expect(parseHeader(message).header.frameLength).toBe(262144);
  });

  test('per-call suite and frame length override the client defaults', async () => {
    const { client: c } = client();
    const { message } = await c.encrypt(randomBytes(10), { suite: SIGNED, frameLength: 3 });
    const { header } = parseHeader(message);
    expect(header.suite).toBe(SIGNED);
    expect(header.frameLength).toBe(3);
    expect(Object.keys(header.encryptionContext)).toEqual(['aws-crypto-public-key']);
  });

  test('a message is exactly as long as the frames need (final frame full when the length is a multiple)', async () => {
    const { client: c } = client({ frameLength: 10 });
    const { message } = await c.encrypt(randomBytes(20));
    const { bodyOffset } = parseHeader(message);
    // one regular frame (4+12+10+16) + final frame (4+4+12+4+10+16)
    expect(message.length - bodyOffset).toBe(42 + 50);
  });

  test('the encryption context is passed to the key provider, and for signed messages includes the public key', async () => {
    const { client: c, keyProvider } = client({ suite: SIGNED });
    await c.encrypt(randomBytes(1), { encryptionContext: { tenant: 'a' } });
    expect(Object.keys(keyProvider.lastContext ?? {}).sort()).toEqual(['aws-crypto-public-key', 'tenant']);
  });

  test('never mutates the caller options or encryption context', async () => {
    const { client: c } = client({ suite: SIGNED });
    const encryptionContext = Object.freeze({ a: '1' });
    const opts = Object.freeze({ encryptionContext });
    const { message } = await c.encrypt(randomBytes(5), opts);
    expect(opts).toEqual({ encryptionContext: { a: '1' } });
    const expected = Object.freeze({ a: '1' });
    await c.decrypt(message, Object.freeze({ expectedEncryptionContext: expected }));
    expect(expected).toEqual({ a: '1' });
  });

  test('keys such as __proto__ stay plain data', async () => {
    const { client: c } = client();
    const ctx = JSON.parse('{"__proto__":"x","b":"y"}') as Record<string, string>;
    const { message } = await c.encrypt(randomBytes(5), { encryptionContext: ctx });
    const { header } = await c.decrypt(message, { expectedEncryptionContext: ctx });
    expect(Object.getPrototypeOf(header.encryptionContext)).toBe(Object.prototype);
    expect(Object.keys(header.encryptionContext).sort()).toEqual(['__proto__', 'b']);
  });
});

describe('encryption context', () => {
  test('fails naming missing and different keys, never values', async () => {
    const { client: c } = client();
    const { message } = await c.encrypt(randomBytes(5), { encryptionContext: { tenant: 'secret-value-1', stage: 'prod' } });
    const err = await c.decrypt(message, { expectedEncryptionContext: { tenant: 'secret-value-2', region: 'eu' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncryptionContextMismatchError);
    const msg = (err as Error).message;
    expect(msg).toContain('"region"');
    expect(msg).toContain('"tenant"');
    expect(msg).not.toContain('secret-value');
    expect(msg).not.toContain('eu');
  });

  test('rejects the reserved aws-crypto- prefix on encrypt', async () => {
    const { client: c } = client();
    await expect(c.encrypt(randomBytes(1), { encryptionContext: { 'aws-crypto-public-key': 'x' } })).rejects.toThrow(ConfigurationError);
  });

  test('rejects non-string values and lone surrogates', async () => {
    const { client: c } = client();
    await expect(c.encrypt(randomBytes(1), { encryptionContext: { a: 1 as unknown as string } })).rejects.toThrow(/value of type number/);
    await expect(c.encrypt(randomBytes(1), { encryptionContext: { a: '\ud800' } })).rejects.toThrow(ConfigurationError);
  });

  test('a header with a modified context does not authenticate', async () => {
    const c = new EnvelopeClient({ keyProvider: new StaticKeyProvider() });
    const { message } = await c.encrypt(randomBytes(5), { encryptionContext: { k: 'aaaa' } });
    const tampered = Buffer.from(message.toString('latin1').replace('aaaa', 'aaab'), 'latin1');
    await expect(c.decrypt(tampered)).rejects.toThrow(InvalidMessageError);
  });
});

describe('configuration', () => {
  test('needs exactly one of keyProvider and materialsManager', () => {
    expect(() => new EnvelopeClient({})).toThrow('exactly one of keyProvider or materialsManager');
    const keyProvider = new FakeKeyProvider();
    expect(() => new EnvelopeClient({ keyProvider, materialsManager: new DefaultMaterialsManager(keyProvider) })).toThrow(ConfigurationError);
  });

  test.each([0, -1, 1.5, 2 ** 32])('rejects frameLength %d', (frameLength) => {
    expect(() => new EnvelopeClient({ keyProvider: new FakeKeyProvider(), frameLength })).toThrow(`frameLength must be an integer from 1 to 4294967295 bytes; received ${frameLength}.`);
  });

  test.each([0x0014, 0x0178, 0x9999])('rejects suite %d', (suite) => {
    expect(() => new EnvelopeClient({ keyProvider: new FakeKeyProvider(), suite })).toThrow(ConfigurationError);
  });

  test.each([0, 70000, 2.5])('rejects maxEncryptedDataKeys %d', (maxEncryptedDataKeys) => {
    expect(() => new EnvelopeClient({ keyProvider: new FakeKeyProvider(), maxEncryptedDataKeys })).toThrow('maxEncryptedDataKeys must be an integer from 1 to 65535');
  });
});

describe('decrypt rejects', () => {
  test('v1 messages with UnsupportedFormatError', async () => {
    const { client: c } = client();
    const v1 = Buffer.concat([Buffer.from([0x01, 0x80, 0x01, 0x78]), randomBytes(100)]);
    await expect(c.decrypt(v1)).rejects.toThrow(UnsupportedFormatError);
    await expect(c.decrypt(v1)).rejects.toThrow(/version 1/);
  });

  test.each([0x0014, 0x0046, 0x0078, 0x0114, 0x0146, 0x0178, 0x0214, 0x0346, 0x0378])('non-committing suite %d in a v2 header', async (suite) => {
    const { client: c } = client();
    const { message } = await c.encrypt(randomBytes(5));
    message.writeUInt16BE(suite, 1);
    const err = await c.decrypt(message).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect((err as Error).message).toContain('no key commitment');
  });

  test('more encrypted data keys than the maximum, before any key provider call', async () => {
    const { client: c, keyProvider } = client({ maxEncryptedDataKeys: 2 });
    const { message } = await c.encrypt(randomBytes(5));
    const { header, bodyOffset } = parseHeader(message);
    const edks: EncryptedDataKey[] = Array.from({ length: 3 }, () => header.encryptedDataKeys[0]);
    const body = serializeHeaderBody({ ...header, encryptedDataKeys: edks });
    const forged = Buffer.concat([body, randomBytes(16), message.subarray(bodyOffset)]);
    await expect(c.decrypt(forged)).rejects.toThrow(TooManyEncryptedDataKeysError);
    expect(keyProvider.decryptCalls).toBe(0);
  });

  test('a hostile EDK count of 65535 is refused without reading the keys', () => {
    const msg = Buffer.concat([Buffer.from([0x02, 0x04, 0x78]), Buffer.alloc(32), Buffer.from([0, 0, 0xff, 0xff])]);
    expect(() => parseHeader(msg)).toThrow('Message has 65535 encrypted data keys; the maximum allowed is 10.');
  });

  test('a message for another key with NoDecryptableDataKeyError, a wrongly unwrapped key by the commitment', async () => {
    const { client: a } = client();
    const { client: b } = client();
    const { message } = await a.encrypt(randomBytes(5));
    const other = new EnvelopeClient({ keyProvider: new FakeKeyProvider('other-key') });
    await expect(other.decrypt(message)).rejects.toThrow(NoDecryptableDataKeyError);
    // same key id, different secret: the unwrapped key is wrong, and the commitment catches it
    await expect(b.decrypt(message)).rejects.toThrow('Key commitment does not match');
  });

  test('a wrong data key with CommitmentMismatchError', async () => {
    const { client: c } = client();
    const { message } = await c.encrypt(randomBytes(5));
    const wrong = new EnvelopeClient({ materialsManager: new StaticKeyMaterialsManager(randomBytes(32)) });
    await expect(wrong.decrypt(message)).rejects.toThrow('Key commitment does not match');
  });

  test('a signed message whose footer was replaced', async () => {
    const { client: c } = client({ suite: SIGNED });
    const { message: m1 } = await c.encrypt(Buffer.from('one'));
    // flip the last byte of the signature
    const tampered = Buffer.from(m1);
    tampered[tampered.length - 1] ^= 1;
    await expect(c.decrypt(tampered)).rejects.toThrow(SignatureVerificationError);
  });

  test('a signed message with a bad signature releases nothing: not one frame is even decrypted', async () => {
    const { client: c } = client({ suite: SIGNED, frameLength: 100 });
    const plaintext = randomBytes(1000);
    const { message } = await c.encrypt(plaintext);
    const next = jest.spyOn(BodyDecryptor.prototype, 'next');
    const decryptAll = jest.spyOn(BodyDecryptor.prototype, 'decryptAll');
    try {
      for (const at of [message.length - 1, message.length - 40]) {
        const tampered = Buffer.from(message);
        tampered[at] ^= 0x01;
        const result = await c.decrypt(tampered).then((r) => r.plaintext, (e: unknown) => e);
        expect(result).toBeInstanceOf(SignatureVerificationError);
      }
      expect(next).not.toHaveBeenCalled();
      expect(decryptAll).not.toHaveBeenCalled();
      // The same message, untampered, goes through the same path and decrypts its body.
      expect((await c.decrypt(message)).plaintext.equals(plaintext)).toBe(true);
      expect(decryptAll).toHaveBeenCalledTimes(1);
    } finally {
      next.mockRestore();
      decryptAll.mockRestore();
    }
  });

  test('trailing bytes and truncation', async () => {
    const { client: c } = client();
    const { message } = await c.encrypt(randomBytes(50), { frameLength: 16 });
    await expect(c.decrypt(Buffer.concat([message, Buffer.from([0])]))).rejects.toThrow(/unexpected bytes after its end/);
    await expect(c.decrypt(message.subarray(0, message.length - 1))).rejects.toThrow(InvalidMessageError);
    await expect(c.decrypt(Buffer.alloc(0))).rejects.toThrow(/truncated inside its header/);
  });
});

describe('re-wrap (rewrapHeader)', () => {
  test('replaces the encrypted data keys; the old body decrypts under the new header', async () => {
    const plaintext = randomBytes(1000);
    const provider = new StaticKeyProvider();
    const key = provider.dataKey;
    const staticClient = new EnvelopeClient({ keyProvider: provider });
    const { message: m } = await staticClient.encrypt(plaintext, { frameLength: 100, encryptionContext: { a: 'b' } });
    const parsed = parseHeader(m);
    const newHeader = rewrapHeader(parsed.header, [{ providerId: 'static', providerInfo: 'new', encryptedDataKey: Buffer.from('new-wrapped') }], key);
    const rewrapped = Buffer.concat([newHeader, m.subarray(parsed.bodyOffset)]);
    expect(parseHeader(rewrapped).header.encryptedDataKeys.map((e) => e.providerInfo)).toEqual(['new']);
    expect((await staticClient.decrypt(rewrapped)).plaintext.equals(plaintext)).toBe(true);
    expect(() => rewrapHeader(parsed.header, parsed.header.encryptedDataKeys, randomBytes(32))).toThrow('Key commitment does not match');
  });

  test('refuses signed messages', async () => {
    const { client: c } = client({ suite: SIGNED });
    const { message } = await c.encrypt(randomBytes(5));
    expect(() => rewrapHeader(parseHeader(message).header, [], randomBytes(32))).toThrow(UnsupportedFormatError);
  });

  test('computeHeaderAuthTag and ContentType are consistent with parsing', async () => {
    const { client: c } = client();
    const { message } = await c.encrypt(randomBytes(5));
    const { header } = parseHeader(message);
    expect(header.contentType).toBe(ContentType.FRAMED);
    expect(computeHeaderAuthTag(randomBytes(32), header.headerBody).equals(header.headerAuthTag)).toBe(false);
  });
});
