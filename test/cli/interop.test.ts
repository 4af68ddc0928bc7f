/**
 * The CLI's messages are AWS Encryption SDK messages: a file the CLI encrypts decrypts with
 * @aws-crypto/client-node (KmsKeyringNode over a LocalKms on the same key store file), and a message
 * the Encryption SDK makes decrypts with the CLI, signed or not.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { removePrivateBuild, runCli } from './support';
import { LocalKms } from '../../lambda/providers/local-kms';

type ClientProvider = NonNullable<ConstructorParameters<typeof KmsKeyringNode>[0]>['clientProvider'];
const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

let dir: string;
let store: string;
let keyArn: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'securekey-cli-interop-'));
  store = join(dir, 'keys.json');
  const created = await runCli(['keys', 'create', '--alias', 'interop', '--key-store', store], { cwd: dir });
  expect(created.code).toBe(0);
  keyArn = created.stdout.toString().trim();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removePrivateBuild();
});

/** The Encryption SDK's KMS keyring over the CLI's key store (loaded after the CLI wrote it). */
function keyring(): KmsKeyringNode {
  const kms = new LocalKms({ storePath: store });
  return new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: (() => kms) as unknown as ClientProvider });
}

test.each([
  ['unsigned', [] as string[], 0x0478],
  ['signed', ['--signed'], 0x0578],
])('a file the CLI encrypts (%s) decrypts with the AWS Encryption SDK, context included', async (_name, extra, suite) => {
  const plaintext = randomBytes(1_500_000);
  writeFileSync(join(dir, 'plain.bin'), plaintext);
  const r = await runCli(['encrypt', '--local', '--key-store', store, '-k', 'alias/interop', '-c', 'tenant=acme', ...extra, '-f', '-o', 'msg.enc', 'plain.bin'], { cwd: dir });
  expect(r.code).toBe(0);
  const { plaintext: out, messageHeader } = await esdk.decrypt(keyring(), readFileSync(join(dir, 'msg.enc')));
  expect(Buffer.from(out).equals(plaintext)).toBe(true);
  expect(messageHeader.suiteId).toBe(suite);
  expect(messageHeader.encryptionContext.tenant).toBe('acme');
  expect(messageHeader.encryptedDataKeys.map((k) => [k.providerId, k.providerInfo])).toEqual([['aws-kms', keyArn]]);
});

test.each([
  ['unsigned', AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY],
  ['signed', AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384],
])('a message the AWS Encryption SDK makes (%s, 4 KiB frames) decrypts with the CLI, checking the required pair', async (_name, suiteId) => {
  const plaintext = randomBytes(100_000);
  const { result } = await esdk.encrypt(keyring(), plaintext, { suiteId, frameLength: 4096, encryptionContext: { tenant: 'acme', stage: 'prod' } });
  writeFileSync(join(dir, 'sdk.enc'), result);
  const ok = await runCli(['decrypt', '--local', '--key-store', store, '-k', keyArn, '-c', 'stage=prod', 'sdk.enc'], { cwd: dir });
  expect(ok.code).toBe(0);
  expect(ok.stdout.equals(plaintext)).toBe(true);
  const wrong = await runCli(['decrypt', '--local', '--key-store', store, '-k', keyArn, '-c', 'stage=dev', 'sdk.enc'], { cwd: dir });
  expect(wrong.code).toBe(5);
  expect(wrong.stdout.length).toBe(0);
});
