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
  // The lowest aws-cdk-lib the library works with, the floor of its peer range: 2.269.0 is the first
  // whose Validations.acknowledge takes cdk-nag finding ids with '::' inside brackets (KeyAudit
  // acknowledges `AwsSolutions-IAM5[Resource::arn:...]`); Stack#addStackDependency needs 2.262.0 and
  // cdk-nag 3.0.2 needs 2.257.0. .ci/run synthesizes the example app against it (scripts/cdk-floor.sh).
  cdkVersion: '2.269.0',
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  minNodeVersion: '20.0.0',

  // Our CI is .ci/run; no GitHub workflows or release automation.
  github: false,
  release: false,

  // Every jsii language, named as each ecosystem expects. Nothing is published from here (no release
  // workflow); .ci/run generates each target's code with jsii-pacmak and checks what it can offline.
  publishToPypi: { distName: 'cdk-secure-key', module: 'cdk_secure_key' },
  publishToMaven: {
    mavenGroupId: 'io.github.securekey',
    mavenArtifactId: 'cdk-secure-key',
    javaPackage: 'io.github.securekey.cdk.securekey',
  },
  publishToNuget: { dotNetNamespace: 'SecureKey.CdkSecureKey', packageId: 'SecureKey.CdkSecureKey' },
  publishToGo: { moduleName: 'github.com/securekey/cdk-secure-key-go' },

  // KeyPolicyChecks is a cdk-nag NagPack, so users who apply it bring cdk-nag themselves.
  peerDeps: ['cdk-nag@^3.0.2'],
  peerDependencyOptions: { pinnedDevDependency: false },

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
    // A test run that finds no test is a failure, not a pass.
    passWithNoTests: false,
    jestConfig: {
      testTimeout: 60_000,
      collectCoverage: false,
      // With SECUREKEY_TEMPLATES_OUT set, every template a test synthesizes is written there for cfn-lint.
      setupFilesAfterEnv: ['<rootDir>/test/support/template-out.ts'],
    },
  },

  eslintOptions: {
    dirs: ['src', 'lambda', 'cli'],
    devdirs: ['test', 'examples', 'bench'],
  },

  gitignore: ['/assets/', 'cdk.out/', '/.local-kms/', '/bench/results/', '/test-templates/'],
  // The package is an allow-list (`files`, below), not an ignore list.
  npmignoreEnabled: false,
});

// (See devDeps:) projen's eslint component adds this resolver unpinned, so pin it after construction.
project.deps.addDependency('eslint-import-resolver-typescript@~3.6.3', DependencyType.BUILD);

// Development and the tests use the locked versions below, not the floors of the peer ranges (projen's
// pinnedDevDependency is off): aws-cdk-lib newer than cdkVersion, the others at their floor.
for (const dep of ['aws-cdk-lib@2.270.0', 'constructs@10.5.1', 'cdk-nag@3.0.2']) {
  project.deps.addDependency(dep, DependencyType.BUILD);
}

// The envelope helpers in lambda/ are plain TypeScript (not jsii). They get their own
// tsconfig, compiled next to jsii's output into lib/lambda and exported as `cdk-secure-key/lambda`.
// rootDir is the repository so LocalKms can import the one policy engine (src/private/policy): tsc
// writes lambda/** to lib/lambda/** and the engine files it imports to lib/src/**.
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
    rootDir: '..',
    outDir: '../lib',
    declaration: true,
    noEmit: false,
    types: ['node'],
  },
});

// What `npm pack` ships is an allow-list (package.json `files`), so a build leftover (cdk.out/,
// coverage/, .local-kms/, the esbuild metafiles beside the bundles) can never reach users.
// npm adds package.json, README.md and LICENSE itself. test/package.test.ts checks the packed list.
project.package.addField('files', [
  'lib/**/*.js',
  'lib/**/*.d.ts',
  '.jsii',
  // index.js and the chunks it loads on first use (usage-report.js, credentials.js).
  'assets/envelope-function/*.js',
  'assets/envelope-local-kms/index.js',
  'assets/cli/index.js',
  'API.md',
  'docs/*.md',
  'docs/*.svg',
]);

project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './lambda': { types: './lib/lambda/index.d.ts', default: './lib/lambda/index.js' },
  './lambda/aws': { types: './lib/lambda/aws.d.ts', default: './lib/lambda/aws.js' },
  './lambda/aws-usage-report': { types: './lib/lambda/aws-usage-report.d.ts', default: './lib/lambda/aws-usage-report.js' },
  './lambda/aws-branch-key-store': { types: './lib/lambda/aws-branch-key-store.d.ts', default: './lib/lambda/aws-branch-key-store.js' },
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

// cfn-lint over every template the tests synthesize (scripts/cfn-lint.mjs; .ci/run calls it after the tests).
project.addTask('cfn-lint', {
  description: 'Lint every CloudFormation template the tests and examples synthesize with cfn-lint',
  exec: 'node scripts/cfn-lint.mjs',
  receiveArgs: true,
});

project.addTask('bench', {
  description: 'Benchmarks (ratios against baselines measured in the same run); never part of npm test',
  exec: `${tsNode} bench/index.ts`,
  receiveArgs: true,
});

project.synth();
