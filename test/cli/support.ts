/**
 * Runs the command-line tool as a user would: `node assets/cli/index.js ...` in a fresh process, in
 * a temporary directory. The test task bundles the CLI right before jest; when the bundle is missing
 * or older than its sources (a local run), a private copy is built under node_modules/.cache.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { newestSource } from '../support/sources';

const ROOT = join(__dirname, '..', '..');

let bundle: string | undefined;
let privateBuild: string | undefined;

/** The CLI bundle to run (built once per test file when the shipped one is stale). */
export function cliBundle(): string {
  if (bundle) return bundle;
  const shipped = join(ROOT, 'assets', 'cli', 'index.js');
  const sources = Math.max(newestSource(join(ROOT, 'cli')), newestSource(join(ROOT, 'lambda')), newestSource(join(ROOT, 'src')));
  if (existsSync(shipped) && statSync(shipped).mtimeMs >= sources) {
    bundle = shipped;
  } else {
    // Inside the checkout (node_modules/.cache), so the bundle's own requires (aws-cdk-lib for `report`)
    // resolve from the project's node_modules as the shipped bundle's do.
    const cache = join(ROOT, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    privateBuild = mkdtempSync(join(cache, 'securekey-cli-bundle-'));
    execFileSync(process.execPath, [join(ROOT, 'cli', 'build-bundle.mjs'), '--outdir', privateBuild], { stdio: 'pipe' });
    bundle = join(privateBuild, 'cli', 'index.js');
  }
  return bundle;
}

export function removePrivateBuild(): void {
  if (privateBuild) rmSync(privateBuild, { recursive: true, force: true });
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd: string;
  /** Added to a minimal environment (PATH, HOME and TMPDIR = cwd, no AWS settings). */
  readonly env?: Record<string, string>;
  /** Bytes for standard input (else stdin is empty). */
  readonly stdin?: Buffer;
}

/**
 * Spawns the CLI asynchronously (a test may serve a fake KMS endpoint from this process meanwhile).
 * The environment holds no AWS settings and HOME is the test's directory, so nothing reaches a real
 * account or the developer's ~/.aws.
 */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBundle(), ...args], {
      cwd: options.cwd,
      // TMPDIR too: a temporary file left behind would show up in the test's directory.
      env: { PATH: process.env.PATH ?? '', HOME: options.cwd, TMPDIR: options.cwd, AWS_EC2_METADATA_DISABLED: 'true', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => undefined); // the CLI may exit before reading all of it
    child.stdin.end(options.stdin ?? Buffer.alloc(0));
  });
}

/** Files in `dir` (names), to show nothing was left behind. */
export function filesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}
