/** cli/io.ts in process: the output reaches its path only if nothing is there, decided atomically. */
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../../cli/errors';
import { prepareOutput } from '../../cli/io';
import { printable } from '../../cli/printable';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'securekey-cli-io-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function writeAll(out: ReturnType<typeof prepareOutput>, text: string): Promise<void> {
  await new Promise<void>((resolve, reject) => out.stream.end(Buffer.from(text), () => resolve()).on('error', reject));
}

describe('prepareOutput without --force', () => {
  test('a dangling link that appears while the command runs is not replaced, and nothing is written through it', async () => {
    const target = join(dir, 'out.bin');
    const out = prepareOutput(target, { force: false, mode: 0o600, what: 'plaintext' });
    await writeAll(out, 'plaintext');
    symlinkSync(join(dir, 'through-the-link'), target);
    await expect(out.commit()).rejects.toThrow(CliError);
    expect(lstatSync(target).isSymbolicLink()).toBe(true);
    expect(readlinkSync(target)).toBe(join(dir, 'through-the-link'));
    expect(existsSync(join(dir, 'through-the-link'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['out.bin']);
  });

  test('a file that appears while the command runs is kept; the output is dropped', async () => {
    const target = join(dir, 'out.bin');
    const out = prepareOutput(target, { force: false, mode: 0o600, what: 'plaintext' });
    await writeAll(out, 'plaintext');
    writeFileSync(target, 'theirs');
    await expect(out.commit()).rejects.toThrow(/appeared while the command ran/);
    expect(readFileSync(target, 'utf8')).toBe('theirs');
  });

  test('with nothing there, the output lands with its mode and no temporary file remains', async () => {
    const target = join(dir, 'out.bin');
    const out = prepareOutput(target, { force: false, mode: 0o600, what: 'plaintext' });
    await writeAll(out, 'plaintext');
    await out.commit();
    expect(readFileSync(target, 'utf8')).toBe('plaintext');
    expect(lstatSync(target).mode.toString(8)).toMatch(/600$/);
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });
});

describe('printable', () => {
  test.each([
    ['plain', 'plain'],
    ['a\u001b[31mred', 'a\\x1b[31mred'],
    ['bell\u0007', 'bell\\x07'],
    ['c1\u009b', 'c1\\x9b'],
    ['bidi\u202eevil', 'bidi\\u202eevil'],
    ['back\\slash', 'back\\\\slash'],
    ['new\nline', 'new\\x0aline'],
  ])('%j -> %j', (input, shown) => {
    expect(printable(input)).toBe(shown);
  });

  test('caps the length', () => {
    expect(printable('x'.repeat(300), 10)).toBe(`${'x'.repeat(10)}...`);
  });
});
