/**
 * The envelope Lambda's bundle against a minimal handler on the AWS Encryption SDK with its KMS
 * keyring (bench/esdk-handler.ts), bundled the same way: esbuild with the settings of
 * lambda/build-bundle.mjs (bundle everything including @aws-sdk, minify, node20, CJS, ESM builds
 * preferred so unused code is tree-shaken). Ours is built by that script itself.
 *
 * Size: bytes of the function's index.js, and gzip -9. Cold start: fresh `node` processes,
 * alternating ours and the SDK's, each timing `require()` of the bundle, then a first invocation
 * with a bad event (no network) for "ready". Medians over the runs, and paired per-run ratios.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { build } from 'esbuild';
import { median, pairedRatio, Spread } from './support';

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'bench', 'results', 'bundle');
const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const PROBE = `
const t0 = process.hrtime.bigint();
const mod = require(process.env.PROBE_FILE);
const t1 = process.hrtime.bigint();
mod.handler({ operation: 'bench-probe' }).then((r) => {
  console.log('PROBE ' + JSON.stringify({ requireMs: Number(t1 - t0) / 1e6, readyMs: Number(process.hrtime.bigint() - t0) / 1e6, errorType: r.errorType }));
});
`;

function probe(file: string): { requireMs: number; readyMs: number } {
  const child = spawnSync(process.execPath, ['-e', PROBE], {
    cwd: OUT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', PROBE_FILE: file, SECUREKEY_KEY_ARN: KEY_ARN, AWS_REGION: 'us-east-1' },
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('PROBE '));
  if (!line) throw new Error(`bundle probe of ${file} failed: ${child.stderr}`);
  const r = JSON.parse(line.slice(6)) as { requireMs: number; readyMs: number; errorType?: string };
  if (r.errorType !== 'InvalidRequestError') throw new Error(`bundle probe of ${file}: unexpected answer ${line}`);
  return r;
}

/** Bytes each package (or our own code) contributes to the minified output, largest first. */
function breakdown(metafile: { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> }): Record<string, number> {
  const by = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = m ? m[1] : '(own code)';
      by.set(name, (by.get(name) ?? 0) + bytesInOutput);
    }
  }
  return Object.fromEntries([...by.entries()].sort((a, b) => b[1] - a[1]).filter(([, n]) => n >= 8 * 1024));
}

export interface BundleSide {
  readonly description: string;
  /** Bytes by package, for those of 8 KiB and more. */
  readonly packages: Record<string, number>;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly requireMs: number;
  readonly readyMs: number;
}

export interface BundleResult {
  readonly runs: number;
  readonly ours: BundleSide;
  /** Every file of our function's directory: index.js and the chunks it loads lazily. */
  readonly oursDirectory?: { files: string[]; bytes: number; gzipBytes: number };
  readonly esdk: BundleSide;
  /** Paired per-run ratios ours / SDK (below 1 = ours smaller or faster). */
  readonly requireRatio: Spread;
  readonly readyRatio: Spread;
}

export async function bundle(runs = 15): Promise<BundleResult> {
  fs.mkdirSync(OUT, { recursive: true });
  const oursDir = path.join(OUT, 'ours');
  execFileSync(process.execPath, [path.join(ROOT, 'lambda', 'build-bundle.mjs'), '--outdir', oursDir], { stdio: 'pipe' });
  const oursFile = path.join(oursDir, 'envelope-function', 'index.js');
  const esdkFile = path.join(OUT, 'esdk', 'index.js');
  const esdkBuild = await build({
    metafile: true,
    entryPoints: [path.join(__dirname, 'esdk-handler.ts')],
    outfile: esdkFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'error',
    mainFields: ['module', 'main'],
  });
  const times = { ours: { require: [] as number[], ready: [] as number[] }, esdk: { require: [] as number[], ready: [] as number[] } };
  for (let i = 0; i < runs + 1; i++) {
    // Alternate which goes first; the first pair only warms the file cache.
    const order = i % 2 === 0 ? (['ours', 'esdk'] as const) : (['esdk', 'ours'] as const);
    for (const side of order) {
      const r = probe(side === 'ours' ? oursFile : esdkFile);
      if (i === 0) continue;
      times[side].require.push(r.requireMs);
      times[side].ready.push(r.readyMs);
    }
  }
  const oursMeta = JSON.parse(fs.readFileSync(path.join(oursDir, 'envelope-function.meta.json'), 'utf8'));
  const side = (name: 'ours' | 'esdk', file: string, description: string): BundleSide => {
    const bytes = fs.readFileSync(file);
    return {
      description,
      packages: breakdown(name === 'ours' ? oursMeta : esdkBuild.metafile),
      bytes: bytes.length,
      gzipBytes: zlib.gzipSync(bytes, { level: 9 }).length,
      requireMs: median(times[name].require),
      readyMs: median(times[name].ready),
    };
  };
  const functionDir = path.dirname(oursFile);
  const files = fs.readdirSync(functionDir).sort();
  const all = files.map((f) => fs.readFileSync(path.join(functionDir, f)));
  return {
    runs,
    oursDirectory: {
      files,
      bytes: all.reduce((n, b) => n + b.length, 0),
      gzipBytes: all.reduce((n, b) => n + zlib.gzipSync(b, { level: 9 }).length, 0),
    },
    ours: side('ours', oursFile, 'our envelope Lambda as shipped (lambda/build-bundle.mjs), index.js: what encrypt and decrypt load (@aws-sdk/client-kms bundled; audit with client-cloudtrail and the non-environment credential providers in lazy chunks)'),
    esdk: side('esdk', esdkFile, 'minimal encrypt/decrypt handler on @aws-crypto/client-node with KmsKeyringNode (bench/esdk-handler.ts), same esbuild settings'),
    requireRatio: pairedRatio(times.ours.require, times.esdk.require),
    readyRatio: pairedRatio(times.ours.ready, times.esdk.ready),
  };
}
