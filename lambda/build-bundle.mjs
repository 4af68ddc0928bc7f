// Bundles the envelope Lambda (entry point lambda/handler/index.ts) with esbuild into assets/envelope-function/index.js.
// Runs at build time (projen task `bundle:envelope`), never during a consumer's `cdk synth`.
//
//   node lambda/build-bundle.mjs [--outdir DIR] [--sdk bundled|external] [--main-fields module,main]
//
// Defaults are the shipped choice (see docs/envelope-lambda.md for the measurements): @aws-sdk/*
// bundled (pinned to the versions in package-lock.json), minified, ESM builds of the SDK preferred
// so unused code is tree-shaken. The other options exist for bench/bundle.bench.ts.
//
// Code off the encrypt/decrypt path goes into chunks beside index.js, loaded only when first needed,
// so the envelope path neither carries nor parses it: `usage-report.js` (the usage-report glue with the
// CloudTrail client, which the handler requires on the first usageReport request), `branch-key-store.js` (the
// hierarchical keyring with the DynamoDB client, which the handler requires at start-up only when a branch key
// store is configured) and `credentials.js` (the AWS SDK's
// SSO, ini-file, process and web-identity credential providers, which its default chain imports
// dynamically only when no credentials are in the environment, never in Lambda). Each chunk is a
// self-contained bundle, so a shared package can be present twice on disk; the bundle benchmark
// reports index.js and the whole directory.
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

/** Chunk file (beside index.js) -> the modules it holds, each with the names the function imports from it. */
const LAZY_CHUNKS = {
  'usage-report.js': [
    { module: './lambda/handler/usage-report', names: '*' },
    { module: '@aws-sdk/client-cloudtrail', names: ['CloudTrailClient'] },
  ],
  'branch-key-store.js': [
    { module: './lambda/handler/branch-key-store', names: '*' },
  ],
  'credentials.js': [
    { module: '@aws-sdk/credential-provider-sso', names: ['fromSSO'] },
    { module: '@aws-sdk/credential-provider-ini', names: ['fromIni'] },
    { module: '@aws-sdk/credential-provider-process', names: ['fromProcess'] },
    { module: '@aws-sdk/credential-provider-web-identity', names: ['fromTokenFile'] },
  ],
};
/** Glue modules of the handler that are chunks of their own, by path without extension. */
const GLUE_CHUNKS = new Map([
  [join(root, 'lambda', 'handler', 'usage-report'), './usage-report.js'],
  [join(root, 'lambda', 'handler', 'branch-key-store'), './branch-key-store.js'],
]);
const chunkOf = new Map(Object.entries(LAZY_CHUNKS).flatMap(([file, mods]) => mods.map((m) => [m.module, file])));

/**
 * Lazy loads (require() inside a function, dynamic import()) of a chunk's modules resolve to the
 * chunk file; a static import of the same module stays bundled, so nothing breaks if the code moves.
 */
const lazyChunks = {
  name: 'lazy-chunks',
  setup(b) {
    b.onResolve({ filter: /^(@aws-sdk\/(client-cloudtrail|credential-provider-(sso|ini|process|web-identity))|\.{1,2}\/.*(usage-report|branch-key-store))$/ }, (a) => {
      if (a.kind !== 'require-call' && a.kind !== 'dynamic-import') return undefined;
      if (chunkOf.has(a.path)) return { path: `./${chunkOf.get(a.path)}`, external: true };
      const chunk = GLUE_CHUNKS.get(resolve(a.resolveDir, a.path));
      return chunk === undefined ? undefined : { path: chunk, external: true };
    });
  },
};

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
  plugins: [keepLocalKmsOut, lazyChunks],
});
const chunks = [];
for (const [file, mods] of Object.entries(LAZY_CHUNKS)) {
  const contents = mods.map((m) => (m.names === '*'
    ? `export * from ${JSON.stringify(m.module)};`
    : `export { ${m.names.join(', ')} } from ${JSON.stringify(m.module)};`)).join('\n');
  chunks.push(await build({
    ...common,
    stdin: { contents, resolveDir: root, sourcefile: `lazy-${file}`, loader: 'ts' },
    outfile: join(functionDir, file),
    external: args.sdk === 'external' ? ['@aws-sdk/*'] : [],
  }));
}
const local = await build({
  ...common,
  entryPoints: [join(root, 'lambda', 'providers', 'local-kms.ts')],
  outfile: join(localDir, 'index.js'),
});

// Metafiles sit outside the function's directory, so they are not deployed with it.
writeFileSync(join(assets, 'envelope-function.meta.json'), JSON.stringify(fn.metafile));
writeFileSync(join(assets, 'envelope-function-chunks.meta.json'), JSON.stringify(chunks.map((c) => c.metafile)));
writeFileSync(join(assets, 'envelope-local-kms.meta.json'), JSON.stringify(local.metafile));
const kib = (m) => (Object.values(m.outputs).reduce((n, o) => n + o.bytes, 0) / 1024).toFixed(1);
console.log(`bundle:envelope: ${kib(fn.metafile)} KiB -> ${functionDir} (@aws-sdk ${args.sdk}), lazy chunks ${chunks.map((c) => kib(c.metafile)).join(' + ')} KiB; local KMS ${kib(local.metafile)} KiB -> ${localDir}`);
