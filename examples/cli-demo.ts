/**
 * The command-line tool, offline: creates a key in a local key store, encrypts and decrypts a file of
 * a few MiB with --local, shows a decrypt that fails (and writes nothing), then reports on the example
 * app's cloud assembly (cdk.out, synthesized by examples/synth.ts just before in `npm run demo`).
 * Runs the CLI bundle the package ships (assets/cli/index.js, built by `npm run bundle:cli`), as
 * `npx cdk-secure-key` would.
 *
 *   npm run demo   (or, after bundle:cli and synth: npx ts-node --transpile-only --project examples/tsconfig.json examples/cli-demo.ts)
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'assets', 'cli', 'index.js');
const CDK_OUT = join(ROOT, 'cdk.out');

const indent = (text: string): string => `${text.trimEnd().replace(/^/gm, '  ')}\n`;

/** Runs one CLI command in `cwd`, echoing it as a user would type it; fails the demo on an unexpected exit code. */
function cli(cwd: string, args: string[], expectedExit = 0): { stdout: string; stderr: string } {
  console.log(`\n$ cdk-secure-key ${args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  if (r.stderr) process.stdout.write(indent(r.stderr));
  if (r.status !== expectedExit) {
    throw new Error(`cdk-secure-key ${args[0]} exited with ${r.status}, expected ${expectedExit}`);
  }
  if (expectedExit !== 0) console.log(`  (exit code ${r.status})`);
  return { stdout: r.stdout, stderr: r.stderr };
}

function main(): void {
  if (!existsSync(CLI)) throw new Error(`${relative(ROOT, CLI)} is missing: run npm run bundle:cli first (npm run demo does).`);
  const work = mkdtempSync(join(tmpdir(), 'securekey-cli-demo-'));
  try {
    console.log('\nThe cdk-secure-key command (offline: --local uses the local KMS stand-in and a key store file)');
    const store = ['--key-store', 'keys.json'];
    const created = cli(work, ['keys', 'create', '--alias', 'alias/demo', '--description', 'npm run demo', ...store]);
    console.log(`  ${created.stdout.trim()}`);

    const plaintext = randomBytes(8 * 1024 * 1024);
    writeFileSync(join(work, 'data.bin'), plaintext);
    const local = ['--local', ...store, '--key', 'alias/demo'];
    cli(work, ['encrypt', ...local, '--context', 'purpose=demo', '-o', 'data.bin.enc', 'data.bin']);
    cli(work, ['decrypt', ...local, '--context', 'purpose=demo', '-o', 'data.out', 'data.bin.enc']);
    const same = readFileSync(join(work, 'data.out')).equals(plaintext);
    console.log(`  data.out is ${same ? 'identical to' : 'DIFFERENT FROM'} data.bin`);
    if (!same) throw new Error('the round trip changed the data');

    // A required pair the message does not have: refused before any KMS call, and nothing is written.
    cli(work, ['decrypt', ...local, '--context', 'purpose=prod', '-o', 'wrong.out', 'data.bin.enc'], 5);
    console.log(`  wrong.out ${existsSync(join(work, 'wrong.out')) ? 'EXISTS' : 'was not created'}`);

    if (!existsSync(join(CDK_OUT, 'manifest.json'))) {
      console.log('\n(no cdk.out: run examples/synth.ts first to see `cdk-secure-key report cdk.out`)');
      return;
    }
    const report = cli(ROOT, ['report', 'cdk.out']);
    process.stdout.write(indent(report.stdout));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
