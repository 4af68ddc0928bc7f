/* eslint-disable no-bitwise */ // flipping bits is what the tamper tests do
import { randomBytes } from 'node:crypto';
import { FakeKeyProvider } from './support';
import { EnvelopeClient } from '../../../lambda/core/envelope-client';
import { ConfigurationError, InvalidMessageError, SignatureVerificationError } from '../../../lambda/core/errors';
import { AlgorithmSuiteId } from '../../../lambda/core/types';

const SIGNED = AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;

function setup(extra: Partial<ConstructorParameters<typeof EnvelopeClient>[0]> = {}) {
  const keyProvider = new FakeKeyProvider();
  return { keyProvider, client: new EnvelopeClient({ keyProvider, ...extra }) };
}

describe('decryptInto', () => {
  test.each([
    ['empty', 0, 100, undefined], ['one frame', 99, 100, undefined], ['several frames', 1050, 100, undefined],
    ['several frames, signed', 1050, 100, SIGNED], ['default frames', 600_000, undefined, undefined],
  ])('%s: writes the plaintext at the start of the target and leaves the rest alone', async (_name, size, frameLength, suite) => {
    const { client } = setup({ frameLength, suite });
    const plaintext = randomBytes(size);
    const { message, header } = await client.encrypt(plaintext, { encryptionContext: { purpose: 'test' } });
    const target = Buffer.alloc(size + 7, 0xab);
    const result = await client.decryptInto(message, target, { expectedEncryptionContext: { purpose: 'test' } });
    expect(result.length).toBe(size);
    expect(result.header.messageId.equals(header.messageId)).toBe(true);
    expect(target.subarray(0, size).equals(plaintext)).toBe(true);
    expect(target.subarray(size).equals(Buffer.alloc(7, 0xab))).toBe(true);
    expect((await client.decrypt(message)).plaintext.equals(plaintext)).toBe(true);
  });

  test('takes a Uint8Array view into a larger ArrayBuffer', async () => {
    const { client } = setup({ frameLength: 64 });
    const plaintext = randomBytes(300);
    const { message } = await client.encrypt(plaintext);
    const backing = new Uint8Array(1000).fill(1);
    const target = backing.subarray(100, 500);
    const { length } = await client.decryptInto(message, target);
    expect(Buffer.from(backing.subarray(100, 100 + length)).equals(plaintext)).toBe(true);
    expect(backing.subarray(0, 100).every((b) => b === 1)).toBe(true);
    expect(backing.subarray(400).every((b) => b === 1)).toBe(true);
  });

  test('a target shorter than the plaintext is refused before any key provider call', async () => {
    const { client, keyProvider } = setup();
    const { message } = await client.encrypt(randomBytes(100));
    await expect(client.decryptInto(message, Buffer.alloc(99))).rejects.toThrow(ConfigurationError);
    await expect(client.decryptInto(message, Buffer.alloc(99))).rejects.toThrow(/holds 99 bytes; this message's plaintext is 100 bytes/);
    expect(keyProvider.decryptCalls).toBe(0);
  });

  test('a target overlapping the message is refused before any key provider call', async () => {
    const { client, keyProvider } = setup();
    const { message } = await client.encrypt(randomBytes(100));
    const shared = Buffer.alloc(message.length + 200);
    message.copy(shared, 100);
    const inPlace = shared.subarray(100, 100 + message.length);
    await expect(client.decryptInto(inPlace, shared.subarray(50, 200))).rejects.toThrow(/overlaps the message/);
    await expect(client.decryptInto(inPlace, shared.subarray(100 + message.length - 1))).rejects.toThrow(ConfigurationError);
    expect(keyProvider.decryptCalls).toBe(0);
    // Only the bytes the plaintext fills count: a longer target ending inside the message is fine.
    const { length } = await client.decryptInto(inPlace, shared.subarray(0, 150));
    expect(length).toBe(100);
  });

  test('a non-buffer target is refused', async () => {
    const { client } = setup();
    const { message } = await client.encrypt(randomBytes(10));
    await expect(client.decryptInto(message, 'target' as unknown as Uint8Array)).rejects.toThrow(ConfigurationError);
  });

  test('a frame that does not authenticate leaves the plaintext range of the target zeroed', async () => {
    const { client } = setup({ frameLength: 100 });
    const { message } = await client.encrypt(randomBytes(350));
    const tampered = Buffer.from(message);
    tampered[tampered.length - 1] ^= 1; // the final frame's tag
    const target = Buffer.alloc(360, 0xab);
    await expect(client.decryptInto(tampered, target)).rejects.toThrow(InvalidMessageError);
    expect(target.subarray(0, 350).equals(Buffer.alloc(350))).toBe(true);
    expect(target.subarray(350).equals(Buffer.alloc(10, 0xab))).toBe(true);
  });

  test('a message with a bad signature never writes into the target', async () => {
    const { client } = setup({ suite: SIGNED, frameLength: 100 });
    const { message } = await client.encrypt(randomBytes(250));
    const tampered = Buffer.from(message);
    tampered[tampered.length - 1] ^= 1;
    const target = Buffer.alloc(250, 0xab);
    await expect(client.decryptInto(tampered, target)).rejects.toThrow(SignatureVerificationError);
    expect(target.equals(Buffer.alloc(250, 0xab))).toBe(true);
  });
});
