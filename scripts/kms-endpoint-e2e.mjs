// The shipped CLI bundle (assets/cli/index.js) and the envelope Lambda bundle
// (assets/envelope-function/index.js) against a KMS-compatible endpoint: SECUREKEY_KMS_ENDPOINT
// (.ci/run starts moto_server on loopback). Creates its own keys there, runs each check, and ends
// with `N passed, N failed`. Also checks what the CLI says when the endpoint cannot be reached
// (connection refused, host name that does not resolve). Needs the bundles (npm run bundle:cli,
// npm run bundle:envelope).
//
//   SECUREKEY_KMS_ENDPOINT=http://127.0.0.1:5000 node scripts/kms-endpoint-e2e.mjs
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const endpoint = process.env.SECUREKEY_KMS_ENDPOINT;
if (!endpoint) {
  console.error('kms-endpoint-e2e: set SECUREKEY_KMS_ENDPOINT to a KMS-compatible endpoint');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
// The SDK's notice about its future Node.js support says nothing about these checks.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const region = process.env.SECUREKEY_KMS_REGION ?? 'us-east-1';
const env = {
  ...process.env,
  AWS_REGION: region,
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'securekey-test',
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'securekey-test',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
delete env.AWS_PROFILE;

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${String(e?.stack ?? e).split('\n').slice(0, 4).join('\n     ')}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const cliPath = join(root, 'assets', 'cli', 'index.js');
const lambdaPath = join(root, 'assets', 'envelope-function', 'index.js');
const work = mkdtempSync(join(tmpdir(), 'securekey-endpoint-e2e-'));
const cli = (args, extraEnv = {}) => spawnSync(process.execPath, [cliPath, ...args], { cwd: work, encoding: 'utf8', env: { ...env, ...extraEnv } });

try {
  const { KMS, KMSClient, CreateKeyCommand, CreateAliasCommand } = require('@aws-sdk/client-kms');
  const kms = new KMSClient({ endpoint, region, maxAttempts: 1, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } });
  let key;
  let other;
  const alias = `alias/e2e-${randomBytes(4).toString('hex')}`;
  await check(`the endpoint ${endpoint} creates keys and an alias`, async () => {
    key = (await kms.send(new CreateKeyCommand({ Description: 'kms-endpoint-e2e' }))).KeyMetadata;
    other = (await kms.send(new CreateKeyCommand({ Description: 'kms-endpoint-e2e other' }))).KeyMetadata;
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyId }));
  });
  if (!key) throw new Error(`SECUREKEY_KMS_ENDPOINT=${endpoint} is set but unusable; nothing else can run`);

  // The CLI, as `npx cdk-secure-key` runs it.
  await check('bundles exist', () => assert(existsSync(cliPath) && existsSync(lambdaPath), 'run npm run bundle:cli and npm run bundle:envelope first'));
  const plaintext = randomBytes(300_000);
  writeFileSync(join(work, 'data.bin'), plaintext);
  for (const [label, ref] of [['alias', alias], ['key id', key.KeyId], ['key ARN', key.Arn]]) {
    await check(`CLI: encrypt and decrypt with the ${label} (--endpoint)`, () => {
      rmSync(join(work, 'data.enc'), { force: true });
      rmSync(join(work, 'data.out'), { force: true });
      const enc = cli(['encrypt', '--key', ref, '--endpoint', endpoint, '-c', 'purpose=e2e', '-q', '-o', 'data.enc', 'data.bin']);
      assert(enc.status === 0, `encrypt exited ${enc.status}: ${enc.stderr}`);
      const dec = cli(['decrypt', '--key', ref, '--endpoint', endpoint, '-c', 'purpose=e2e', '-q', '-o', 'data.out', 'data.enc']);
      assert(dec.status === 0, `decrypt exited ${dec.status}: ${dec.stderr}`);
      assert(readFileSync(join(work, 'data.out')).equals(plaintext), 'the round trip changed the data');
    });
  }
  await check('CLI: AWS_ENDPOINT_URL_KMS reaches the endpoint without --endpoint', () => {
    rmSync(join(work, 'env.enc'), { force: true });
    const enc = cli(['encrypt', '--key', alias, '-q', '-o', 'env.enc', 'data.bin'], { AWS_ENDPOINT_URL_KMS: endpoint });
    assert(enc.status === 0, `encrypt exited ${enc.status}: ${enc.stderr}`);
    assert(enc.stderr.includes(`endpoint ${endpoint}`) || enc.stderr === '', `stderr does not name the endpoint: ${enc.stderr}`);
  });
  await check('CLI: a wrong encryption context is refused (exit 5) and nothing is written', () => {
    const dec = cli(['decrypt', '--key', alias, '--endpoint', endpoint, '-c', 'purpose=other', '-q', '-o', 'wrong.out', 'data.enc']);
    assert(dec.status === 5, `decrypt exited ${dec.status}: ${dec.stderr}`);
    assert(!existsSync(join(work, 'wrong.out')), 'wrong.out was written');
  });
  await check('CLI: an unknown key is a key-service error (exit 4)', () => {
    const enc = cli(['encrypt', '--key', 'alias/does-not-exist', '--endpoint', endpoint, '-q', '-o', 'x.enc', 'data.bin']);
    assert(enc.status === 4, `encrypt exited ${enc.status}: ${enc.stderr}`);
  });
  await check('CLI: a refused connection says to check the endpoint (exit 4)', () => {
    const enc = cli(['encrypt', '--key', alias, '--endpoint', 'http://127.0.0.1:1', '-q', '-o', 'x.enc', 'data.bin'], { AWS_MAX_ATTEMPTS: '1' });
    assert(enc.status === 4, `encrypt exited ${enc.status}: ${enc.stderr}`);
    assert(/could not be reached \(ECONNREFUSED\)/.test(enc.stderr) && enc.stderr.includes('AWS_ENDPOINT_URL_KMS'), `no endpoint hint: ${enc.stderr}`);
  });
  await check('CLI: a host name that does not resolve says so (exit 4)', () => {
    const enc = cli(['encrypt', '--key', alias, '--endpoint', 'http://kms.securekey-e2e.invalid', '-q', '-o', 'x.enc', 'data.bin'], { AWS_MAX_ATTEMPTS: '1' });
    assert(enc.status === 4, `encrypt exited ${enc.status}: ${enc.stderr}`);
    assert(/kms\.securekey-e2e\.invalid (did not resolve|could not be resolved)/.test(enc.stderr), `no DNS hint: ${enc.stderr}`);
  });

  // The Lambda bundle, configured as the construct configures it; AWS_ENDPOINT_URL_KMS points its
  // KMSClient at the endpoint.
  // The function refuses SECUREKEY_* variables it does not know (such as this script's own).
  const lambdaEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('SECUREKEY_')));
  for (const name of Object.keys(process.env)) if (name.startsWith('SECUREKEY_')) delete process.env[name];
  Object.assign(process.env, lambdaEnv, {
    AWS_ENDPOINT_URL_KMS: endpoint,
    SECUREKEY_KEY_ARN: key.Arn,
    SECUREKEY_REENCRYPT_DESTINATION_KEY_ARNS: other.Arn,
  });
  const { handler } = require(lambdaPath);
  const { log, error } = console;
  const write = process.stdout.write;
  const call = async (event) => {
    // The handler's JSON log lines (an expected refusal is logged at level ERROR) stay out of CI's output.
    console.log = console.error = () => undefined;
    process.stdout.write = () => true;
    try {
      return await handler(event, { awsRequestId: 'e2e' });
    } finally {
      Object.assign(console, { log, error });
      process.stdout.write = write;
    }
  };
  let message;
  await check('Lambda: encrypt', async () => {
    const r = await call({ operation: 'encrypt', plaintext: plaintext.toString('base64'), encryptionContext: { tenant: 'acme' } });
    assert(r.errorType === undefined && typeof r.message === 'string', `unexpected answer: ${JSON.stringify(r).slice(0, 300)}`);
    message = r.message;
  });
  await check('Lambda: decrypt gives the plaintext back', async () => {
    const r = await call({ operation: 'decrypt', message, encryptionContext: { tenant: 'acme' } });
    assert(r.plaintext === plaintext.toString('base64'), `unexpected answer: ${JSON.stringify(r).slice(0, 200)}`);
  });
  await check('Lambda: generateDataKey answers with the key ARN as keyId', async () => {
    const r = await call({ operation: 'generateDataKey', encryptionContext: { tenant: 'acme' } });
    assert(r.keyId === key.Arn && Buffer.from(r.plaintext, 'base64').length === 32, `unexpected answer: ${JSON.stringify({ ...r, plaintext: '(hidden)' })}`);
  });
  await check('Lambda: reEncrypt to the other key, which then decrypts it', async () => {
    const r = await call({ operation: 'reEncrypt', message, destinationKeyArn: other.Arn });
    assert(r.errorType === undefined && typeof r.message === 'string', `unexpected answer: ${JSON.stringify(r).slice(0, 300)}`);
    const { KmsKeyringNode, buildClient, CommitmentPolicy } = require('@aws-crypto/client-node');
    const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const sdkKms = new KMS({ endpoint, region, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } });
    const keyring = new KmsKeyringNode({ keyIds: [other.Arn], clientProvider: () => sdkKms });
    const out = await decrypt(keyring, Buffer.from(r.message, 'base64'));
    assert(Buffer.from(out.plaintext).equals(plaintext), 'the Encryption SDK decrypted something else');
  });
  await check('Lambda: a wrong encryption context is refused without the plaintext', async () => {
    const r = await call({ operation: 'decrypt', message, encryptionContext: { tenant: 'globex' } });
    assert(r.plaintext === undefined && r.errorType !== undefined && r.errorType !== 'ConfigurationError', `unexpected answer: ${JSON.stringify(r).slice(0, 200)}`);
  });
  kms.destroy();
} catch (e) {
  failed++;
  console.log(`FAIL ${e?.message ?? e}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
