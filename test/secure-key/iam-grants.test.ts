/**
 * Every IAM grant on a SecureKey is honoured by its key policy, or synth says so: the CDK paths that
 * write only the grantee's IAM policy fail synth naming the principal and the actions.
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SecureKey } from '../../src';
import { newStack, roles, synthErrors } from '../support/secure-key-fixtures';

test('kms.KeyGrants.fromKey(secureKey) (trusting account identities, as with defaultKeyPolicies) writes IAM only: synth fails naming the role and the actions', () => {
  const stack = newStack();
  const { appRole } = roles(stack);
  const key = new SecureKey(stack, 'Key');
  kms.KeyGrants.fromKey(key, true).decrypt(appRole);
  const [message] = synthErrors(stack);
  expect(message).toContain('SecureKey Stack/Key: the IAM policy Stack/AppRole/DefaultPolicy allows Stack/AppRole kms:Decrypt on this key, '
    + 'but the key policy does not, so KMS would deny it at run time.');
  expect(message).toContain('kms.KeyGrants.fromKey(key, false)');
});

test('an L1 grant (sqs.QueueGrants.fromQueue on a CfnQueue encrypted with the key) that reaches only IAM fails synth', () => {
  const stack = newStack();
  const { appRole } = roles(stack);
  const key = new SecureKey(stack, 'Key');
  const queue = new sqs.CfnQueue(stack, 'Queue', { kmsMasterKeyId: key.keyArn });
  sqs.QueueGrants.fromQueue(queue).sendMessages(appRole);
  const errors = synthErrors(stack).join('\n');
  const kmsInIam = JSON.stringify(stack.resolve((appRole.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy).policyDocument)).includes('kms:');
  if (kmsInIam) {
    expect(errors).toMatch(/the IAM policy Stack\/AppRole\/DefaultPolicy allows Stack\/AppRole kms:\S+.* on this key, but the key policy does not/);
  } else {
    // CDK wrote no KMS statement at all for this L1 path: nothing is silently half-granted.
    expect(errors).toBe('');
  }
});

test('role.addToPolicy on the key\'s ARN fails synth; the same through the key\'s grant methods does not', () => {
  const stack = newStack();
  const { appRole } = roles(stack);
  const key = new SecureKey(stack, 'Key');
  appRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: [key.keyArn] }));
  const [message] = synthErrors(stack);
  expect(message).toContain('allows Stack/AppRole kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext');
  expect(message).not.toContain('Fn::GetAtt');

  const ok = newStack();
  const r = roles(ok);
  const key2 = new SecureKey(ok, 'Key');
  key2.grantEncryptDecrypt(r.appRole);
  new s3.Bucket(ok, 'Bucket', { encryptionKey: key2 }).grantReadWrite(r.appRole);
  expect(synthErrors(ok)).toEqual([]);
});

test('an IAM statement on "*" with KMS actions the key policy does not honour warns (acknowledgeable)', () => {
  const stack = newStack();
  const { appRole } = roles(stack);
  new SecureKey(stack, 'Key');
  appRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: ['*'] }));
  expect(synthErrors(stack)).toEqual([]);
  const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));
  expect(warnings.join('\n')).toContain('SecureKey Stack/Key: the IAM policy Stack/AppRole/DefaultPolicy allows Stack/AppRole kms:Decrypt on "*", but the key policy does not');
  expect(warnings.join('\n')).toContain('[ack: cdk-secure-key:iamGrantNotHonoured]');
});
