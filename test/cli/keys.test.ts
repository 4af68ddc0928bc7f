/** `cdk-secure-key keys ...` end to end against a key store file in a temporary directory. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removePrivateBuild, runCli, type CliResult } from './support';
import { EXIT } from '../../cli/errors';
import { LocalKms } from '../../lambda/providers/local-kms';

let dir: string;
let store: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'securekey-cli-keys-'));
  store = join(dir, 'store', 'keys.json');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removePrivateBuild();
});

const keys = (...args: string[]): Promise<CliResult> => runCli(['keys', ...args, '--key-store', store], { cwd: dir });

interface ListedKey {
  KeyId: string;
  Arn: string;
  KeyState: string;
  KeySpec: string;
  KeyUsage: string;
  Rotation: string;
  Aliases: string[];
  Description: string;
  DeletionDate?: string;
}

async function list(): Promise<ListedKey[]> {
  const r = await keys('list', '--json');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout.toString()) as ListedKey[];
}

test('create: spec, usage, alias (prefix optional), description; the store file is created with mode 0600', async () => {
  const sym = await keys('create', '--alias', 'orders', '--description', 'orders key');
  expect(sym.code).toBe(0);
  expect(sym.stderr).toContain(`local key store ${store} (region us-east-1); not AWS KMS`);
  const arn = sym.stdout.toString().trim();
  const signing = await keys('create', '--spec', 'ECC_NIST_P256', '--usage', 'SIGN_VERIFY', '--alias', 'alias/signer', '--json');
  expect(signing.code).toBe(0);
  const meta = JSON.parse(signing.stdout.toString()) as { KeySpec: string; KeyUsage: string; Aliases: string[] };
  expect(meta).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Aliases: ['alias/signer'] });
  expect(statSync(store).mode.toString(8)).toMatch(/600$/);

  const listed = await list();
  expect(listed.map((k) => [k.Arn === arn ? 'orders' : 'signer', k.KeyState, k.KeySpec, k.KeyUsage, k.Rotation, k.Aliases, k.Description]).sort()).toEqual([
    ['orders', 'Enabled', 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', 'off', ['alias/orders'], 'orders key'],
    ['signer', 'Enabled', 'ECC_NIST_P256', 'SIGN_VERIFY', 'n/a', ['alias/signer'], ''],
  ]);
  // The store is LocalKms's own file: the library sees the same keys.
  const kms = new LocalKms({ storePath: store });
  expect((await kms.describeKey({ KeyId: 'alias/orders' })).KeyMetadata.Arn).toBe(arn);

  const table = await keys('list');
  expect(table.stdout.toString().split('\n')[0]).toMatch(/^KEY ID\s+STATE\s+SPEC\s+USAGE\s+ROTATION\s+ALIASES\s+DESCRIPTION$/);
  expect(table.stdout.toString()).toContain('alias/orders');
});

test('create refuses a taken alias, an invalid alias, a spec that does not fit the usage, an unknown spec, and creates nothing', async () => {
  const before = readFileSync(store);
  const cases: Array<[string[], number, RegExp]> = [
    [['--alias', 'orders'], EXIT.KEY, /alias alias\/orders already exists/],
    [['--alias', 'alias/aws/s3'], EXIT.USAGE, /not a valid alias/],
    [['--alias', 'bad name'], EXIT.USAGE, /not a valid alias/],
    [['--spec', 'HMAC_256', '--usage', 'ENCRYPT_DECRYPT'], EXIT.KEY, /InvalidKeyUsage|ValidationException/],
    [['--spec', 'AES_999'], EXIT.USAGE, /--spec must be one of SYMMETRIC_DEFAULT/],
  ];
  for (const [args, code, reason] of cases) {
    const r = await keys('create', ...args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(reason);
    expect(r.stdout.length).toBe(0);
  }
  expect(readFileSync(store).equals(before)).toBe(true);
});

test('rotate: new key material, messages made before still decrypt; --every turns on automatic rotation', async () => {
  const plain = join(dir, 'p.txt');
  writeFileSync(plain, 'rotate me');
  const enc = await runCli(['encrypt', '--local', '--key-store', store, '-k', 'alias/orders', '-o', join(dir, 'before.enc'), plain], { cwd: dir });
  expect(enc.code).toBe(0);
  const materialVersions = (): number => Object.values((JSON.parse(readFileSync(store, 'utf8')) as { materials: Record<string, unknown[]> }).materials).reduce((n, m) => n + m.length, 0);
  const versions = materialVersions();
  const r = await keys('rotate', 'alias/orders', '--every', '180');
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/rotated .*older ones still decrypt; automatic rotation every 180 days/);
  expect(materialVersions()).toBe(versions + 1);
  expect((await list()).find((k) => k.Aliases.includes('alias/orders'))?.Rotation).toBe('every 180 days');
  const dec = await runCli(['decrypt', '--local', '--key-store', store, '-k', 'alias/orders', join(dir, 'before.enc')], { cwd: dir });
  expect(dec.code).toBe(0);
  expect(dec.stdout.toString()).toBe('rotate me');

  const bad = await keys('rotate', 'alias/orders', '--every', '30');
  expect(bad.code).toBe(EXIT.USAGE);
  expect(bad.stderr).toContain('--every must be a whole number from 90 to 2560; received "30"');
  const asym = await keys('rotate', 'alias/signer');
  expect(asym.code).toBe(EXIT.KEY);
  expect(asym.stderr).toMatch(/is a ECC_NIST_P256 key; only symmetric encryption keys rotate/);
});

test('disable and enable', async () => {
  expect((await keys('disable', 'alias/orders')).code).toBe(0);
  expect((await list()).find((k) => k.Aliases.includes('alias/orders'))?.KeyState).toBe('Disabled');
  expect((await keys('enable', 'alias/orders')).code).toBe(0);
  expect((await list()).find((k) => k.Aliases.includes('alias/orders'))?.KeyState).toBe('Enabled');
});

test('schedule-deletion (7 to 30 days) makes the key unusable until cancel-deletion, which leaves it disabled', async () => {
  const created = await keys('create', '--alias', 'doomed');
  const arn = created.stdout.toString().trim();
  const plain = join(dir, 'd.txt');
  writeFileSync(plain, 'doomed');
  expect((await runCli(['encrypt', '--local', '--key-store', store, '-k', arn, '-o', join(dir, 'doomed.enc'), plain], { cwd: dir })).code).toBe(0);

  const tooShort = await keys('schedule-deletion', 'alias/doomed', '--pending-days', '3');
  expect(tooShort.code).toBe(EXIT.USAGE);
  const scheduled = await keys('schedule-deletion', 'alias/doomed', '--pending-days', '7');
  expect(scheduled.code).toBe(0);
  expect(scheduled.stderr).toMatch(/will be deleted on \d{4}-\d\d-\d\dT.* \(in 7 days\)/);
  const listed = (await list()).find((k) => k.Arn === arn);
  expect(listed?.KeyState).toBe('PendingDeletion');
  expect(Date.parse(listed!.DeletionDate!) - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);

  const dec = await runCli(['decrypt', '--local', '--key-store', store, '-k', arn, '-o', join(dir, 'doomed.out'), join(dir, 'doomed.enc')], { cwd: dir });
  expect(dec.code).toBe(EXIT.KEY);
  expect(dec.stderr).toContain('KMSInvalidStateException');

  expect((await keys('cancel-deletion', arn)).code).toBe(0);
  expect((await list()).find((k) => k.Arn === arn)?.KeyState).toBe('Disabled');
});

test('unknown keys, missing store, unknown subcommand, missing KEY', async () => {
  const unknown = await keys('disable', 'alias/nope');
  expect(unknown.code).toBe(EXIT.KEY);
  expect(unknown.stderr).toMatch(/error: NotFoundException: Alias .*alias\/nope is not found/);
  const noStore = await runCli(['keys', 'disable', 'alias/x', '--key-store', join(dir, 'missing.json')], { cwd: dir });
  expect(noStore.code).toBe(EXIT.KEY);
  expect(noStore.stderr).toMatch(/missing\.json does not exist/);
  const emptyList = await runCli(['keys', 'list', '--key-store', join(dir, 'missing.json')], { cwd: dir });
  expect(emptyList.code).toBe(0);
  expect(emptyList.stderr).toContain('no keys in region us-east-1');
  const sub = await keys('explode');
  expect(sub.code).toBe(EXIT.USAGE);
  expect(sub.stderr).toMatch(/unknown keys subcommand "explode"/);
  const noKey = await keys('disable');
  expect(noKey.code).toBe(EXIT.USAGE);
  expect(noKey.stderr).toMatch(/keys disable needs KEY/);
  const profile = await keys('list', '--profile', 'x');
  expect(profile.code).toBe(EXIT.USAGE);
});
