// Bundles the envelope Lambda (lambda/handler.ts) with esbuild into assets/envelope-function/.
// Runs at build time (projen task `bundle:envelope`), never during a consumer's `cdk synth`.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'assets', 'envelope-function');
mkdirSync(outdir, { recursive: true });

const result = await build({
  entryPoints: [join(root, 'lambda', 'handler.ts')],
  outfile: join(outdir, 'index.js'),
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`bundle:envelope: ${(bytes / 1024).toFixed(1)} KiB -> ${outdir}`);
