/**
 * Interop both ways with the AWS Encryption SDK for JavaScript (@aws-crypto/client-node, a
 * devDependency): its own KMS keyring and our AwsKmsKeyProvider both run on the offline LocalKms.
 */
import { randomBytes } from 'node:crypto';
import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import * as fc from 'fast-check';
import { EnvelopeClient } from '../../lambda/core/envelope-client';
import { AlgorithmSuiteId } from '../../lambda/core/types';
import { AwsKmsKeyProvider } from '../../lambda/providers/aws-kms';
import { LocalKms } from '../../lambda/providers/local-kms';

const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const SDK_SUITE: Record<AlgorithmSuiteId, AlgorithmSuiteIdentifier> = {
  [AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY]:
    AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
  [AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384]:
    AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
};
type ClientProvider = NonNullable<ConstructorParameters<typeof KmsKeyringNode>[0]>['clientProvider'];
const SUITES = [AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384];

let ours: EnvelopeClient;
let keyring: KmsKeyringNode;

beforeAll(async () => {
  const kms = new LocalKms({ region: 'us-west-2', accountId: '111122223333' });
  const { KeyMetadata } = await kms.createKey({});
  const arn = KeyMetadata.Arn;
  ours = new EnvelopeClient({ keyProvider: new AwsKmsKeyProvider({ client: kms, keyId: arn }) });
  // The SDK's keyring calls client.generateDataKey/encrypt/decrypt({...}), which LocalKms offers.
  keyring = new KmsKeyringNode({ generatorKeyId: arn, clientProvider: (() => kms) as unknown as ClientProvider });
});

interface Case {
  size: number;
  frameLength: number;
  suite: AlgorithmSuiteId;
  context: Record<string, string>;
}

async function oursToSdk(c: Case): Promise<void> {
  const plaintext = randomBytes(c.size);
  const { message } = await ours.encrypt(plaintext, { suite: c.suite, frameLength: c.frameLength, encryptionContext: c.context });
  const { plaintext: out, messageHeader } = await sdk.decrypt(keyring, message);
  expect(Buffer.from(out).equals(plaintext)).toBe(true);
  expect(messageHeader.suiteId).toBe(c.suite);
  for (const [k, v] of Object.entries(c.context)) expect(messageHeader.encryptionContext[k]).toBe(v);
}

async function sdkToOurs(c: Case): Promise<void> {
  const plaintext = randomBytes(c.size);
  const { result } = await sdk.encrypt(keyring, plaintext, { suiteId: SDK_SUITE[c.suite], frameLength: c.frameLength, encryptionContext: c.context });
  const { plaintext: out, header } = await ours.decrypt(result, { expectedEncryptionContext: c.context });
  expect(out.equals(plaintext)).toBe(true);
  expect(header.suite).toBe(c.suite);
  expect(header.frameLength).toBe(c.frameLength);
  expect(header.encryptedDataKeys[0].providerId).toBe('aws-kms');
}

const smallCase: fc.Arbitrary<Case> = fc.record({
  size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 70_000 })),
  frameLength: fc.oneof(fc.integer({ min: 16, max: 4096 }), fc.constant(65536)),
  suite: fc.constantFrom(...SUITES),
  context: fc.dictionary(fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }).filter((k) => !k.startsWith('aws-crypto-')),
    fc.string({ maxLength: 20, unit: 'grapheme' }), { maxKeys: 4 }),
});

describe('interop with @aws-crypto/client-node over LocalKms', () => {
  test('ours -> SDK, random small cases', async () => {
    await fc.assert(fc.asyncProperty(smallCase, oursToSdk), { numRuns: 25 });
  });

  test('SDK -> ours, random small cases', async () => {
    await fc.assert(fc.asyncProperty(smallCase, sdkToOurs), { numRuns: 25 });
  });

  test('multi-MiB messages both ways, both suites', async () => {
    const sizes = fc.sample(fc.integer({ min: 1024 * 1024, max: 5 * 1024 * 1024 }), 4);
    const frames = [65536, 4096, 1024 * 1024, 65536];
    for (let i = 0; i < sizes.length; i++) {
      const c: Case = { size: sizes[i], frameLength: frames[i], suite: SUITES[i % 2], context: { 'run': String(i), 'ünïcode-ключ': 'значение' } };
      await oursToSdk(c);
      await sdkToOurs(c);
    }
  });

  test('streaming: SDK message through our decryptStream, ours through the SDK stream decrypt', async () => {
    const plaintext = randomBytes(300_000);
    const { result } = await sdk.encrypt(keyring, plaintext, { frameLength: 4096, encryptionContext: { s: '1' } });
    const chunks: Buffer[] = [];
    const dec = ours.decryptStream({ expectedEncryptionContext: { s: '1' } });
    dec.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise((resolve, reject) => { dec.on('end', resolve); dec.on('error', reject); });
    for (let i = 0; i < result.length; i += 10_000) dec.write(result.subarray(i, i + 10_000));
    dec.end();
    await done;
    expect(Buffer.concat(chunks).equals(plaintext)).toBe(true);

    const enc = ours.encryptStream({ frameLength: 1000 });
    const parts: Buffer[] = [];
    enc.on('data', (c: Buffer) => parts.push(c));
    const encDone = new Promise((resolve, reject) => { enc.on('end', resolve); enc.on('error', reject); });
    enc.end(plaintext);
    await encDone;
    const { plaintext: back } = await sdk.decrypt(keyring, Buffer.concat(parts));
    expect(Buffer.from(back).equals(plaintext)).toBe(true);
  });
});
