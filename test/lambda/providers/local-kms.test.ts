import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalKms, LocalKmsError, LocalKmsStore } from '../../../lambda/providers/local-kms';

const CTX = { app: 'test' };
const bytes = (s: string) => new Uint8Array(Buffer.from(s));

/** A clock the test moves by hand. */
function manualClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let now = start;
  return { clock: () => new Date(now), advanceDays: (d: number) => { now += d * 86_400_000; } };
}

async function errorOf(p: Promise<unknown>): Promise<LocalKmsError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (!(e instanceof LocalKmsError)) throw new Error(`expected a LocalKmsError, got ${String(e)}`);
  return e;
}

describe('keys and addressing', () => {
  test('CreateKey and DescribeKey return id, ARN, creation date, description, state, spec and usage', async () => {
    const { clock } = manualClock();
    const kms = new LocalKms({ region: 'eu-west-2', accountId: '123456789012', clock });
    const { KeyMetadata: meta } = await kms.createKey({ Description: 'orders' });
    expect(meta.KeyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(meta.Arn).toBe(`arn:aws:kms:eu-west-2:123456789012:key/${meta.KeyId}`);
    const { KeyMetadata: d } = await kms.describeKey({ KeyId: meta.Arn });
    expect(d).toMatchObject({
      KeyId: meta.KeyId,
      Arn: meta.Arn,
      AWSAccountId: '123456789012',
      Description: 'orders',
      KeyState: 'Enabled',
      Enabled: true,
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      MultiRegion: false,
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    });
    expect(d.CreationDate).toEqual(clock());
  });

  test('defaults: region us-east-1 and account 111122223333', async () => {
    const { KeyMetadata } = await new LocalKms().createKey({});
    expect(KeyMetadata.Arn).toMatch(/^arn:aws:kms:us-east-1:111122223333:key\//);
  });

  test('a key is addressed by id, key ARN, alias name and alias ARN', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({});
    await kms.createAlias({ AliasName: 'alias/orders', TargetKeyId: KeyMetadata.KeyId });
    for (const id of [KeyMetadata.KeyId, KeyMetadata.Arn, 'alias/orders', 'arn:aws:kms:us-east-1:111122223333:alias/orders']) {
      const out = await kms.encrypt({ KeyId: id, Plaintext: bytes('x'), EncryptionContext: CTX });
      expect(out.KeyId).toBe(KeyMetadata.Arn);
    }
  });

  test('aliases: list, duplicate, update, delete, reserved prefix', async () => {
    const kms = new LocalKms();
    const a = (await kms.createKey({})).KeyMetadata;
    const b = (await kms.createKey({})).KeyMetadata;
    await kms.createAlias({ AliasName: 'alias/app', TargetKeyId: a.Arn });
    expect((await errorOf(kms.createAlias({ AliasName: 'alias/app', TargetKeyId: b.KeyId }))).name).toBe('AlreadyExistsException');
    expect((await errorOf(kms.createAlias({ AliasName: 'app', TargetKeyId: b.KeyId }))).name).toBe('ValidationException');
    expect((await errorOf(kms.createAlias({ AliasName: 'alias/aws/s3', TargetKeyId: b.KeyId }))).name).toBe('NotAuthorizedException');
    const { Aliases } = await kms.listAliases({});
    expect(Aliases).toEqual([expect.objectContaining({ AliasName: 'alias/app', AliasArn: 'arn:aws:kms:us-east-1:111122223333:alias/app', TargetKeyId: a.KeyId })]);
    await kms.updateAlias({ AliasName: 'alias/app', TargetKeyId: b.KeyId });
    expect((await kms.describeKey({ KeyId: 'alias/app' })).KeyMetadata.KeyId).toBe(b.KeyId);
    expect((await kms.listAliases({ KeyId: a.KeyId })).Aliases).toHaveLength(0);
    await kms.deleteAlias({ AliasName: 'alias/app' });
    expect((await errorOf(kms.describeKey({ KeyId: 'alias/app' }))).name).toBe('NotFoundException');
  });

  test.each([
    ['an unknown key id', () => crypto.randomUUID()],
    ['a key ARN of another region', () => `arn:aws:kms:eu-west-1:111122223333:key/${crypto.randomUUID()}`],
    ['an unknown alias', () => 'alias/missing'],
  ])('%s gives NotFoundException', async (_, id) => {
    const e = await errorOf(new LocalKms().describeKey({ KeyId: id() }));
    expect(e).toMatchObject({ name: 'NotFoundException', $fault: 'client' });
    expect(e.$metadata.httpStatusCode).toBe(400);
  });

  test('a missing KeyId gives ValidationException', async () => {
    expect((await errorOf(new LocalKms().describeKey({ KeyId: undefined }))).name).toBe('ValidationException');
  });

  test.each([
    ['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT'],
    ['RSA_2048', 'ENCRYPT_DECRYPT'],
    ['RSA_2048', 'SIGN_VERIFY'],
    ['ECC_NIST_P256', 'SIGN_VERIFY'],
    ['ECC_NIST_P384', 'SIGN_VERIFY'],
    ['ECC_SECG_P256K1', 'SIGN_VERIFY'],
    ['HMAC_256', 'GENERATE_VERIFY_MAC'],
    ['HMAC_512', 'GENERATE_VERIFY_MAC'],
  ] as const)('creates %s keys for %s', async (KeySpec, KeyUsage) => {
    const { KeyMetadata } = await new LocalKms().createKey({ KeySpec, KeyUsage });
    expect(KeyMetadata).toMatchObject({ KeySpec, KeyUsage, CustomerMasterKeySpec: KeySpec });
  });

  test.each([
    ['HMAC_256', undefined],
    ['ECC_NIST_P256', 'ENCRYPT_DECRYPT'],
    ['SYMMETRIC_DEFAULT', 'SIGN_VERIFY'],
  ] as const)('rejects KeySpec %s with KeyUsage %s', async (KeySpec, KeyUsage) => {
    const e = await errorOf(new LocalKms().createKey({ KeySpec, KeyUsage }));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toMatch(/not compatible with KeySpec/);
  });
});

describe('Encrypt and Decrypt', () => {
  test('round trip; the ciphertext names its key so Decrypt needs no KeyId', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({});
    const enc = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('hello'), EncryptionContext: CTX });
    expect(enc.CiphertextBlob).toBeInstanceOf(Uint8Array);
    expect(enc.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
    const dec = await kms.decrypt({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: CTX });
    expect(Buffer.from(dec.Plaintext).toString()).toBe('hello');
    expect(dec.KeyId).toBe(KeyMetadata.Arn);
  });

  test('Encrypt takes at most 4096 bytes', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({});
    await expect(kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: new Uint8Array(4096) })).resolves.toBeDefined();
    const e = await errorOf(kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: new Uint8Array(4097) }));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toMatch(/between 1 and 4096 \(got 4097\)/);
    expect((await errorOf(kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: new Uint8Array(0) }))).name).toBe('ValidationException');
  });

  test('a wrong, missing or extra encryption context gives InvalidCiphertextException', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({});
    const { CiphertextBlob } = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('x'), EncryptionContext: { a: '1', b: '2' } });
    await expect(kms.decrypt({ CiphertextBlob, EncryptionContext: { b: '2', a: '1' } })).resolves.toBeDefined();
    const contexts: (Record<string, string> | undefined)[] = [{ a: '1', b: '3' }, { a: '1' }, undefined, { a: '1', b: '2', c: '3' }];
    for (const EncryptionContext of contexts) {
      expect((await errorOf(kms.decrypt({ CiphertextBlob, EncryptionContext }))).name).toBe('InvalidCiphertextException');
    }
  });

  test('tampering with any byte gives InvalidCiphertextException (NotFoundException when the flipped byte is in the key reference)', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({});
    const { CiphertextBlob } = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('payload'), EncryptionContext: CTX });
    const names = new Set<string>();
    for (let i = 0; i < CiphertextBlob.length; i++) {
      const t = new Uint8Array(CiphertextBlob);
      t[i] = (t[i] + 0x80) % 256; // flip the top bit
      names.add((await errorOf(kms.decrypt({ CiphertextBlob: t, EncryptionContext: CTX }))).name);
    }
    expect([...names].sort()).toEqual(expect.arrayContaining(['InvalidCiphertextException']));
    expect([...names].every((n) => ['InvalidCiphertextException', 'NotFoundException'].includes(n))).toBe(true);
    expect((await errorOf(kms.decrypt({ CiphertextBlob: CiphertextBlob.subarray(0, 30), EncryptionContext: CTX }))).name).toBe('InvalidCiphertextException');
  });

  test('Decrypt with the KeyId of another key gives IncorrectKeyException', async () => {
    const kms = new LocalKms();
    const a = (await kms.createKey({})).KeyMetadata;
    const b = (await kms.createKey({})).KeyMetadata;
    const { CiphertextBlob } = await kms.encrypt({ KeyId: a.KeyId, Plaintext: bytes('x') });
    expect((await errorOf(kms.decrypt({ CiphertextBlob, KeyId: b.Arn }))).name).toBe('IncorrectKeyException');
  });

  test('a ciphertext of one LocalKms store does not decrypt in another', async () => {
    const a = new LocalKms();
    const { KeyMetadata } = await a.createKey({});
    const { CiphertextBlob } = await a.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('x') });
    expect((await errorOf(new LocalKms().decrypt({ CiphertextBlob }))).name).toBe('NotFoundException');
  });

  test('RSA encryption keys: OAEP SHA-256 round trip, KeyId and algorithm required on Decrypt', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    expect(KeyMetadata.EncryptionAlgorithms).toEqual(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    const enc = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('rsa'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    const dec = await kms.decrypt({ CiphertextBlob: enc.CiphertextBlob, KeyId: KeyMetadata.KeyId, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    expect(Buffer.from(dec.Plaintext).toString()).toBe('rsa');
    expect((await errorOf(kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('x') }))).name).toBe('InvalidKeyUsageException');
    // The public key from GetPublicKey encrypts for KMS to decrypt, as with real KMS.
    const { PublicKey } = await kms.getPublicKey({ KeyId: KeyMetadata.Arn });
    const offline = crypto.publicEncrypt({ key: crypto.createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' }), oaepHash: 'sha256' }, Buffer.from('offline'));
    const back = await kms.decrypt({ CiphertextBlob: offline, KeyId: KeyMetadata.KeyId, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    expect(Buffer.from(back.Plaintext).toString()).toBe('offline');
  });

  test('using a key for the wrong purpose gives InvalidKeyUsageException', async () => {
    const kms = new LocalKms();
    const mac = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata;
    const sym = (await kms.createKey({})).KeyMetadata;
    expect((await errorOf(kms.encrypt({ KeyId: mac.KeyId, Plaintext: bytes('x') }))).name).toBe('InvalidKeyUsageException');
    expect((await errorOf(kms.generateMac({ KeyId: sym.KeyId, Message: bytes('x'), MacAlgorithm: 'HMAC_SHA_256' }))).name).toBe('InvalidKeyUsageException');
  });
});

describe('data keys', () => {
  test.each([
    [{ KeySpec: 'AES_128' as const }, 16],
    [{ KeySpec: 'AES_256' as const }, 32],
    [{ NumberOfBytes: 1 }, 1],
    [{ NumberOfBytes: 1024 }, 1024],
  ])('GenerateDataKey %j gives %d bytes that Decrypt recovers', async (spec, n) => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({});
    const dk = await kms.generateDataKey({ KeyId: KeyMetadata.KeyId, EncryptionContext: CTX, ...spec });
    expect(dk.Plaintext).toBeInstanceOf(Uint8Array);
    expect(dk.Plaintext).toHaveLength(n);
    expect(dk.KeyId).toBe(KeyMetadata.Arn);
    const back = await kms.decrypt({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: CTX });
    expect(Buffer.from(back.Plaintext).equals(Buffer.from(dk.Plaintext))).toBe(true);
  });

  test.each([
    [{ NumberOfBytes: 0 }],
    [{ NumberOfBytes: 1025 }],
    [{ NumberOfBytes: 1.5 }],
    [{}],
    [{ NumberOfBytes: 32, KeySpec: 'AES_256' as const }],
    [{ KeySpec: 'AES_512' as unknown as 'AES_256' }],
  ])('GenerateDataKey %j gives ValidationException', async (spec) => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({});
    expect((await errorOf(kms.generateDataKey({ KeyId: KeyMetadata.KeyId, ...spec }))).name).toBe('ValidationException');
  });

  test('GenerateDataKeyWithoutPlaintext returns only a ciphertext that decrypts to 32 bytes', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({});
    const out = await kms.generateDataKeyWithoutPlaintext({ KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256', EncryptionContext: CTX });
    expect(Object.keys(out).sort()).toEqual(['CiphertextBlob', 'KeyId']);
    expect((await kms.decrypt({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: CTX })).Plaintext).toHaveLength(32);
  });

  test('GenerateDataKeyPair: a usable key pair whose wrapped private key decrypts to the same key', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({});
    const pair = await kms.generateDataKeyPair({ KeyId: KeyMetadata.KeyId, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: CTX });
    expect(pair.KeyPairSpec).toBe('ECC_NIST_P256');
    const priv = crypto.createPrivateKey({ key: Buffer.from(pair.PrivateKeyPlaintext), format: 'der', type: 'pkcs8' });
    const pub = crypto.createPublicKey({ key: Buffer.from(pair.PublicKey), format: 'der', type: 'spki' });
    const sig = crypto.sign('sha256', Buffer.from('m'), priv);
    expect(crypto.verify('sha256', Buffer.from('m'), pub, sig)).toBe(true);
    const unwrapped = await kms.decrypt({ CiphertextBlob: pair.PrivateKeyCiphertextBlob, EncryptionContext: CTX });
    expect(Buffer.from(unwrapped.Plaintext).equals(Buffer.from(pair.PrivateKeyPlaintext))).toBe(true);
    const noPlain = await kms.generateDataKeyPairWithoutPlaintext({ KeyId: KeyMetadata.KeyId, KeyPairSpec: 'ECC_NIST_P384' });
    expect(noPlain).not.toHaveProperty('PrivateKeyPlaintext');
    expect(noPlain.PublicKey.length).toBeGreaterThan(0);
    expect((await errorOf(kms.generateDataKeyPair({ KeyId: KeyMetadata.KeyId, KeyPairSpec: 'DSA' as unknown as 'RSA_2048' }))).name).toBe('ValidationException');
  });

  test('GenerateDataKey under an asymmetric key gives InvalidKeyUsageException', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    expect((await errorOf(kms.generateDataKey({ KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' }))).name).toBe('InvalidKeyUsageException');
  });

  test('ReEncrypt moves a ciphertext to another key and context', async () => {
    const kms = new LocalKms();
    const a = (await kms.createKey({})).KeyMetadata;
    const b = (await kms.createKey({})).KeyMetadata;
    const { CiphertextBlob } = await kms.encrypt({ KeyId: a.KeyId, Plaintext: bytes('move me'), EncryptionContext: { v: '1' } });
    const re = await kms.reEncrypt({ CiphertextBlob, SourceEncryptionContext: { v: '1' }, DestinationKeyId: b.Arn, DestinationEncryptionContext: { v: '2' } });
    expect(re).toMatchObject({ SourceKeyId: a.Arn, KeyId: b.Arn, SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT', DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    const dec = await kms.decrypt({ CiphertextBlob: re.CiphertextBlob, EncryptionContext: { v: '2' } });
    expect(dec.KeyId).toBe(b.Arn);
    expect(Buffer.from(dec.Plaintext).toString()).toBe('move me');
    expect((await errorOf(kms.reEncrypt({ CiphertextBlob, SourceEncryptionContext: { v: 'x' }, DestinationKeyId: b.Arn }))).name).toBe('InvalidCiphertextException');
  });
});

describe('signing and MAC keys', () => {
  test.each([
    ['ECC_NIST_P256', 'ECDSA_SHA_256'],
    ['ECC_NIST_P384', 'ECDSA_SHA_384'],
    ['RSA_2048', 'RSASSA_PSS_SHA_256'],
    ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_512'],
  ] as const)('%s signs with %s; Verify and the public key accept it, and reject a changed message', async (KeySpec, SigningAlgorithm) => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec, KeyUsage: 'SIGN_VERIFY' });
    const { Signature, KeyId } = await kms.sign({ KeyId: KeyMetadata.KeyId, Message: bytes('msg'), SigningAlgorithm });
    expect(KeyId).toBe(KeyMetadata.Arn);
    await expect(kms.verify({ KeyId: KeyMetadata.KeyId, Message: bytes('msg'), Signature, SigningAlgorithm })).resolves.toMatchObject({ SignatureValid: true });
    expect((await errorOf(kms.verify({ KeyId: KeyMetadata.KeyId, Message: bytes('msh'), Signature, SigningAlgorithm }))).name).toBe('KMSInvalidSignatureException');
    const { PublicKey, SigningAlgorithms } = await kms.getPublicKey({ KeyId: KeyMetadata.KeyId });
    expect(SigningAlgorithms).toContain(SigningAlgorithm);
    const pub = crypto.createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' });
    const hash = `sha${SigningAlgorithm.slice(-3)}`;
    const padding = SigningAlgorithm.startsWith('RSASSA_PSS') ? crypto.constants.RSA_PKCS1_PSS_PADDING : undefined;
    expect(crypto.verify(hash, Buffer.from('msg'), padding ? { key: pub, padding, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST } : pub, Buffer.from(Signature))).toBe(true);
  });

  test('a signing algorithm the key does not support gives InvalidKeyUsageException', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    expect((await errorOf(kms.sign({ KeyId: KeyMetadata.KeyId, Message: bytes('m'), SigningAlgorithm: 'ECDSA_SHA_384' }))).name).toBe('InvalidKeyUsageException');
    expect((await errorOf(kms.getPublicKey({ KeyId: (await kms.createKey({})).KeyMetadata.KeyId }))).name).toBe('UnsupportedOperationException');
  });

  test('HMAC keys: GenerateMac / VerifyMac, a wrong MAC gives KMSInvalidMacException', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(KeyMetadata.MacAlgorithms).toEqual(['HMAC_SHA_384']);
    const { Mac } = await kms.generateMac({ KeyId: KeyMetadata.KeyId, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_384' });
    expect(Mac).toHaveLength(48);
    await expect(kms.verifyMac({ KeyId: KeyMetadata.KeyId, Message: bytes('m'), Mac, MacAlgorithm: 'HMAC_SHA_384' })).resolves.toMatchObject({ MacValid: true });
    const bad = new Uint8Array(Mac);
    bad[0] = (bad[0] + 1) % 256;
    expect((await errorOf(kms.verifyMac({ KeyId: KeyMetadata.KeyId, Message: bytes('m'), Mac: bad, MacAlgorithm: 'HMAC_SHA_384' }))).name).toBe('KMSInvalidMacException');
    expect((await errorOf(kms.generateMac({ KeyId: KeyMetadata.KeyId, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }))).name).toBe('InvalidKeyUsageException');
  });
});

describe('key lifecycle', () => {
  test('on-demand rotation: new material for new ciphertexts, old ciphertexts still decrypt', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({});
    const before = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('old'), EncryptionContext: CTX });
    const m1 = (await kms.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata.CurrentKeyMaterialId;
    await kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId });
    const m2 = (await kms.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata.CurrentKeyMaterialId;
    expect(m2).not.toBe(m1);
    const after = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('new'), EncryptionContext: CTX });
    expect(Buffer.from((await kms.decrypt({ CiphertextBlob: before.CiphertextBlob, EncryptionContext: CTX })).Plaintext).toString()).toBe('old');
    expect(Buffer.from((await kms.decrypt({ CiphertextBlob: after.CiphertextBlob, EncryptionContext: CTX })).Plaintext).toString()).toBe('new');
  });

  test('automatic rotation happens when the clock passes the rotation period', async () => {
    const c = manualClock();
    const kms = new LocalKms({ clock: c.clock });
    const { KeyMetadata } = await kms.createKey({});
    await kms.enableKeyRotation({ KeyId: KeyMetadata.KeyId, RotationPeriodInDays: 90 });
    const status = await kms.getKeyRotationStatus({ KeyId: KeyMetadata.KeyId });
    expect(status).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90 });
    const old = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('x') });
    const m1 = (await kms.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata.CurrentKeyMaterialId;
    c.advanceDays(91);
    const m2 = (await kms.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata.CurrentKeyMaterialId;
    expect(m2).not.toBe(m1);
    await expect(kms.decrypt({ CiphertextBlob: old.CiphertextBlob })).resolves.toBeDefined();
    expect((await errorOf(kms.enableKeyRotation({ KeyId: KeyMetadata.KeyId, RotationPeriodInDays: 89 }))).message).toMatch(/between 90 and 2560 \(got 89\)/);
    const hmac = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata;
    expect((await errorOf(kms.enableKeyRotation({ KeyId: hmac.KeyId }))).name).toBe('UnsupportedOperationException');
  });

  test('DisableKey gives DisabledException for use (Describe still works); EnableKey restores it', async () => {
    const kms = new LocalKms();
    const { KeyMetadata } = await kms.createKey({});
    const { CiphertextBlob } = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('x') });
    await kms.disableKey({ KeyId: KeyMetadata.KeyId });
    expect((await kms.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    expect((await errorOf(kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('x') }))).name).toBe('DisabledException');
    expect((await errorOf(kms.decrypt({ CiphertextBlob }))).name).toBe('DisabledException');
    expect((await errorOf(kms.generateDataKey({ KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' }))).name).toBe('DisabledException');
    await kms.enableKey({ KeyId: KeyMetadata.KeyId });
    await expect(kms.decrypt({ CiphertextBlob })).resolves.toBeDefined();
  });

  test('ScheduleKeyDeletion: 7..30 days (default 30), KMSInvalidStateException while pending, cancel leaves it Disabled', async () => {
    const c = manualClock();
    const kms = new LocalKms({ clock: c.clock });
    const { KeyMetadata } = await kms.createKey({});
    for (const days of [6, 31]) {
      const e = await errorOf(kms.scheduleKeyDeletion({ KeyId: KeyMetadata.KeyId, PendingWindowInDays: days }));
      expect(e.name).toBe('ValidationException');
      expect(e.message).toMatch(/between 7 and 30/);
    }
    const s = await kms.scheduleKeyDeletion({ KeyId: KeyMetadata.KeyId });
    expect(s).toEqual({ KeyId: KeyMetadata.Arn, KeyState: 'PendingDeletion', PendingWindowInDays: 30, DeletionDate: new Date(c.clock().getTime() + 30 * 86_400_000) });
    expect((await kms.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata).toMatchObject({ KeyState: 'PendingDeletion', PendingDeletionWindowInDays: 30 });
    expect((await errorOf(kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('x') }))).name).toBe('KMSInvalidStateException');
    expect((await errorOf(kms.enableKey({ KeyId: KeyMetadata.KeyId }))).name).toBe('KMSInvalidStateException');
    await kms.cancelKeyDeletion({ KeyId: KeyMetadata.KeyId });
    expect((await kms.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata.KeyState).toBe('Disabled');
    expect((await errorOf(kms.cancelKeyDeletion({ KeyId: KeyMetadata.KeyId }))).name).toBe('KMSInvalidStateException');
  });

  test('after the pending window the key is gone: NotFoundException', async () => {
    const c = manualClock();
    const kms = new LocalKms({ clock: c.clock });
    const { KeyMetadata } = await kms.createKey({});
    await kms.createAlias({ AliasName: 'alias/doomed', TargetKeyId: KeyMetadata.KeyId });
    await kms.scheduleKeyDeletion({ KeyId: KeyMetadata.KeyId, PendingWindowInDays: 7 });
    c.advanceDays(6);
    await expect(kms.describeKey({ KeyId: KeyMetadata.KeyId })).resolves.toBeDefined();
    c.advanceDays(2);
    expect((await errorOf(kms.describeKey({ KeyId: KeyMetadata.KeyId }))).name).toBe('NotFoundException');
    expect((await kms.listAliases({})).Aliases).toHaveLength(0);
  });
});

describe('key store file', () => {
  test('keys, aliases and rotated material survive a restart; the file is private', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-kms-'));
    const storePath = path.join(dir, 'keys.json');
    const first = new LocalKms({ storePath });
    const { KeyMetadata } = await first.createKey({ Description: 'persisted' });
    await first.createAlias({ AliasName: 'alias/persisted', TargetKeyId: KeyMetadata.KeyId });
    const old = await first.encrypt({ KeyId: 'alias/persisted', Plaintext: bytes('x'), EncryptionContext: CTX });
    await first.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId });
    expect(fs.statSync(storePath).mode % 0o100).toBe(0); // no group or other permissions
    const second = new LocalKms({ storePath });
    expect((await second.describeKey({ KeyId: 'alias/persisted' })).KeyMetadata.Description).toBe('persisted');
    expect(Buffer.from((await second.decrypt({ CiphertextBlob: old.CiphertextBlob, EncryptionContext: CTX })).Plaintext).toString()).toBe('x');
    fs.rmSync(dir, { recursive: true });
  });

  test('a corrupt or foreign store file is refused with a message saying what to do', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-kms-'));
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{not json');
    expect(() => new LocalKmsStore({ path: bad })).toThrow(/not valid JSON.*Fix or delete the file/);
    fs.writeFileSync(bad, JSON.stringify({ formatVersion: 9 }));
    expect(() => new LocalKms({ storePath: bad })).toThrow(/unknown format \(formatVersion 9; expected 1\)/);
    fs.rmSync(dir, { recursive: true });
  });
});

test('rejects a malformed region or account id', () => {
  expect(() => new LocalKms({ region: 'mars' })).toThrow(/region 'mars'/);
  expect(() => new LocalKms({ accountId: '12' })).toThrow(/12 digits/);
});
