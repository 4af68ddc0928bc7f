/**
 * The envelope Lambda's bundle: size and cold start of the shipped build (@aws-sdk bundled and
 * tree-shaken) against the alternatives (@aws-sdk taken from the runtime; bundled from the SDK's
 * CommonJS builds), next to the AWS Encryption SDK for JavaScript measured the same way.
 *
 * Cold start is measured in fresh `node` processes (median of RUNS): `require()` of the file, then
 * the first invocation, which builds the KMS and CloudTrail clients (a bad event, so no network).
 * The first real KMS request would add credential resolution and TLS, the same for every variant.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { build } from 'esbuild';
import { fmt } from './support';

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'bench', 'results', 'bundle');
const RUNS = 9;
const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

interface Variant {
  readonly name: string;
  readonly file: string;
  /** Set when @aws-sdk comes from outside the file (the Lambda runtime's copy; here node_modules via NODE_PATH). */
  readonly nodePath?: string;
  /** How to reach a ready state after require: invoke the handler, or nothing (a library). */
  readonly invoke: boolean;
}

const PROBE = `
const t0 = process.hrtime.bigint();
const mod = require(process.env.PROBE_FILE);
const t1 = process.hrtime.bigint();
const done = (extra) => console.log('PROBE ' + JSON.stringify({ requireMs: Number(t1 - t0) / 1e6, firstMs: Number(process.hrtime.bigint() - t1) / 1e6, ...extra }));
if (process.env.PROBE_INVOKE === '1') {
  mod.handler({ operation: 'bench-probe' }).then((r) => done({ errorType: r.errorType }));
} else {
  done({});
}
`;

function probe(v: Variant): { requireMs: number; firstMs: number } {
  const requires: number[] = [];
  const totals: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const child = spawnSync(process.execPath, ['-e', PROBE], {
      cwd: OUT,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        PROBE_FILE: v.file,
        PROBE_INVOKE: v.invoke ? '1' : '0',
        SECUREKEY_KEY_ARN: KEY_ARN,
        AWS_REGION: 'us-east-1',
        ...(v.nodePath ? { NODE_PATH: v.nodePath } : {}),
      },
    });
    const line = child.stdout.split('\n').find((l) => l.startsWith('PROBE '));
    if (!line) throw new Error(`${v.name}: probe failed: ${child.stderr}`);
    const r = JSON.parse(line.slice(6)) as { requireMs: number; firstMs: number; errorType?: string };
    if (v.invoke && r.errorType !== 'InvalidRequestError') throw new Error(`${v.name}: unexpected answer ${line}`);
    requires.push(r.requireMs);
    totals.push(r.requireMs + r.firstMs);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { requireMs: median(requires), firstMs: median(totals) };
}

function sizes(file: string): { kib: number; gzipKib: number } {
  const bytes = fs.readFileSync(file);
  return { kib: bytes.length / 1024, gzipKib: zlib.gzipSync(bytes, { level: 9 }).length / 1024 };
}

function buildVariant(name: string, args: string[]): string {
  const outdir = path.join(OUT, name);
  execFileSync(process.execPath, [path.join(ROOT, 'lambda', 'build-bundle.mjs'), '--outdir', outdir, ...args], { stdio: 'pipe' });
  return path.join(outdir, 'envelope-function', 'index.js');
}

export default async function run(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const nodeModules = path.join(ROOT, 'node_modules');

  // The Encryption SDK, bundled and minified by the same esbuild settings, and as installed.
  const esdkFile = path.join(OUT, 'esdk', 'index.js');
  fs.mkdirSync(path.dirname(esdkFile), { recursive: true });
  await build({
    stdin: { contents: 'module.exports = require("@aws-crypto/client-node");', resolveDir: ROOT },
    outfile: esdkFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'error',
    mainFields: ['module', 'main'],
  });
  const esdkInstalled = require.resolve('@aws-crypto/client-node', { paths: [ROOT] });

  const variants: Variant[] = [
    { name: 'shipped: @aws-sdk bundled, ESM tree-shaken', file: buildVariant('bundled', []), invoke: true },
    { name: '@aws-sdk bundled from its CJS builds', file: buildVariant('bundled-cjs', ['--main-fields', 'main']), invoke: true },
    { name: '@aws-sdk external (runtime copy)', file: buildVariant('external', ['--sdk', 'external']), nodePath: nodeModules, invoke: true },
    { name: 'Encryption SDK, bundled + minified', file: esdkFile, invoke: false },
    { name: 'Encryption SDK, as installed', file: esdkInstalled, invoke: false },
  ];

  console.log(`median of ${RUNS} fresh node processes; "ready" = require + first invocation (builds the SDK clients; none for the Encryption SDK rows)`);
  console.log('| variant | size KiB | gzip KiB | require ms | ready ms |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const v of variants) {
    const s = v.file === esdkInstalled ? undefined : sizes(v.file);
    const t = probe(v);
    console.log(`| ${v.name} | ${s ? fmt(s.kib, 0) : '-'} | ${s ? fmt(s.gzipKib, 0) : '-'} | ${fmt(t.requireMs, 1)} | ${fmt(t.firstMs, 1)} |`);
  }
  const local = sizes(path.join(OUT, 'bundled', 'envelope-local-kms', 'index.js'));
  console.log(`local KMS stand-in (sibling file, not deployed): ${fmt(local.kib, 0)} KiB`);
}
