/**
 * The pack passes what aws-cdk-lib itself writes into a SecureKey's policy. A Secrets Manager secret
 * gives the account root kms:Decrypt, kms:Encrypt, data keys, kms:CreateGrant and kms:DescribeKey
 * pinned by kms:ViaService (secretsmanager): use only through that service by the account's own
 * principals, which the engine does not count as use by the account's IAM.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { KeyPolicyChecks, SecureKey } from '../../src';
import { authorize } from '../../src/private/policy/engine';
import { envFor, resolveIntrinsics } from '../support/cfn-intrinsics';
import { ACCOUNT, newStack, REGION } from '../support/secure-key-fixtures';

function violations(stack: Stack): string[] {
  return new KeyPolicyChecks().validateScope(stack).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

describe('what aws-cdk-lib writes', () => {
  test('a Secrets Manager Secret under a SecureKey: synth passes, the pack reports nothing, and the grant works only through Secrets Manager', () => {
    const stack = newStack();
    const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    const key = new SecureKey(stack, 'Key', { administrators: [admin] });
    new secretsmanager.Secret(stack, 'Secret', { encryptionKey: key });
    const template = Template.fromStack(stack).toJSON();
    expect(violations(stack)).toEqual([]);

    const resolved = resolveIntrinsics(template, envFor(template as never)) as { Resources: Record<string, { Type: string; Properties: { KeyPolicy?: { Statement: Array<Record<string, unknown>> } } }> };
    const policy = Object.values(resolved.Resources).find((r) => r.Type === 'AWS::KMS::Key')!.Properties.KeyPolicy!;
    const cdkStatements = JSON.stringify(policy.Statement.filter((s) => JSON.stringify(s.Condition ?? {}).includes('secretsmanager')));
    expect(cdkStatements).toContain('kms:CreateGrant');
    expect(cdkStatements).toContain(`arn:aws:iam::${ACCOUNT}:root`);

    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/k`;
    const anyRole = { arn: `arn:aws:iam::${ACCOUNT}:role/AnyRole`, account: ACCOUNT, iamStatements: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };
    const via = `secretsmanager.${REGION}.amazonaws.com`;
    expect(authorize(policy, { caller: anyRole, action: 'kms:Decrypt', keyArn, keyAccount: ACCOUNT, viaService: via }).allowed).toBe(true);
    expect(authorize(policy, { caller: anyRole, action: 'kms:Decrypt', keyArn, keyAccount: ACCOUNT }).allowed).toBe(false);
    expect(authorize(policy, { caller: anyRole, action: 'kms:CreateGrant', keyArn, keyAccount: ACCOUNT }).allowed).toBe(false);
  });

  test('the same statement with a wildcard kms:ViaService is use by the account\'s IAM (KP10)', () => {
    const stack = newStack();
    const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    const key = new SecureKey(stack, 'Key', { administrators: [admin] });
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AnyService', principals: [new iam.AccountRootPrincipal()], actions: ['kms:Decrypt', 'kms:CreateGrant'], resources: ['*'],
      conditions: { StringLike: { 'kms:ViaService': '*.amazonaws.com' }, StringEquals: { 'kms:CallerAccount': ACCOUNT } },
    }));
    expect(() => Template.fromStack(stack)).toThrow(/\(Sid:AnyService\) lets IAM principals of the account that the key policy does not name use the key/);
  });
});
