/** The harness can fail: each kind of problem it looks for is reported when present. */
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DEPLOY_ROLE, role, via } from './case';
import { findCycles } from './cycles';
import { runCase } from './harness';
import { SecureKey } from '../../src';

describe('catalogue harness', () => {
  test('finds a cycle between two resources, and none in a chain', () => {
    expect(findCycles({
      A: { Type: 'T', Properties: { X: { 'Fn::GetAtt': ['B', 'Arn'] } } },
      B: { Type: 'T', Properties: { Y: { 'Fn::Sub': 'x-${A}' } } },
      C: { Type: 'T', DependsOn: 'A' },
    })).toEqual([['A', 'B', 'A']]);
    expect(findCycles({ A: { Type: 'T', Properties: { X: { Ref: 'B' } } }, B: { Type: 'T' } })).toEqual([]);
  });

  test('reports a KMS request answered otherwise than the case expects', () => {
    const result = runCase({
      id: 'wrong-expectation',
      service: 'S3',
      construct: 's3.Bucket',
      userMust: 'nothing',
      build(stack) {
        const key = new SecureKey(stack, 'Key');
        new s3.Bucket(stack, 'Bucket', { encryptionKey: key, enforceSSL: true });
        const app = new iam.Role(stack, 'App', { assumedBy: new iam.AccountRootPrincipal() });
        return {
          key,
          proofs: [
            { who: DEPLOY_ROLE, request: { action: 'kms:CreateGrant', viaService: via('s3'), grantIsForAwsResource: true }, expect: 'allowed' },
            { who: role('app', app), request: { action: 'kms:Decrypt', viaService: via('s3') }, expect: 'allowed' },
          ],
        };
      },
    });
    expect(result.problems).toEqual([
      'CloudFormation execution role kms:CreateGrant (via s3.us-east-1.amazonaws.com, grant for AWS resource true): expected allowed, got denied',
      'app kms:Decrypt (via s3.us-east-1.amazonaws.com): expected allowed, got denied',
    ]);
    expect(result.policyBytes).toBeGreaterThan(500);
  });

  test('reports an acknowledged KeyPolicyChecks finding', () => {
    const result = runCase({
      id: 'acknowledged',
      service: 'x',
      construct: 'x',
      userMust: 'nothing',
      build(stack) {
        const key = new SecureKey(stack, 'Key');
        Validations.of(key).acknowledge({ id: 'KeyPolicy::KeyPolicy-KP8', reason: 'a test' });
        return { key, proofs: [] };
      },
    });
    expect(result.problems).toEqual([expect.stringMatching(/^KeyPolicyChecks finding acknowledged at Catalogue\/Key: .*KeyPolicy-KP8/)]);
  });

  test('reports a synth failure (here the lockout guard)', () => {
    const failing = runCase({
      id: 'lockout',
      service: 'x',
      construct: 'x',
      userMust: 'nothing',
      build: (stack) => ({ key: new SecureKey(stack, 'Key', { allowIamAdministration: false }), proofs: [] }),
    });
    expect(failing.problems).toEqual([expect.stringMatching(/^synth failed: .*no principal could update this key's policy/s)]);
  });
});
