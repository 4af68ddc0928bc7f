/** `--help` on every command, with examples; exit codes documented the same way in the help and docs/cli.md. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removePrivateBuild, runCli } from './support';
import { EXIT, EXIT_CODE_TEXT } from '../../cli/errors';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'securekey-cli-help-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removePrivateBuild();
});

const COMMANDS = ['encrypt', 'decrypt', 'keys', 'report'];
const KEY_SUBCOMMANDS = ['create', 'list', 'rotate', 'disable', 'enable', 'schedule-deletion', 'cancel-deletion'];

test.each([[[]], [['--help']], [['-h']], [['help']]])('cdk-secure-key %j: every command and every exit code', async (args) => {
  const r = await runCli(args, { cwd: dir });
  expect(r.code).toBe(0);
  const text = r.stdout.toString();
  for (const c of COMMANDS) expect(text).toMatch(new RegExp(`\\n  ${c} {2,}\\S`));
  for (const [code, meaning] of EXIT_CODE_TEXT) expect(text).toContain(`  ${code}  ${meaning}`);
  expect(text).toContain('Examples:');
});

test.each(COMMANDS.flatMap((c) => [[c, '--help'], [c, '-h']]))('cdk-secure-key %s %s: usage, options and examples', async (command, flag) => {
  const r = await runCli([command, flag], { cwd: dir });
  expect(r.code).toBe(0);
  const text = r.stdout.toString();
  expect(text).toMatch(new RegExp(`^Usage: cdk-secure-key ${command} `));
  expect(text).toMatch(new RegExp(`Examples:\\n  (\\S+ )*cdk-secure-key ${command}`));
});

test.each(KEY_SUBCOMMANDS)('cdk-secure-key keys %s --help', async (sub) => {
  const r = await runCli(['keys', sub, '--help'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stdout.toString()).toMatch(new RegExp(`^Usage: cdk-secure-key keys ${sub}[\\s\\S]*Examples:\\n  .*cdk-secure-key keys ${sub}`));
  // Help never touches a key store.
  expect(r.stderr).toBe('');
});

test('--version prints the package version', async () => {
  const r = await runCli(['--version'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stdout.toString().trim()).toBe(JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version);
});

test('docs/cli.md documents every exit code as the help does', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'cli.md'), 'utf8');
  for (const [code, meaning] of EXIT_CODE_TEXT) expect(doc).toContain(`| ${code} | ${meaning} |`);
  expect(Object.values(EXIT).sort()).toEqual(EXIT_CODE_TEXT.map(([code]) => code).sort());
});
