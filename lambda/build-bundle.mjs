// Bundles the envelope Lambda (entry point lambda/handler/index.ts) with esbuild into assets/envelope-function/index.js.
// Runs at build time (projen task `bundle:envelope`), never during a consumer's `cdk synth`.
//
//   node lambda/build-bundle.mjs [--outdir DIR] [--sdk bundled|external] [--main-fields module,main]
//
// Defaults are the shipped choice (see docs/envelope-lambda.md for the measurements): @aws-sdk/*
// bundled (pinned to the versions in package-lock.json), minified, ESM builds of the SDK preferred
// so unused code is tree-shaken. The other options exist for bench/bundle.bench.ts.
//
// The local KMS stand-in is built into a sibling directory (envelope-local-kms/), not into the
// function's directory: the deployed function never carries it, and a local run (the demo, the
// bundle test) finds it next door.
import { build } from 'esbuild';
import { NODE_BUNDLE } from './esbuild-options.mjs';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    outdir: { type: 'string', default: join(root, 'assets') },
    sdk: { type: 'string', default: 'bundled' },
    'main-fields': { type: 'string', default: 'module,main' },
  },
});
if (args.sdk !== 'bundled' && args.sdk !== 'external') {
  throw new Error(`--sdk must be "bundled" or "external"; received ${JSON.stringify(args.sdk)}.`);
}
const assets = resolve(args.outdir);
const functionDir = join(assets, 'envelope-function');
const localDir = join(assets, 'envelope-local-kms');
// The module that requires the stand-in, the path it uses, and where the stand-in lands relative to index.js.
const LOCAL_KMS_IMPORTER = join('lambda', 'handler', 'environment.ts');
const LOCAL_KMS_IMPORT = '../providers/local-kms';
const LOCAL_KMS_FROM_FUNCTION = '../envelope-local-kms/index.js';

// The function runs on nodejs24.x (EnvelopeFunction); node20 syntax also runs on the Node 20 used
// for local runs, the demo and the tests here.
const common = { ...NODE_BUNDLE, mainFields: args['main-fields'].split(',') };

const keepLocalKmsOut = {
  name: 'local-kms-beside',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/providers\/local-kms$/ }, (a) =>
      (a.importer.endsWith(LOCAL_KMS_IMPORTER) && a.path === LOCAL_KMS_IMPORT
        ? { path: LOCAL_KMS_FROM_FUNCTION, external: true }
        : undefined));
  },
};

rmSync(functionDir, { recursive: true, force: true });
rmSync(localDir, { recursive: true, force: true });
mkdirSync(functionDir, { recursive: true });
mkdirSync(localDir, { recursive: true });

const fn = await build({
  ...common,
  entryPoints: [join(root, 'lambda', 'handler', 'index.ts')],
  outfile: join(functionDir, 'index.js'),
  external: args.sdk === 'external' ? ['@aws-sdk/*'] : [],
  plugins: [keepLocalKmsOut],
});
const local = await build({
  ...common,
  entryPoints: [join(root, 'lambda', 'providers', 'local-kms.ts')],
  outfile: join(localDir, 'index.js'),
});

// Metafiles sit outside the function's directory, so they are not deployed with it.
writeFileSync(join(assets, 'envelope-function.meta.json'), JSON.stringify(fn.metafile));
writeFileSync(join(assets, 'envelope-local-kms.meta.json'), JSON.stringify(local.metafile));
const kib = (m) => (Object.values(m.outputs).reduce((n, o) => n + o.bytes, 0) / 1024).toFixed(1);
console.log(`bundle:envelope: ${kib(fn.metafile)} KiB -> ${functionDir} (@aws-sdk ${args.sdk}); local KMS ${kib(local.metafile)} KiB -> ${localDir}`);
