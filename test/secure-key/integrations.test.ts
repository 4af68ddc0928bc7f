/**
 * SecureKey with CDK's own constructs and grant paths (Secrets Manager, DynamoDB, SNS-to-SQS, KeyGrants,
 * several stacks): each case synthesizes, and the resulting key policy is checked with the evaluator.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sm from 'aws-cdk-lib/aws-secretsmanager';
import { SecureKey } from '../../src';
import { KMS_STAR, otherPrincipal, resolveKey } from '../support/access-report';
import { authorize } from '../support/kms-access';
import { ACCOUNT, newStack, REGION, roles, synthErrors } from '../support/secure-key-fixtures';

describe('Secrets Manager', () => {
  test('a Secret encrypted with a SecureKey synthesizes, and the account is allowed use only through Secrets Manager', () => {
    const stack = newStack();
    const { appRole } = roles(stack);
    const key = new SecureKey(stack, 'Key');
    const secret = new sm.Secret(stack, 'Secret', { encryptionKey: key });
    secret.grantRead(appRole);
    expect(synthErrors(stack)).toEqual([]);

    const r = resolveKey(key);
    const someone = otherPrincipal('iam kms:*', ACCOUNT, KMS_STAR);
    const via = `secretsmanager.${REGION}.amazonaws.com`;
    expect(authorize(r.keyPolicy, r.keyArn, someone, { action: 'kms:Decrypt', viaService: via })).toBe('allowed');
    expect(authorize(r.keyPolicy, r.keyArn, someone, { action: 'kms:Decrypt' })).toBe('denied');
    expect(authorize(r.keyPolicy, r.keyArn, someone, { action: 'kms:Decrypt', viaService: `s3.${REGION}.amazonaws.com` })).toBe('denied');
    const app = r.roleCaller('app', appRole);
    expect(authorize(r.keyPolicy, r.keyArn, app, { action: 'kms:Decrypt', viaService: via })).toBe('allowed');
    expect(authorize(r.keyPolicy, r.keyArn, app, { action: 'kms:Decrypt' })).toBe('denied');
  });

  test('the account root with use of the key and no kms:ViaService still fails synth', () => {
    const stack = newStack();
    new SecureKey(stack, 'Key').grantDecrypt(new iam.AccountRootPrincipal());
    expect(synthErrors(stack)[0]).toContain('would both administer and use the key');
  });

  test('a kms:ViaService condition with a wildcard does not count as pinned', () => {
    const stack = newStack();
    new SecureKey(stack, 'Key').withConditions({ viaServices: ['*.amazonaws.com'] }).grantDecrypt(new iam.AccountRootPrincipal());
    expect(synthErrors(stack)[0]).toContain('would both administer and use the key');
  });
});
