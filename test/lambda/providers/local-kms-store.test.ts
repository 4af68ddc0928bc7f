import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalKms } from '../../../lambda/providers/local-kms';

describe('key store file: saving cannot be redirected by a planted symlink', () => {
  let dir: string;
  let victim: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-kms-store-'));
    victim = path.join(dir, 'victim.txt');
    fs.writeFileSync(victim, 'untouched');
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a symlink at the old guessable temp name (<store>.<pid>.tmp) is not followed', async () => {
    const storePath = path.join(dir, 'keys.json');
    fs.symlinkSync(victim, `${storePath}.${process.pid}.tmp`);
    await new LocalKms({ storePath }).createKey({ Description: 'k' });
    expect(fs.readFileSync(victim, 'utf8')).toBe('untouched');
    expect(fs.lstatSync(storePath).isFile()).toBe(true);
    expect(fs.statSync(storePath).mode % 0o100).toBe(0);
  });

  test('even at the exact temp name chosen, an existing symlink makes the save fail instead of writing through it', async () => {
    const storePath = path.join(dir, 'keys.json');
    const fixed = Buffer.alloc(12, 7);
    // The module object itself: the store reads randomBytes through it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeCrypto = require('node:crypto') as typeof import('node:crypto');
    const real = nodeCrypto.randomBytes;
    jest.spyOn(nodeCrypto, 'randomBytes').mockImplementation(((n: number) => (n === 12 ? Buffer.from(fixed) : real(n))) as typeof nodeCrypto.randomBytes);
    fs.symlinkSync(victim, `${storePath}.${fixed.toString('hex')}.tmp`);
    const kms = new LocalKms({ storePath });
    await expect(kms.createKey({ Description: 'k' })).rejects.toThrow(/EEXIST/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('untouched');
    expect(fs.existsSync(storePath)).toBe(false);
  });
});
