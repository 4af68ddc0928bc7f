/* eslint-disable no-bitwise */ // flipping bits is how these tests tamper
import { createDecipheriv, Decipher, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { drain, FakeKeyProvider, isAllZero, RecordingMaterialsManager, StaticKeyProvider } from './support';
import { EnvelopeClient } from '../../../lambda/core/envelope-client';
import {
  CommitmentMismatchError, ConfigurationError, InvalidMessageError, SignatureVerificationError,
} from '../../../lambda/core/errors';
import { parseHeader } from '../../../lambda/core/header';
import * as keyDerivation from '../../../lambda/core/key-derivation';
import { DefaultMaterialsManager } from '../../../lambda/core/materials';
import { DecryptStream, EncryptStream } from '../../../lambda/core/streams';
import {
  AlgorithmSuiteId, DecryptionMaterials, DecryptionMaterialsRequest, KeyProvider, MaterialsManager,
} from '../../../lambda/core/types';

const SIGNED = AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;

/** Every content key derived during the test, as the very buffers the core uses. */
let contentKeys: Buffer[] = [];

beforeEach(() => {
  contentKeys = [];
  const derive = keyDerivation.deriveKeys;
  jest.spyOn(keyDerivation, 'deriveKeys').mockImplementation((...args) => {
    const derived = derive(...args);
    contentKeys.push(derived.contentKey);
    return derived;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});

function setup(suite?: AlgorithmSuiteId, provider: KeyProvider = new FakeKeyProvider()) {
  const mm = new RecordingMaterialsManager(new DefaultMaterialsManager(provider));
  return { mm, client: new EnvelopeClient({ materialsManager: mm, suite, frameLength: 100 }) };
}

/** The data keys the client was handed were real keys, and are now all zeros; so are the derived keys. */
function expectAllWiped(mm: RecordingMaterialsManager, expectedKeys: number): void {
  expect(mm.handedOut).toHaveLength(expectedKeys);
  expect(contentKeys.length).toBeGreaterThanOrEqual(expectedKeys);
  for (const { key, original } of mm.handedOut) {
    expect(isAllZero(original)).toBe(false);
    expect(isAllZero(key)).toBe(true);
  }
  for (const k of contentKeys) expect(isAllZero(k)).toBe(true);
}


/** A manager returning a fixed wrong data key (a fresh copy each time): decrypt fails on the commitment. */
class WrongKeyMaterialsManager implements MaterialsManager {
  public async getEncryptionMaterials(): Promise<never> {
    throw new Error('not used');
  }
  public async decryptMaterials(request: DecryptionMaterialsRequest): Promise<DecryptionMaterials> {
    return { suite: request.suite, encryptionContext: request.encryptionContext, plaintextDataKey: randomBytes(32) };
  }
}

describe('whole-buffer encrypt and decrypt wipe the data key and the derived key', () => {
  test.each([['0x0478', undefined], ['0x0578', SIGNED]])('on success, suite %s', async (_name, suite) => {
    const { client, mm } = setup(suite);
    const plaintext = randomBytes(250);
    const { message } = await client.encrypt(plaintext, { encryptionContext: { a: 'b' } });
    const { plaintext: out } = await client.decrypt(message);
    expect(out.equals(plaintext)).toBe(true);
    expectAllWiped(mm, 2);
  });

  test('when encrypt fails after the materials arrived (encryption context too large for the header)', async () => {
    const { client, mm } = setup();
    await expect(client.encrypt(randomBytes(10), { encryptionContext: { big: 'x'.repeat(70_000) } })).rejects.toThrow(ConfigurationError);
    expect(mm.encryptCalls).toBe(1);
    expectAllWiped(mm, 1);
  });

  test('when the commitment does not match', async () => {
    const { client } = setup();
    const { message } = await client.encrypt(randomBytes(10));
    const mm = new RecordingMaterialsManager(new WrongKeyMaterialsManager());
    await expect(new EnvelopeClient({ materialsManager: mm }).decrypt(message)).rejects.toThrow(CommitmentMismatchError);
    expectAllWiped(mm, 1);
  });

  test('when the header tag, a frame or the signature does not verify', async () => {
    const provider = new StaticKeyProvider();
    const { client, mm } = setup(undefined, provider);
    const { message } = await client.encrypt(randomBytes(250));
    const { bodyOffset } = parseHeader(message);
    const badHeaderTag = Buffer.from(message);
    badHeaderTag[bodyOffset - 1] ^= 1;
    await expect(client.decrypt(badHeaderTag)).rejects.toThrow(/header does not authenticate/);
    const badFrame = Buffer.from(message);
    badFrame[bodyOffset + 132 + 20] ^= 1; // frame 2's ciphertext
    await expect(client.decrypt(badFrame)).rejects.toThrow(/frame 2 does not authenticate/);
    const signed = setup(SIGNED, provider);
    const { message: sm } = await signed.client.encrypt(randomBytes(250));
    sm[sm.length - 1] ^= 1;
    await expect(signed.client.decrypt(sm)).rejects.toThrow(SignatureVerificationError);
    expectAllWiped(mm, 3);
    expectAllWiped(signed.mm, 2);
  });
});

describe('whole-buffer decrypt wipes plaintext it will not return', () => {
  test('a failing last frame leaves the partly filled output and every frame temporary zeroed', async () => {
    const { client } = setup();
    const plaintext = randomBytes(350);
    const { message } = await client.encrypt(plaintext);
    const tampered = Buffer.from(message);
    tampered[tampered.length - 1] ^= 1; // the final frame's tag
    // Every plaintext node:crypto hands back (one slice per 100-byte frame here, the failing frame's too).
    const temporaries: Buffer[] = [];
    const decipherProto = Object.getPrototypeOf(createDecipheriv('aes-256-gcm', Buffer.alloc(32), Buffer.alloc(12))) as Decipher;
    const realUpdate = decipherProto.update;
    jest.spyOn(decipherProto, 'update').mockImplementation(function (this: Decipher, ...args: unknown[]) {
      const out = (realUpdate as (...a: unknown[]) => Buffer).apply(this, args);
      temporaries.push(out);
      return out;
    } as never);
    const allocs: Buffer[] = [];
    const realAlloc = Buffer.allocUnsafe.bind(Buffer);
    jest.spyOn(Buffer, 'allocUnsafe').mockImplementation((n: number) => {
      const b = realAlloc(n);
      if (n === plaintext.length) allocs.push(b);
      return b;
    });
    await expect(client.decrypt(tampered)).rejects.toThrow(/frame 4 does not authenticate/);
    expect(temporaries).toHaveLength(4);
    expect(allocs).toHaveLength(1);
    for (const b of [...temporaries, ...allocs]) expect(isAllZero(b)).toBe(true);
  });
});

describe('streams wipe the data key and the derived key', () => {
  test.each([['0x0478', undefined], ['0x0578', SIGNED]])('on finish, suite %s', async (_name, suite) => {
    const { client, mm } = setup(suite);
    const plaintext = randomBytes(1000);
    const enc = await drain(client.encryptStream(), Readable.from([plaintext.subarray(0, 333), plaintext.subarray(333)]));
    expect(enc.error).toBeUndefined();
    const dec = await drain(client.decryptStream(), Readable.from([enc.out]));
    expect(dec.error).toBeUndefined();
    expect(dec.out.equals(plaintext)).toBe(true);
    expectAllWiped(mm, 2);
  });

  test('on error: a wrong plaintextLength, a tampered frame, a bad signature', async () => {
    const { client, mm } = setup();
    const short = await drain(client.encryptStream({ plaintextLength: 500 }), Readable.from([randomBytes(300)]));
    expect(short.error).toBeInstanceOf(ConfigurationError);
    const { message } = await client.encrypt(randomBytes(500));
    const tampered = Buffer.from(message);
    tampered[parseHeader(message).bodyOffset + 140] ^= 1;
    const dec = await drain(client.decryptStream(), Readable.from([tampered]));
    expect(dec.error).toBeInstanceOf(InvalidMessageError);
    const signed = setup(SIGNED);
    const { message: sm } = await signed.client.encrypt(randomBytes(500));
    sm[sm.length - 1] ^= 1;
    const bad = await drain(signed.client.decryptStream(), Readable.from([sm]));
    expect(bad.error).toBeInstanceOf(SignatureVerificationError);
    expectAllWiped(mm, 3);
    expectAllWiped(signed.mm, 2);
  });

  test('on destroy in the middle of a message', async () => {
    const { client, mm } = setup();
    const enc = client.encryptStream();
    enc.on('data', () => undefined);
    enc.write(randomBytes(150));
    await once(enc, 'header');
    enc.destroy();
    await once(enc, 'close');
    const { message } = await client.encrypt(randomBytes(500));
    const dec = client.decryptStream();
    dec.on('data', () => undefined);
    dec.write(message.subarray(0, parseHeader(message).bodyOffset + 200));
    await once(dec, 'header');
    dec.destroy();
    await once(dec, 'close');
    expectAllWiped(mm, 3);
  });

  test('on destroy while the data key is still on its way', async () => {
    const { client, mm } = setup();
    const { message } = await client.encrypt(randomBytes(500));
    let open: () => void = () => undefined;
    mm.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const enc = client.encryptStream() as EncryptStream;
    const dec = client.decryptStream() as DecryptStream;
    for (const s of [enc, dec]) s.on('error', () => undefined);
    enc.write(randomBytes(150));
    dec.write(message);
    await new Promise((resolve) => setImmediate(resolve));
    expect(mm.encryptCalls).toBe(2);
    expect(mm.decryptCalls).toBe(1);
    enc.destroy();
    dec.destroy();
    await Promise.all([once(enc, 'close'), once(dec, 'close')]);
    open();
    await new Promise((resolve) => setImmediate(resolve));
    expect(enc.header).toBeUndefined();
    expect(dec.header).toBeUndefined();
    expectAllWiped(mm, 3);
  });
});
