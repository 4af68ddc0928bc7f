import * as path from 'node:path';
import { buildSync } from 'esbuild';

// `cdk-secure-key/lambda` must load without the AWS SDK installed (it is not a dependency of this
// jsii package); only `cdk-secure-key/lambda/aws` may import it.
function sdkImportsOf(entry: string): string[] {
  const result = buildSync({
    entryPoints: [path.join(__dirname, '..', '..', 'lambda', entry)],
    bundle: true,
    platform: 'node',
    write: false,
    metafile: true,
    external: ['@aws-sdk/*', '@smithy/*'],
    logLevel: 'silent',
  });
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
  return [...new Set(imports.filter((p) => p.startsWith('@aws-sdk/') || p.startsWith('@smithy/')))].sort();
}

describe('lambda entry points', () => {
  test('cdk-secure-key/lambda imports no AWS SDK module', () => {
    expect(sdkImportsOf('index.ts')).toEqual([]);
  });

  test('cdk-secure-key/lambda/aws holds the SDK adapters', () => {
    expect(sdkImportsOf('aws.ts')).toEqual(['@aws-sdk/client-cloudtrail', '@aws-sdk/client-dynamodb', '@aws-sdk/client-kms']);
  });
});
