import * as path from 'node:path';
import { buildSync } from 'esbuild';

// Each public entry of `cdk-secure-key/lambda` reaches only the AWS SDK clients it documents: the
// SDK is not a dependency of this jsii package, so a consumer installs exactly what they import.
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

  test('cdk-secure-key/lambda/aws reaches the KMS client only, never the CloudTrail client', () => {
    expect(sdkImportsOf('aws.ts')).toEqual(['@aws-sdk/client-kms']);
  });

  test('cdk-secure-key/lambda/aws-branch-key-store reaches the DynamoDB client only', () => {
    expect(sdkImportsOf('aws-branch-key-store.ts')).toEqual(['@aws-sdk/client-dynamodb']);
  });

  test('cdk-secure-key/lambda/aws-usage-report reaches the CloudTrail client only', () => {
    expect(sdkImportsOf('aws-usage-report.ts')).toEqual(['@aws-sdk/client-cloudtrail']);
  });

  test('the KMS adapter loads when @aws-sdk/client-cloudtrail cannot be loaded', () => {
    // The esbuild check above proves the static graph; this one also catches a lazy require.
    let loaded = 0;
    jest.isolateModules(() => {
      jest.doMock('@aws-sdk/client-cloudtrail', () => {
        loaded++;
        throw Object.assign(new Error("Cannot find module '@aws-sdk/client-cloudtrail'"), { code: 'MODULE_NOT_FOUND' });
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const aws = require('../../lambda/aws') as typeof import('../../lambda/aws');
      expect(typeof aws.AwsKmsKeyProvider).toBe('function');
    });
    expect(loaded).toBe(0);
  });

  test('cdk-secure-key/lambda exports the public API, not the internals', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const names = Object.keys(require('../../lambda') as object).sort();
    expect(names).toEqual(expect.arrayContaining(['EnvelopeClient', 'CachingMaterialsManager', 'DataKeyCache', 'LocalKms', 'LocalKmsKeyProvider', 'SecureKeyError']));
    for (const internal of ['parseHeader', 'serializeHeaderBody', 'deriveKeys', 'computeHeaderAuthTag', 'summarizeKeyUsage', 'copyDataKey', 'LocalKmsStore']) {
      expect(names).not.toContain(internal);
    }
    expect(names.length).toBeLessThan(40);
  });
});
