/**
 * What the CLI prints and where it writes, with hostile input: terminal escapes in a message's
 * header, a message wrapped under several keys, a symbolic link at the output path, and a decrypt
 * to standard output that is killed half way.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliBundle, filesIn, removePrivateBuild, runCli } from './support';
import { EXIT } from '../../cli/errors';
import { EnvelopeClient } from '../../lambda/core/envelope-client';
import { DefaultMaterialsManager } from '../../lambda/core/materials';
import type { EncryptionMaterials, EncryptionMaterialsRequest, MaterialsManager } from '../../lambda/core/types';
import { LocalKms } from '../../lambda/providers/local-kms';
import { LocalKmsKeyProvider } from '../../lambda/providers/local-kms-provider';

let dir: string;
let store: string;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'securekey-cli-safety-'));
  store = join(dir, 'keys.json');
  const kms = new LocalKms({ storePath: store });
  keyA = (await kms.createKey({ Description: 'A' })).KeyMetadata.Arn!;
  keyB = (await kms.createKey({ Description: 'B' })).KeyMetadata.Arn!;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removePrivateBuild();
});

const local = (): string[] => ['--local', '--key-store', store];

function workspace(name: string): string {
  const ws = join(dir, name);
  mkdirSync(ws);
  writeFileSync(join(ws, 'plain.bin'), 'secret text');
  return ws;
}

describe('printed text from a message is inert', () => {
  test('an encryption-context key with terminal escapes is printed escaped, on encrypt and decrypt', async () => {
    const ws = workspace('escapes');
    const hostileKey = 'k\u001b]0;pwned\u0007\u001b[2J\u202e';
    const enc = await runCli(['encrypt', ...local(), '-k', keyA, '-c', `${hostileKey}=v`, '-o', 'm.enc', 'plain.bin'], { cwd: ws });
    expect(enc.code).toBe(0);
    const dec = await runCli(['decrypt', ...local(), '-k', keyA, '-o', 'out.bin', 'm.enc'], { cwd: ws });
    expect(dec.code).toBe(0);
    for (const r of [enc, dec]) {
      expect(r.stderr).not.toMatch(/[\u001b\u0007\u202e]/);
      expect(r.stderr).toContain('k\\x1b]0;pwned\\x07\\x1b[2J\\u202e');
    }
    // The same key in an error line (wrong expected context) is escaped too.
    const wrong = await runCli(['decrypt', ...local(), '-k', keyA, '-c', `${hostileKey}=other`, '-o', 'x.bin', 'm.enc'], { cwd: ws });
    expect(wrong.code).toBe(EXIT.MESSAGE);
    expect(wrong.stderr).not.toMatch(/[\u001b\u0007\u202e]/);
  });
});

describe('"verified, under" names the key that decrypted', () => {
  /** Wraps each message's data key under A (through the provider) and under B (a second KMS Encrypt). */
  class TwoKeys implements MaterialsManager {
    private readonly inner: DefaultMaterialsManager;
    constructor(private readonly kms: LocalKms) {
      this.inner = new DefaultMaterialsManager(new LocalKmsKeyProvider({ kms, keyId: keyA }));
    }
    public async getEncryptionMaterials(request: EncryptionMaterialsRequest): Promise<EncryptionMaterials> {
      const m = await this.inner.getEncryptionMaterials(request);
      const wrapped = await this.kms.encrypt({ KeyId: keyB, Plaintext: m.plaintextDataKey, EncryptionContext: { ...m.encryptionContext } });
      return { ...m, encryptedDataKeys: [...m.encryptedDataKeys, { providerId: 'aws-kms', providerInfo: keyB, encryptedDataKey: Buffer.from(wrapped.CiphertextBlob) }] };
    }
    public decryptMaterials(): never {
      throw new Error('not used');
    }
  }

  test('a message under A and B, decrypted with B, names B only', async () => {
    const ws = workspace('two-keys');
    const kms = new LocalKms({ storePath: store });
    const { message } = await new EnvelopeClient({ materialsManager: new TwoKeys(kms) }).encrypt(Buffer.from('two keys'), { encryptionContext: { tenant: 't' } });
    writeFileSync(join(ws, 'm.enc'), message);
    const dec = await runCli(['decrypt', ...local(), '-k', keyB, '-o', 'out.bin', 'm.enc'], { cwd: ws });
    expect(dec.code).toBe(0);
    expect(readFileSync(join(ws, 'out.bin'), 'utf8')).toBe('two keys');
    expect(dec.stderr).toContain(`verified, under ${keyB} (`);
    expect(dec.stderr).not.toContain(keyA);
  });
});

describe('the output path', () => {
  test('a dangling symbolic link at -o is refused without --force and left as it is', async () => {
    const ws = workspace('dangling');
    expect((await runCli(['encrypt', ...local(), '-k', keyA, '-o', 'm.enc', 'plain.bin'], { cwd: ws })).code).toBe(0);
    symlinkSync(join(ws, 'elsewhere.txt'), join(ws, 'out.bin'));
    const dec = await runCli(['decrypt', ...local(), '-k', keyA, '-o', 'out.bin', 'm.enc'], { cwd: ws });
    expect(dec.code).toBe(EXIT.IO);
    expect(dec.stderr).toMatch(/output out\.bin already exists \(a symbolic link\); pass --force/);
    expect(lstatSync(join(ws, 'out.bin')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(ws, 'out.bin'))).toBe(join(ws, 'elsewhere.txt'));
    expect(existsSync(join(ws, 'elsewhere.txt'))).toBe(false);
    // With --force the link itself is replaced by a regular file; nothing is written through it.
    const forced = await runCli(['decrypt', ...local(), '-k', keyA, '-f', '-o', 'out.bin', 'm.enc'], { cwd: ws });
    expect(forced.code).toBe(0);
    expect(lstatSync(join(ws, 'out.bin')).isFile()).toBe(true);
    expect(existsSync(join(ws, 'elsewhere.txt'))).toBe(false);
  });

  test('a decrypt to standard output that is killed leaves no staged plaintext behind', async () => {
    const ws = workspace('killed');
    const enc = await runCli(['encrypt', ...local(), '-k', keyA, '-o', 'm.enc', 'plain.bin'], { cwd: ws });
    expect(enc.code).toBe(0);
    const message = readFileSync(join(ws, 'm.enc'));
    const before = filesIn(ws);
    // Half the message on stdin, then wait for the backend line (the output is staged by then) and SIGKILL.
    const child = spawn(process.execPath, [cliBundle(), 'decrypt', ...local(), '-k', keyA], {
      cwd: ws,
      env: { PATH: process.env.PATH ?? '', HOME: ws, TMPDIR: ws, AWS_EC2_METADATA_DISABLED: 'true' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.write(message.subarray(0, Math.floor(message.length / 2)));
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (b: Buffer) => {
        err += b.toString();
        if (err.includes('backend:')) resolve();
      });
      child.on('exit', () => reject(new Error(`exited early: ${err}`)));
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(filesIn(ws)).toEqual(before);
  });
});
