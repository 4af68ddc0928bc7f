/**
 * The CLI's AWS KMS backend, offline: a KMS endpoint on 127.0.0.1 speaking KMS's JSON protocol
 * (awsJson1_1, SigV4-signed requests) over a LocalKms. The bundled SDK finds region, credentials and
 * endpoint its usual way (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL_KMS, ~/.aws files with
 * AWS_PROFILE or --profile), which is what these tests check, with no AWS account and no network.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesIn, removePrivateBuild, runCli } from './support';
import { EXIT } from '../../cli/errors';
import { LocalKms, LocalKmsError } from '../../lambda/providers/local-kms';

const REGION = 'eu-west-1';
const BLOB_FIELDS = new Set(['CiphertextBlob', 'Plaintext']);

interface SeenRequest {
  readonly operation: string;
  readonly accessKeyId: string | undefined;
}

let dir: string;
let server: Server;
let endpoint: string;
let keyArn: string;
const seen: SeenRequest[] = [];
const kms = new LocalKms({ region: REGION });

/** Base64 blobs in, Uint8Arrays to LocalKms; Uint8Arrays and Dates back out as the JSON protocol writes them. */
function toWire(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$metadata' || v === undefined) continue;
    out[k] = v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v instanceof Date ? v.getTime() / 1000 : v;
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'securekey-cli-aws-'));
  keyArn = (await kms.createKey({ Description: 'aws backend test' })).KeyMetadata.Arn;
  await kms.createAlias({ AliasName: 'alias/remote', TargetKeyId: keyArn });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^TrentService\./, '');
      seen.push({ operation, accessKeyId: /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] });
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      for (const k of Object.keys(input)) if (BLOB_FIELDS.has(k)) input[k] = new Uint8Array(Buffer.from(String(input[k]), 'base64'));
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      kms.send({ input, constructor: { name: `${operation}Command` } }).then(
        (out) => reply(200, toWire(out)),
        (err: unknown) => {
          const status = err instanceof LocalKmsError ? err.$metadata.httpStatusCode : 500;
          reply(status, { __type: (err as Error).name, message: (err as Error).message });
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
  removePrivateBuild();
});

const ENV_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDFROMENVIRONMENT', AWS_SECRET_ACCESS_KEY: 'not-a-secret', AWS_MAX_ATTEMPTS: '1' };

test('region, credentials and endpoint from the environment: round trip through the KMS endpoint, said on stderr', async () => {
  const ws = join(dir, 'env');
  mkdirSync(ws);
  const plaintext = randomBytes(200_000);
  writeFileSync(join(ws, 'plain.bin'), plaintext);
  const env = { ...ENV_CREDENTIALS, AWS_REGION: REGION, AWS_ENDPOINT_URL_KMS: endpoint };
  seen.length = 0;
  const enc = await runCli(['encrypt', '--key', 'alias/remote', '-c', 'app=cli', '-o', 'msg.enc', 'plain.bin'], { cwd: ws, env });
  expect(enc.code).toBe(0);
  expect(enc.stderr).toContain(`backend: AWS KMS (region ${REGION}, endpoint ${endpoint})`);
  const dec = await runCli(['decrypt', '--key', keyArn, '-c', 'app=cli', '-o', 'out.bin', 'msg.enc'], { cwd: ws, env });
  expect(dec.code).toBe(0);
  expect(readFileSync(join(ws, 'out.bin')).equals(plaintext)).toBe(true);
  expect(seen).toEqual([
    { operation: 'GenerateDataKey', accessKeyId: 'AKIDFROMENVIRONMENT' },
    { operation: 'Decrypt', accessKeyId: 'AKIDFROMENVIRONMENT' },
  ]);
  // No local key store was created or used.
  expect(filesIn(ws)).toEqual(['msg.enc', 'out.bin', 'plain.bin']);
});

test('a profile from ~/.aws (AWS_PROFILE or --profile) gives region and credentials; --endpoint overrides', async () => {
  const ws = join(dir, 'profile');
  mkdirSync(join(ws, '.aws'), { recursive: true });
  writeFileSync(join(ws, '.aws', 'config'), `[profile dev]\nregion = ${REGION}\n`);
  writeFileSync(join(ws, '.aws', 'credentials'), '[dev]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = not-a-secret\n');
  seen.length = 0;
  const viaFlag = await runCli(['encrypt', '--profile', 'dev', '--endpoint', endpoint, '-k', keyArn, '-o', 'a.enc', '-'], { cwd: ws, stdin: Buffer.from('hello'), env: { AWS_MAX_ATTEMPTS: '1' } });
  expect(viaFlag.code).toBe(0);
  expect(viaFlag.stderr).toContain(`backend: AWS KMS (region ${REGION}, endpoint ${endpoint}, profile dev)`);
  const viaEnv = await runCli(['decrypt', '-k', keyArn, 'a.enc'], { cwd: ws, env: { AWS_PROFILE: 'dev', AWS_ENDPOINT_URL: endpoint, AWS_MAX_ATTEMPTS: '1' } });
  expect(viaEnv.code).toBe(0);
  expect(viaEnv.stdout.toString()).toBe('hello');
  expect(seen.map((s) => s.accessKeyId)).toEqual(['AKIDFROMPROFILE', 'AKIDFROMPROFILE']);
});

test('KMS errors come back as exit 4 with the exception name; nothing is written', async () => {
  const ws = join(dir, 'errors');
  mkdirSync(ws);
  const env = { ...ENV_CREDENTIALS, AWS_REGION: REGION, AWS_ENDPOINT_URL_KMS: endpoint };
  const r = await runCli(['encrypt', '-k', 'alias/missing', '-o', 'x.enc', '-'], { cwd: ws, stdin: Buffer.from('x'), env });
  expect(r.code).toBe(EXIT.KEY);
  expect(r.stderr).toMatch(/error: NotFoundException: KMS GenerateDataKey with key alias\/missing failed\. Check the key id/);
  expect(filesIn(ws)).toEqual([]);
});

test('an unreachable endpoint fails (exit 4); the command does not turn to the local key store', async () => {
  const ws = join(dir, 'unreachable');
  mkdirSync(ws);
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const r = await runCli(['encrypt', '-k', keyArn, '-o', 'x.enc', '-'], {
    cwd: ws, stdin: Buffer.from('x'), env: { ...ENV_CREDENTIALS, AWS_REGION: REGION, AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${port}` },
  });
  expect(r.code).toBe(EXIT.KEY);
  expect(r.stderr).toContain('backend: AWS KMS');
  expect(r.stderr).not.toContain('local');
  expect(r.stderr).toMatch(/error: .*KMS GenerateDataKey .* failed/);
  expect(filesIn(ws)).toEqual([]);
});
