import { awscdk, DependencyType, javascript } from 'projen';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-secure-key',
  description:
    'A KMS key that is secure by default (least-privilege key policy, aliases, rotation, replicas, CloudTrail audit), plus envelope encryption helpers with data-key caching.',
  keywords: ['aws-cdk', 'kms', 'encryption', 'key-policy', 'envelope-encryption', 'cdk-nag'],
  author: 'SecureKey maintainers',
  authorAddress: 'securekey@example.com',
  repositoryUrl: 'https://github.com/securekey/cdk-secure-key.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  cdkVersion: '2.270.0',
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  minNodeVersion: '20.0.0',

  // Our CI is .ci/run; no GitHub workflows or release automation.
  github: false,
  release: false,

  // KeyPolicyChecks is a cdk-nag NagPack, so users who apply it bring cdk-nag themselves.
  peerDeps: ['cdk-nag@^3.0.2'],

  devDeps: [
    '@aws-sdk/client-kms@^3.1162.0',
    '@aws-sdk/client-dynamodb@^3.1162.0',
    '@aws-sdk/client-cloudtrail@^3.1137.0',
    '@aws-crypto/client-node@^5.0.2',
    'fast-check@^4.10.2',
    'esbuild@^0.28.2',
    'ajv@^8.20.0',
    // jest 30 and eslint-import-resolver-typescript 4 depend on unrs-resolver, whose per-platform
    // optional packages our registry does not all serve; npm then writes a lockfile that `npm ci`
    // rejects. These versions resolve modules without it.
    '@types/jest@^29',
  ],

  jestOptions: {
    jestVersion: '^29',
    // Snapshots must be able to fail: never rewrite them during a test run.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 60_000,
      collectCoverage: false,
    },
  },

  eslintOptions: {
    dirs: ['src', 'lambda', 'cli'],
    devdirs: ['test', 'examples', 'bench'],
  },

  gitignore: ['/assets/', 'cdk.out/', '/.local-kms/', '/bench/results/'],
});

// (See devDeps:) projen's eslint component adds this resolver unpinned, so pin it after construction.
project.deps.addDependency('eslint-import-resolver-typescript@~3.6.3', DependencyType.BUILD);

// The envelope helpers in lambda/ are plain TypeScript (not jsii). They get their own
// tsconfig, compiled next to jsii's output into lib/lambda and exported as `cdk-secure-key/lambda`.
const devTsconfig = (dir: string, extra: Record<string, unknown> = {}) =>
  new javascript.TypescriptConfig(project, {
    fileName: `${dir}/tsconfig.json`,
    extends: javascript.TypescriptConfigExtends.fromPaths(['../tsconfig.json']),
    include: ['**/*.ts'],
    exclude: ['node_modules'],
    compilerOptions: { rootDir: '..', noEmit: true, ...extra },
  });
devTsconfig('examples');
devTsconfig('bench');
devTsconfig('cli');
new javascript.TypescriptConfig(project, {
  fileName: 'lambda/tsconfig.json',
  extends: javascript.TypescriptConfigExtends.fromPaths(['../tsconfig.json']),
  include: ['**/*.ts'],
  exclude: ['node_modules'],
  compilerOptions: {
    rootDir: '.',
    outDir: '../lib/lambda',
    declaration: true,
    noEmit: false,
    types: ['node'],
  },
});

// The esbuild metafiles beside the bundles are for bench/ and the bundle tests, not for users.
for (const pattern of ['/lambda/', '/cli/', '/examples/', '/bench/', '/.ci/', '/assets/*.meta.json']) {
  project.addPackageIgnore(pattern);
}

project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './lambda': { types: './lib/lambda/index.d.ts', default: './lib/lambda/index.js' },
  './lambda/aws': { types: './lib/lambda/aws.d.ts', default: './lib/lambda/aws.js' },
  './package.json': './package.json',
  './.jsii': './.jsii',
});

// Bundle the envelope Lambda at build time, so a consumer's `cdk synth` needs no esbuild or Docker.
const bundle = project.addTask('bundle:envelope', {
  description: 'Bundle the envelope Lambda handler into assets/envelope-function',
  exec: 'node lambda/build-bundle.mjs',
});
const compileLambda = project.addTask('compile:lambda', {
  description: 'Compile the envelope helpers (lambda/) into lib/lambda',
  exec: 'tsc -p lambda/tsconfig.json',
});
project.compileTask.spawn(compileLambda);
project.preCompileTask.spawn(bundle);
project.testTask.prependSpawn(bundle);

// The command-line tool (cli/): one self-contained file with @aws-sdk/client-kms bundled, so
// `npx cdk-secure-key` works from the installed package alone.
const bundleCli = project.addTask('bundle:cli', {
  description: 'Bundle the command-line tool (cli/) into assets/cli/index.js',
  exec: 'node cli/build-bundle.mjs',
});
project.preCompileTask.spawn(bundleCli);
project.testTask.prependSpawn(bundleCli);
project.package.addBin({ 'cdk-secure-key': 'assets/cli/index.js' });

const tsNode = 'ts-node --transpile-only --project examples/tsconfig.json';
const demo = project.addTask('demo', {
  description: 'Synthesize the example app, then the offline demos: the CLI (encrypt, decrypt, report) and the envelope Lambda',
});
demo.spawn(bundle);
demo.spawn(bundleCli);
demo.exec(`${tsNode} examples/synth.ts`);
demo.exec(`${tsNode} examples/cli-demo.ts`);
demo.exec(`${tsNode} examples/envelope-demo.ts`);

project.addTask('bench', {
  description: 'Benchmarks (ratios against baselines measured in the same run); never part of npm test',
  exec: `${tsNode} bench/index.ts`,
  receiveArgs: true,
});

project.synth();
