/**
 * The key-policy budget: statements that differ only in actions are merged, and the policy's size is
 * measured at synth (a warning from 80% of KMS's 32 KB, an error above it).
 */
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ddb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sm from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SecureKey } from '../../src';
import { KEY_POLICY_MAX_BYTES, mergeStatements, policySize } from '../../src/private/policy-budget';
import { keyPolicyOf, newStack, roles, synthErrors } from '../support/secure-key-fixtures';

function realisticApp() {
  const stack = newStack();
  const { adminRole, appRole } = roles(stack);
  const key = new SecureKey(stack, 'Key', { administrators: [adminRole], users: [appRole], allowAccountUseViaServices: ['dynamodb'] });
  new s3.Bucket(stack, 'Bucket', { encryptionKey: key }).grantReadWrite(appRole);
  new sqs.Queue(stack, 'Queue', { encryptionMasterKey: key }).grantSendMessages(appRole);
  new ddb.Table(stack, 'Table', {
    partitionKey: { name: 'pk', type: ddb.AttributeType.STRING }, encryption: ddb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: key,
  }).grantReadWriteData(appRole);
  new sm.Secret(stack, 'Secret', { encryptionKey: key }).grantRead(appRole);
  return { stack, key };
}

test('a realistic app: the app role\'s grants merge into one statement per condition set, and the policy shrinks', () => {
  const { stack, key } = realisticApp();
  expect(synthErrors(stack)).toEqual([]);
  const unmerged = stack.resolve(key.keyPolicy.toJSON()) as { Statement: unknown[] };
  const rendered = keyPolicyOf(key) as { Statement: Array<{ Principal?: unknown; Condition?: unknown }> };
  const before = { statements: unmerged.Statement.length, bytes: policySize(unmerged) };
  const after = { statements: rendered.Statement.length, bytes: policySize(rendered) };
  // Printed for the record (the closing note quotes these figures).
  // eslint-disable-next-line no-console
  console.log(`key policy of the realistic app: before ${before.statements} statements, ${before.bytes} bytes; after ${after.statements} statements, ${after.bytes} bytes`);
  expect(after.statements).toBeLessThan(before.statements);
  expect(after.bytes).toBeLessThan(before.bytes);
  // No two statements left with the same principal, effect and conditions.
  const keys = rendered.Statement.map((s) => JSON.stringify([s.Principal, s.Condition ?? {}]));
  expect(new Set(keys).size).toBe(keys.length);
});

test('merging unites actions in sorted order, keeps the one Sid, and never merges two different Sids', () => {
  const stack = new Stack();
  const p = { AWS: 'arn:aws:iam::111111111111:role/a' };
  const merged = mergeStatements(stack, [
    { Sid: 'Users', Effect: 'Allow', Principal: p, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' },
    { Effect: 'Allow', Principal: p, Action: ['kms:DescribeKey', 'kms:Decrypt'], Resource: '*' },
    { Sid: 'Other', Effect: 'Allow', Principal: p, Action: ['kms:Sign'], Resource: '*' },
    { Effect: 'Allow', Principal: p, Action: ['kms:Verify'], Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
  ]);
  expect(merged).toEqual([
    { Sid: 'Users', Effect: 'Allow', Principal: p, Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt'], Resource: '*' },
    { Sid: 'Other', Effect: 'Allow', Principal: p, Action: ['kms:Sign'], Resource: '*' },
    { Effect: 'Allow', Principal: p, Action: ['kms:Verify'], Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
  ]);
});

function keyWithGrantees(count: number) {
  const stack = newStack();
  const key = new SecureKey(stack, 'Key');
  for (let i = 0; i < count; i++) {
    key.withConditions({ encryptionContext: { tenant: `tenant-${i}` } })
      .grantDecrypt(iam.Role.fromRoleArn(stack, `R${i}`, `arn:aws:iam::111111111111:role/tenant-reader-${i}`, { mutable: false }));
  }
  return { stack, key };
}

test('warns (acknowledgeable) from 80% of 32 KB', () => {
  const { stack } = keyWithGrantees(95);
  expect(synthErrors(stack)).toEqual([]);
  const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));
  expect(warnings.join('\n')).toMatch(/SecureKey Stack\/Key: the key policy is about \d+ bytes in \d+ statements, (8\d|9\d)% of KMS's 32768-byte limit\..*\[ack: cdk-secure-key:keyPolicySize\]/s);
});

test('fails above 32 KB and says what to do', () => {
  const { stack } = keyWithGrantees(130);
  const [message] = synthErrors(stack);
  expect(message).toMatch(new RegExp(`SecureKey Stack/Key: the key policy is about \\d+ bytes in \\d+ statements \\(1\\d\\d% of KMS's ${KEY_POLICY_MAX_BYTES}-byte limit\\); KMS would reject it\\.`));
  expect(message).toContain('split the data across several keys');
});

test('policySize counts what JSON.stringify writes with each intrinsic as one deploy-time value', () => {
  // The reference: the replacer the size was first defined with.
  const reference = (resolved: unknown) => {
    const isIntrinsic = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v)
      && Object.keys(v).length === 1 && (Object.keys(v)[0] === 'Ref' || Object.keys(v)[0].startsWith('Fn::'));
    const text = JSON.stringify(resolved, (_k, v) => (isIntrinsic(v) ? '\u0000' : v));
    let bytes = Buffer.byteLength(text, 'utf8');
    for (const m of text.matchAll(/\\u0000/g)) bytes += 128 - m[0].length;
    return bytes;
  };
  const samples: unknown[] = [
    { Statement: [{ Effect: 'Allow', Principal: { AWS: { 'Fn::GetAtt': ['Role', 'Arn'] } }, Action: ['kms:Decrypt'], Resource: '*' }] },
    { Statement: [{ Condition: { StringEquals: { 'aws:SourceArn': [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }]] }, 'a\u0000b'] } } }] },
    { Ref: 'AWS::AccountId' },
    { 'a': undefined, 'b': [undefined, 1, null, true, 'é€😀'], '__proto__': { x: 1 }, 'Fn::Nope': 1, 'c': { 'Fn::If': [] } },
    JSON.parse('{"__proto__": {"Ref": "X"}, "k": [{"Ref": "Y", "Other": 1}]}'),
    { d: new Date(0), s: new String('boxed') },
    'text', 12, null,
  ];
  for (const sample of samples) expect(policySize(sample)).toBe(reference(sample));
});
