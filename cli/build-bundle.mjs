// Bundles the command-line tool (cli/main.ts) with esbuild into assets/cli/index.js, the package's
// `bin`. Runs at build time (projen task `bundle:cli`). @aws-sdk/client-kms and its default
// credential chain are bundled in, so encrypt, decrypt and keys need nothing else from the installed
// package; `report` also loads aws-cdk-lib, the package's peer dependency.
//
//   node cli/build-bundle.mjs [--outdir DIR]
import { build } from 'esbuild';
import { NODE_BUNDLE } from '../lambda/esbuild-options.mjs';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { outdir: { type: 'string', default: join(root, 'assets') } } });
const assets = resolve(args.outdir);
const cliDir = join(assets, 'cli');
const outfile = join(cliDir, 'index.js');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

rmSync(cliDir, { recursive: true, force: true });
mkdirSync(cliDir, { recursive: true });

const result = await build({
  entryPoints: [join(root, 'cli', 'main.ts')],
  outfile,
  ...NODE_BUNDLE,
  // `report` analyses templates with code that imports aws-cdk-lib (a peer dependency of this
  // package, so installed next to it); bundling it would multiply the size of the file for one
  // command. encrypt, decrypt and keys never load it.
  external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
  banner: { js: '#!/usr/bin/env node' },
  define: { CDK_SECURE_KEY_VERSION: JSON.stringify(version) },
});
chmodSync(outfile, 0o755);
writeFileSync(join(assets, 'cli.meta.json'), JSON.stringify(result.metafile));
const kib = (Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0) / 1024).toFixed(1);
console.log(`bundle:cli: ${kib} KiB -> ${outfile}`);
