/**
 * `cdk-secure-key encrypt` / `decrypt` end to end: the bundled CLI spawned in a temporary directory
 * against the local key store, every failure path the issue lists, and the promise that a failed
 * decrypt leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesIn, removePrivateBuild, runCli } from './support';
import { EXIT } from '../../cli/errors';

let dir: string;
let keyArn: string;
const BIG = 6 * 1024 * 1024 + 12345; // several MiB, not a multiple of the frame length

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'securekey-cli-'));
  const created = await runCli(['keys', 'create', '--alias', 'alias/app', '--description', 'cli test'], { cwd: dir });
  expect(created.code).toBe(0);
  keyArn = created.stdout.toString().trim();
  expect(keyArn).toMatch(/^arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f-]{36}$/);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removePrivateBuild();
});

/** A fresh sub-directory of the test directory holding one plaintext file. */
function workspace(name: string, bytes: Buffer): string {
  const ws = join(dir, name);
  mkdirSync(ws);
  writeFileSync(join(ws, 'plain.bin'), bytes);
  return ws;
}

/** A different byte (tampering). */
const flipped = (byte: number): number => (byte + 1) % 256;

/** The backend options every command here uses: the test's own key store. */
const local = (): string[] => ['--local', '--key-store', join(dir, '.local-kms', 'keys.json')];

describe('round trips', () => {
  test('a file of several MiB, by alias, with an encryption context; the output is a new 0600 file', async () => {
    const plaintext = randomBytes(BIG);
    const ws = workspace('big', plaintext);
    const enc = await runCli(['encrypt', ...local(), '--key', 'alias/app', '--context', 'tenant=acme', '-c', 'purpose=test', '-o', 'msg.enc', 'plain.bin'], { cwd: ws });
    expect(enc.code).toBe(0);
    expect(enc.stdout.length).toBe(0);
    const message = readFileSync(join(ws, 'msg.enc'));
    expect(message.readUInt8(0)).toBe(0x02); // message format version 2
    expect(message.readUInt16BE(1)).toBe(0x0478);
    expect(message.length).toBeGreaterThan(BIG);
    expect(message.subarray(100).includes(plaintext.subarray(0, 64))).toBe(false);

    const dec = await runCli(['decrypt', ...local(), '--key', keyArn, '--context', 'tenant=acme', '-o', 'out.bin', 'msg.enc'], { cwd: ws });
    expect(dec.code).toBe(0);
    expect(readFileSync(join(ws, 'out.bin')).equals(plaintext)).toBe(true);
    expect(statSync(join(ws, 'out.bin')).mode.toString(8)).toMatch(/600$/);
    expect(filesIn(ws)).toEqual(['msg.enc', 'out.bin', 'plain.bin']);
    // Which backend, always on stderr; the summary names context keys, never values.
    for (const r of [enc, dec]) {
      expect(r.stderr).toContain('backend: local KMS stand-in');
      expect(r.stderr).not.toContain('acme');
    }
    expect(dec.stderr).toContain(`verified, under ${keyArn}`);
  });

  test('standard input to standard output, signed (0x0578), key by id', async () => {
    const plaintext = randomBytes(300_000);
    const ws = workspace('pipes', plaintext);
    const keyId = keyArn.split('/')[1];
    const enc = await runCli(['encrypt', ...local(), '-k', keyId, '--signed', '--frame-length', '4096', '-q'], { cwd: ws, stdin: plaintext });
    expect(enc.code).toBe(0);
    expect(enc.stdout.readUInt16BE(1)).toBe(0x0578);
    // --quiet drops the summary, never the backend line.
    expect(enc.stderr.trim().split('\n')).toEqual([expect.stringContaining('backend: local KMS stand-in')]);
    const dec = await runCli(['decrypt', ...local(), '-k', 'alias/app', '-'], { cwd: ws, stdin: enc.stdout });
    expect(dec.code).toBe(0);
    expect(dec.stdout.equals(plaintext)).toBe(true);
    expect(filesIn(ws)).toEqual(['plain.bin']);
  });

  test('an empty file', async () => {
    const ws = workspace('empty', Buffer.alloc(0));
    expect((await runCli(['encrypt', ...local(), '-k', 'alias/app', '-o', 'e.enc', 'plain.bin'], { cwd: ws })).code).toBe(0);
    const dec = await runCli(['decrypt', ...local(), '-k', 'alias/app', 'e.enc'], { cwd: ws });
    expect(dec.code).toBe(0);
    expect(dec.stdout.length).toBe(0);
  });

  test('the default key store is .local-kms/keys.json in the working directory (or SECUREKEY_LOCAL_KMS_STORE)', async () => {
    const ws = workspace('default-store', Buffer.from('x'));
    const viaEnv = await runCli(['encrypt', '--local', '-k', 'alias/app', '-o', 'a.enc', 'plain.bin'], { cwd: ws, env: { SECUREKEY_LOCAL_KMS_STORE: join(dir, '.local-kms', 'keys.json') } });
    expect(viaEnv.code).toBe(0);
    const inDir = await runCli(['encrypt', '--local', '-k', 'alias/app', '-o', 'b.enc', join(ws, 'plain.bin')], { cwd: dir });
    expect(inDir.code).toBe(0);
    expect(inDir.stderr).toContain(join(dir, '.local-kms', 'keys.json'));
    rmSync(join(dir, 'b.enc'));
  });
});

describe('failures: non-zero exit, one line, nothing written', () => {
  let ws: string;
  let message: Buffer;
  let signed: Buffer;
  const plaintext = randomBytes(700_000);

  beforeAll(async () => {
    ws = workspace('failures', plaintext);
    const enc = await runCli(['encrypt', ...local(), '-k', 'alias/app', '-c', 'tenant=acme', '--frame-length', '65536', '-o', 'msg.enc', 'plain.bin'], { cwd: ws });
    expect(enc.code).toBe(0);
    message = readFileSync(join(ws, 'msg.enc'));
    const sig = await runCli(['encrypt', ...local(), '-k', 'alias/app', '--signed', '-o', 'signed.enc', 'plain.bin'], { cwd: ws });
    expect(sig.code).toBe(0);
    signed = readFileSync(join(ws, 'signed.enc'));
  });

  /** Runs a decrypt expected to fail; checks the exit code, the one-line error and that no file appeared. */
  async function failingDecrypt(args: string[], exitCode: number, reason: RegExp, stdin?: Buffer): Promise<string> {
    const before = filesIn(ws);
    const r = await runCli(['decrypt', ...local(), ...args], { cwd: ws, stdin });
    expect(r.code).toBe(exitCode);
    const errors = r.stderr.split('\n').filter((l) => l.includes('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(reason);
    expect(r.stdout.length).toBe(0);
    expect(filesIn(ws)).toEqual(before);
    expect(r.stderr).not.toContain('acme');
    return errors[0];
  }

  test('wrong encryption context: exit 5, names the key, not the value', async () => {
    await failingDecrypt(['-k', 'alias/app', '-c', 'tenant=globex', '-o', 'out.bin', 'msg.enc'], EXIT.MESSAGE, /encryption context does not match.*"tenant"/);
    await failingDecrypt(['-k', 'alias/app', '-c', 'region=eu', '-o', 'out.bin', 'msg.enc'], EXIT.MESSAGE, /missing keys: "region"/);
  });

  test('tampered message (one byte changed in the last frame): exit 5, and the frames before it are not released', async () => {
    const tampered = Buffer.from(message);
    tampered[tampered.length - 20] = flipped(tampered[tampered.length - 20]);
    writeFileSync(join(ws, 'tampered.enc'), tampered);
    await failingDecrypt(['-k', 'alias/app', '-o', 'out.bin', 'tampered.enc'], EXIT.MESSAGE, /InvalidMessage|authenticat|tamper/i);
    await failingDecrypt(['-k', 'alias/app', '-'], EXIT.MESSAGE, /authenticat|tamper/i, tampered);
    rmSync(join(ws, 'tampered.enc'));
  });

  test('truncated message and a message with bytes appended: exit 5', async () => {
    await failingDecrypt(['-k', 'alias/app', '-'], EXIT.MESSAGE, /truncated/, message.subarray(0, message.length - 1000));
    await failingDecrypt(['-k', 'alias/app', '-'], EXIT.MESSAGE, /after its end/, Buffer.concat([message, Buffer.from([0])]));
  });

  test('bad signature of a signed message (all frames already authenticated): exit 5, no plaintext anywhere', async () => {
    const badSig = Buffer.from(signed);
    badSig[badSig.length - 5] = flipped(badSig[badSig.length - 5]);
    writeFileSync(join(ws, 'badsig.enc'), badSig);
    await failingDecrypt(['-k', 'alias/app', '-o', 'out.bin', 'badsig.enc'], EXIT.MESSAGE, /signature/i);
    await failingDecrypt(['-k', 'alias/app', 'badsig.enc'], EXIT.MESSAGE, /signature/i);
    rmSync(join(ws, 'badsig.enc'));
  });

  test('not a message at all: exit 5', async () => {
    await failingDecrypt(['-k', 'alias/app', '-o', 'out.bin', 'plain.bin'], EXIT.MESSAGE, /version|format|message/i);
  });

  test('missing key: unknown alias, key id of another key, key store that does not exist: exit 4', async () => {
    await failingDecrypt(['-k', 'alias/nope', '-o', 'out.bin', 'msg.enc'], EXIT.KEY, /NotFoundException/);
    await failingDecrypt(['-k', '00000000-0000-4000-8000-000000000000', '-o', 'out.bin', 'msg.enc'], EXIT.KEY, /None of the message's 1 encrypted data keys/);
    const r = await runCli(['encrypt', '--local', '--key-store', join(ws, 'none.json'), '-k', 'alias/app', '-o', 'x.enc', 'plain.bin'], { cwd: ws });
    expect(r.code).toBe(EXIT.KEY);
    expect(r.stderr).toMatch(/key store .*none\.json does not exist; create a key first/);
    expect(filesIn(ws)).not.toContain('x.enc');
  });

  test('disabled key: encrypt and decrypt fail with exit 4 and write nothing; enabled again, decrypt works', async () => {
    const created = await runCli(['keys', 'create', '--alias', 'alias/soon-disabled'], { cwd: dir });
    expect(created.code).toBe(0);
    const enc = await runCli(['encrypt', ...local(), '-k', 'alias/soon-disabled', '-o', 'dis.enc', 'plain.bin'], { cwd: ws });
    expect(enc.code).toBe(0);
    expect((await runCli(['keys', 'disable', 'alias/soon-disabled'], { cwd: dir })).code).toBe(0);
    await failingDecrypt(['-k', 'alias/soon-disabled', '-o', 'out.bin', 'dis.enc'], EXIT.KEY, /DisabledException/);
    const enc2 = await runCli(['encrypt', ...local(), '-k', 'alias/soon-disabled', '-o', 'dis2.enc', 'plain.bin'], { cwd: ws });
    expect(enc2.code).toBe(EXIT.KEY);
    expect(enc2.stderr).toMatch(/DisabledException: .*Enable the key/);
    expect(filesIn(ws)).not.toContain('dis2.enc');
    expect((await runCli(['keys', 'enable', 'alias/soon-disabled'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['decrypt', ...local(), '-k', 'alias/soon-disabled', '-o', 'ok.bin', 'dis.enc'], { cwd: ws })).code).toBe(0);
    expect(readFileSync(join(ws, 'ok.bin')).equals(plaintext)).toBe(true);
    rmSync(join(ws, 'ok.bin'));
    rmSync(join(ws, 'dis.enc'));
  });

  test('unreadable input: missing file, a directory: exit 3', async () => {
    await failingDecrypt(['-k', 'alias/app', '-o', 'out.bin', 'no-such.enc'], EXIT.IO, /cannot read input no-such\.enc: no such file/);
    mkdirSync(join(ws, 'adir'));
    await failingDecrypt(['-k', 'alias/app', '-o', 'out.bin', 'adir'], EXIT.IO, /cannot read input adir: it is a directory/);
    rmSync(join(ws, 'adir'), { recursive: true });
  });

  test('existing output without --force: exit 3 and the file is unchanged; with --force it is replaced', async () => {
    writeFileSync(join(ws, 'existing.bin'), 'keep me');
    await failingDecrypt(['-k', 'alias/app', '-o', 'existing.bin', 'msg.enc'], EXIT.IO, /output existing\.bin already exists; pass --force/);
    expect(readFileSync(join(ws, 'existing.bin'), 'utf8')).toBe('keep me');
    const enc = await runCli(['encrypt', ...local(), '-k', 'alias/app', '-o', 'existing.bin', 'plain.bin'], { cwd: ws });
    expect(enc.code).toBe(EXIT.IO);
    expect(readFileSync(join(ws, 'existing.bin'), 'utf8')).toBe('keep me');
    const forced = await runCli(['decrypt', ...local(), '-k', 'alias/app', '-c', 'tenant=acme', '-f', '-o', 'existing.bin', 'msg.enc'], { cwd: ws });
    expect(forced.code).toBe(0);
    expect(readFileSync(join(ws, 'existing.bin')).equals(plaintext)).toBe(true);
    rmSync(join(ws, 'existing.bin'));
  });

  test('a failed decrypt with --force leaves the existing output untouched', async () => {
    writeFileSync(join(ws, 'existing.bin'), 'keep me');
    await failingDecrypt(['-k', 'alias/app', '-c', 'tenant=globex', '-f', '-o', 'existing.bin', 'msg.enc'], EXIT.MESSAGE, /encryption context/);
    const tampered = Buffer.from(message);
    tampered[tampered.length - 20] = flipped(tampered[tampered.length - 20]);
    await failingDecrypt(['-k', 'alias/app', '-f', '-o', 'existing.bin', '-'], EXIT.MESSAGE, /authenticat|tamper/i, tampered);
    expect(readFileSync(join(ws, 'existing.bin'), 'utf8')).toBe('keep me');
    rmSync(join(ws, 'existing.bin'));
  });

  test('bad command lines: exit 2 with a pointer to --help', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['decrypt', '-o', 'x', 'msg.enc'], /--key is required \(see: cdk-secure-key decrypt --help\)/],
      [['encrypt', '-k', 'alias/app', '--bogus'], /unknown option --bogus/],
      [['encrypt', '-k', 'alias/app', '-c', 'novalue', 'plain.bin'], /--context takes key=value.*value number 1 has no '='/],
      [['encrypt', '-k', 'alias/app', '-c', 'a=1', '-c', 'a=2', 'plain.bin'], /gives key "a" twice/],
      [['encrypt', '-k', 'alias/app', '--frame-length', '0', 'plain.bin'], /--frame-length must be a whole number from 1/],
      [['encrypt', '-k', 'alias/app', 'a', 'b'], /unexpected argument "b"/],
      [['encrypt', '--local', '--profile', 'p', '-k', 'alias/app', 'plain.bin'], /--profile is for AWS KMS and cannot be combined with --local/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    for (const [args, reason] of cases) {
      const r = await runCli(args, { cwd: ws });
      expect(r.code).toBe(EXIT.USAGE);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(reason)]);
    }
    expect(filesIn(ws)).toEqual(['msg.enc', 'plain.bin', 'signed.enc']);
  });
});

describe('never one backend instead of the other', () => {
  test('--key-store without --local is refused (the command would use AWS KMS)', async () => {
    const r = await runCli(['encrypt', '--key-store', 'k.json', '-k', 'alias/app', '-'], { cwd: dir, stdin: Buffer.from('x') });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain('--key-store is for the local KMS: add --local');
  });

  test('without --local and no AWS region, the command fails (exit 4) and does not use the local key store', async () => {
    const store = join(dir, '.local-kms', 'keys.json');
    const before = readFileSync(store);
    const r = await runCli(['encrypt', '-k', 'alias/app', '-o', 'aws.enc', '-'], { cwd: dir, stdin: Buffer.from('x'), env: { SECUREKEY_LOCAL_KMS_STORE: store } });
    expect(r.code).toBe(EXIT.KEY);
    expect(r.stderr.trim()).toBe('cdk-secure-key: error: no AWS region for KMS: pass --region, set AWS_REGION, or give the profile a region; or use --local for the local key store');
    expect(filesIn(dir)).not.toContain('aws.enc');
    expect(readFileSync(store).equals(before)).toBe(true);
  });
});
