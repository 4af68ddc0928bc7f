import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { EnvelopeClient } from '../../lambda/core/envelope-client';
import { LocalKms } from '../../lambda/providers/local-kms';
import { LocalKmsKeyProvider } from '../../lambda/providers/local-kms-provider';
import { newestSource } from '../support/sources';

// The bundle the package ships (assets/envelope-function/index.js), loaded in a fresh `node`
// process. The test task builds it right before jest; when it is missing or older than the
// sources (a local run), this file builds its own copy in a temporary directory instead.
const ROOT = join(__dirname, '..', '..');
const SHIPPED = join(ROOT, 'assets');

let assets = SHIPPED;
let work: string;
let store: string;
let keyArn: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'securekey-bundle-'));
  const shipped = join(SHIPPED, 'envelope-function', 'index.js');
  if (!existsSync(shipped) || statSync(shipped).mtimeMs < newestSource(join(ROOT, 'lambda'))) {
    assets = join(work, 'assets');
    execFileSync(process.execPath, [join(ROOT, 'lambda', 'build-bundle.mjs'), '--outdir', assets], { stdio: 'pipe' });
  }
  store = join(work, 'keys.json');
  keyArn = (await new LocalKms({ storePath: store }).createKey({ Description: 'bundle test' })).KeyMetadata.Arn!;
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `script` in a fresh node process with the bundle's path as BUNDLE; returns the RESULT line and the log lines. */
function runNode(script: string, env: Record<string, string>): { result: unknown; logs: Array<Record<string, unknown>> } {
  const run = spawnSync(process.execPath, ['-e', script], {
    cwd: work, // outside the repository: nothing can come from its node_modules by accident
    env: { PATH: process.env.PATH ?? '', BUNDLE: join(assets, 'envelope-function', 'index.js'), ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (run.status !== 0) throw new Error(`node exited with ${run.status}: ${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  const result = lines.find((l) => l.startsWith('RESULT '));
  if (!result) throw new Error(`no RESULT line in: ${run.stdout}\n${run.stderr}`);
  return {
    result: JSON.parse(result.slice('RESULT '.length)),
    logs: lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const ROUND_TRIP = `
  const { handler } = require(process.env.BUNDLE);
  (async () => {
    const plaintext = Buffer.from('hello from a fresh process').toString('base64');
    const e1 = await handler({ operation: 'encrypt', plaintext, encryptionContext: { tenant: 't1' } }, { awsRequestId: 'r-1' });
    const e2 = await handler({ operation: 'encrypt', plaintext, encryptionContext: { tenant: 't1' } }, { awsRequestId: 'r-2' });
    const d = await handler({ operation: 'decrypt', message: e1.message, encryptionContext: { tenant: 't1' } }, { awsRequestId: 'r-3' });
    console.log('RESULT ' + JSON.stringify({ same: d.plaintext === plaintext, context: d.encryptionContext, message: e2.message }));
  })().catch((e) => { console.error(e); process.exit(1); });
`;

describe('the bundled envelope Lambda in a fresh node process', () => {
  test('encrypts and decrypts against the local KMS stand-in selected by the environment', () => {
    const { result, logs } = runNode(ROUND_TRIP, { SECUREKEY_KEY_ARN: keyArn, SECUREKEY_KMS_BACKEND: 'local', SECUREKEY_LOCAL_KMS_STORE: store });
    expect(result).toMatchObject({ same: true, context: { tenant: 't1' } });
    expect(logs[0]).toMatchObject({ type: 'securekey.init', level: 'INFO', backend: 'local', keyArn });
    const calls = logs.filter((l) => l.type === 'securekey.call');
    expect(calls.map((l) => [l.operation, l.outcome, l.cache, l.kmsCalls, l.requestId])).toEqual([
      ['encrypt', 'success', 'miss', 1, 'r-1'],
      ['encrypt', 'success', 'hit', 0, 'r-2'],
      ['decrypt', 'success', 'miss', 1, 'r-3'],
    ]);
  });

  test('its messages decrypt with the library', async () => {
    const { result } = runNode(ROUND_TRIP, { SECUREKEY_KEY_ARN: keyArn, SECUREKEY_KMS_BACKEND: 'local', SECUREKEY_LOCAL_KMS_STORE: store });
    const client = new EnvelopeClient({ keyProvider: new LocalKmsKeyProvider({ kms: new LocalKms({ storePath: store }), keyId: keyArn }) });
    const { plaintext } = await client.decrypt(Buffer.from((result as { message: string }).message, 'base64'), { expectedEncryptionContext: { tenant: 't1' } });
    expect(plaintext.toString()).toBe('hello from a fresh process');
  });

  test('audit loads its chunk on first use and reports the key\'s use from the local stand-in', () => {
    const script = `
      const { handler } = require(process.env.BUNDLE);
      (async () => {
        const plaintext = Buffer.from('x').toString('base64');
        await handler({ operation: 'encrypt', plaintext });
        const before = Object.keys(require.cache).filter((f) => f.endsWith('usage-report.js')).length;
        const report = await handler({ operation: 'usageReport', lookbackMinutes: 60 });
        const after = Object.keys(require.cache).filter((f) => f.endsWith('usage-report.js')).length;
        console.log('RESULT ' + JSON.stringify({ before, after, errorType: report.errorType, events: report.totals && report.totals.events }));
      })().catch((e) => { console.error(e); process.exit(1); });
    `;
    const { result } = runNode(script, { SECUREKEY_KEY_ARN: keyArn, SECUREKEY_KMS_BACKEND: 'local', SECUREKEY_LOCAL_KMS_STORE: store });
    expect(result).toEqual({ before: 0, after: 1, events: expect.any(Number) });
    expect((result as { events: number }).events).toBeGreaterThan(0);
  });

  test('with the default (AWS) backend it builds the SDK clients and answers a bad event offline', () => {
    const script = `
      const { handler } = require(process.env.BUNDLE);
      handler({ operation: 'sign' }).then((r) => console.log('RESULT ' + JSON.stringify(r)));
    `;
    const { result, logs } = runNode(script, { SECUREKEY_KEY_ARN: keyArn, AWS_REGION: 'us-east-1' });
    expect(result).toEqual({ errorType: 'InvalidRequestError', message: expect.stringMatching(/^Unknown operation "sign"/) });
    expect(logs[0]).toMatchObject({ type: 'securekey.init', backend: 'aws' });
  });

  test('invalid configuration: every call answers ConfigurationError, logged once at start-up', () => {
    const script = `
      const { handler } = require(process.env.BUNDLE);
      (async () => {
        const a = await handler({ operation: 'encrypt', plaintext: '' });
        const b = await handler({ operation: 'decrypt', message: 'AAAA' });
        console.log('RESULT ' + JSON.stringify([a, b]));
      })();
    `;
    const { result, logs } = runNode(script, { SECUREKEY_CACHE_MAX_AGE_SECONDS: '0' });
    const [a, b] = result as Array<{ errorType: string; message: string }>;
    expect(a).toEqual(b);
    expect(a.errorType).toBe('ConfigurationError');
    expect(a.message).toMatch(/SECUREKEY_KEY_ARN is not set/);
    expect(a.message).toMatch(/SECUREKEY_CACHE_MAX_AGE_SECONDS is "0"/);
    expect(logs.filter((l) => l.type === 'securekey.init')).toEqual([expect.objectContaining({ level: 'ERROR', errorType: 'ConfigurationError' })]);
    expect(logs.filter((l) => l.type === 'securekey.call').map((l) => l.errorType)).toEqual(['ConfigurationError', 'ConfigurationError']);
  });
});

describe('what the bundle contains', () => {
  const meta = (): { inputs: Record<string, unknown>; outputs: Record<string, { inputs: Record<string, unknown> }> } =>
    JSON.parse(readFileSync(join(assets, 'envelope-function.meta.json'), 'utf8'));

  const chunkInputs = (): string[] => (JSON.parse(readFileSync(join(assets, 'envelope-function-chunks.meta.json'), 'utf8')) as Array<{ inputs: Record<string, unknown> }>)
    .flatMap((m) => Object.keys(m.inputs));

  test('the function directory holds index.js and the chunks it loads lazily', () => {
    expect(readdirSync(join(assets, 'envelope-function')).sort()).toEqual(['branch-key-store.js', 'credentials.js', 'index.js', 'usage-report.js']);
  });

  test('the DynamoDB client and the hierarchical keyring are not in the envelope path: only in branch-key-store.js, required when a store is configured', () => {
    expect(Object.keys(meta().inputs).filter((p) => /client-dynamodb|lambda\/hierarchy\/|lambda\/handler\/branch-key-store/.test(p))).toEqual([]);
    expect(chunkInputs().some((p) => p.includes('node_modules/@aws-sdk/client-dynamodb/'))).toBe(true);
    expect(chunkInputs().some((p) => p.endsWith('lambda/hierarchy/hierarchical-key-provider.ts'))).toBe(true);
    const code = readFileSync(join(assets, 'envelope-function', 'index.js'), 'utf8');
    expect(code).toContain('require("./branch-key-store.js")');
  });

  test('the CloudTrail client is not in the envelope path: only in usage-report.js, required on the first usageReport request', () => {
    expect(Object.keys(meta().inputs).filter((p) => /client-cloudtrail|lambda\/usage-report\/lookup/.test(p))).toEqual([]);
    expect(chunkInputs().some((p) => p.includes('node_modules/@aws-sdk/client-cloudtrail/'))).toBe(true);
    const code = readFileSync(join(assets, 'envelope-function', 'index.js'), 'utf8');
    expect(code).toContain('require("./usage-report.js")');
  });

  test('the local KMS stand-in is not in it, only required from the sibling directory when selected', () => {
    const inputs = Object.keys(meta().inputs).map((p) => relative(ROOT, join(ROOT, p)));
    expect(inputs.some((p) => p.includes('lambda/core/envelope-client.ts'))).toBe(true);
    expect(inputs.filter((p) => /local-kms/.test(p))).toEqual([]);
    const code = readFileSync(join(assets, 'envelope-function', 'index.js'), 'utf8');
    expect(code).toContain('require("../envelope-local-kms/index.js")');
    expect(existsSync(join(assets, 'envelope-local-kms', 'index.js'))).toBe(true);
  });

  test('@aws-sdk clients are bundled (pinned), not taken from the runtime', () => {
    const inputs = Object.keys(meta().inputs);
    expect(inputs.some((p) => p.includes('node_modules/@aws-sdk/client-kms/'))).toBe(true);
    expect(chunkInputs().some((p) => p.includes('node_modules/@aws-sdk/client-cloudtrail/'))).toBe(true);
    expect(chunkInputs().some((p) => p.includes('node_modules/@aws-sdk/client-dynamodb/'))).toBe(true);
    // Only the optional CRT signer (for SigV4a, which KMS and CloudTrail do not use) stays a runtime lookup.
    const dir = join(assets, 'envelope-function');
    const external = readdirSync(dir).flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/require\("(@aws-sdk\/[^"]+)"\)/g)].map((m) => m[1]));
    expect([...new Set(external)]).toEqual(['@aws-sdk/signature-v4-crt']);
  });

  test('no other AWS service client and no Encryption SDK in it', () => {
    const inputs = Object.keys(meta().inputs).join('\n');
    expect(inputs).not.toMatch(/@aws-sdk\/client-(?!kms\/|cloudtrail\/)/);
    expect(inputs).not.toMatch(/@aws-crypto\//);
  });
});
