import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { buildExampleApp, EXAMPLE_LOG_GROUP_NAME, EXAMPLE_ORGANIZATION_ID } from '../../examples/app';
import { SecureKey } from '../../src';
import { resolveKey } from '../support/access-report';
import { authorize } from '../support/kms-access';
import { newStack, roles } from '../support/secure-key-fixtures';

/** The example key has an organization perimeter: the app's principals call from inside the organization. */
const IN_ORGANIZATION = { 'aws:PrincipalOrgID': EXAMPLE_ORGANIZATION_ID };

describe('example app', () => {
  const { stack } = buildExampleApp();
  const template = Template.fromStack(stack);

  test('bucket and log group are encrypted with the SecureKey', () => {
    const keyRef = { 'Fn::GetAtt': [stack.getLogicalId(stack.key.node.defaultChild as never), 'Arn'] };
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyRef } }] },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: keyRef, LogGroupName: EXAMPLE_LOG_GROUP_NAME });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/secure-key-example/data' });
  });

  test('key policy: administrators, users, the bucket grant and CloudWatch Logs', () => {
    const r = resolveKey(stack.key);
    const sids = r.keyPolicy.Statement.map((s) => s.Sid);
    expect(sids).toEqual(expect.arrayContaining(['AccountAdministersKeyThroughIam', 'KeyAdministrators', 'KeyUsers', 'CloudWatchLogs']));
    const app = r.roleCaller('app', stack.appRole);
    const admin = r.roleCaller('admin', stack.adminRole);
    for (const a of ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey']) {
      expect(authorize(r.keyPolicy, r.keyArn, app, { action: a, viaService: 's3.us-east-1.amazonaws.com', context: IN_ORGANIZATION })).toBe('allowed');
      expect(authorize(r.keyPolicy, r.keyArn, admin, { action: a, context: IN_ORGANIZATION })).toBe('denied');
    }
    const logs = { label: 'logs', service: 'logs.us-east-1.amazonaws.com', account: r.account, iamStatements: [] };
    expect(authorize(r.keyPolicy, r.keyArn, logs, {
      action: 'kms:Encrypt', encryptionContext: { 'aws:logs:arn': `arn:aws:logs:us-east-1:${r.account}:log-group:${EXAMPLE_LOG_GROUP_NAME}` },
    })).toBe('allowed');
  });
});

describe('SecureKey as an IKey', () => {
  test('CDK\'s own grants (bucket.grantRead) land in the key policy with exact actions', () => {
    const stack = newStack();
    const { adminRole } = roles(stack);
    const key: kms.IKey = new SecureKey(stack, 'Key', { administrators: [adminRole] });
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    const bucket = new s3.Bucket(stack, 'Bucket', { encryptionKey: key });
    bucket.grantReadWrite(reader);
    const r = resolveKey(key as SecureKey);
    const caller = r.roleCaller('reader', reader);
    expect(authorize(r.keyPolicy, r.keyArn, caller, { action: 'kms:Decrypt' })).toBe('allowed');
    expect(authorize(r.keyPolicy, r.keyArn, caller, { action: 'kms:GenerateDataKey' })).toBe('allowed');
    expect(JSON.stringify(r.keyPolicy)).not.toMatch(/"kms:\w*\*"/);
  });

  test('an SQS queue encrypted with the key: grantSendMessages lands in the key policy', () => {
    const stack = newStack();
    const key = new SecureKey(stack, 'Key');
    const queue = new sqs.Queue(stack, 'Queue', { encryptionMasterKey: key });
    const producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.AccountRootPrincipal() });
    queue.grantSendMessages(producer);
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { AWS: { 'Fn::GetAtt': [stack.getLogicalId(producer.node.defaultChild as never), 'Arn'] } },
          Action: Match.arrayWith(['kms:Encrypt', 'kms:GenerateDataKey']),
        })]),
      },
    });
  });

  test('keyRef, keyArn and keyId point at the CfnKey', () => {
    const stack = newStack();
    const key = new SecureKey(stack, 'Key');
    const id = stack.getLogicalId(key.node.defaultChild as never);
    expect(Stack.of(key).resolve(key.keyRef)).toEqual({ keyArn: { 'Fn::GetAtt': [id, 'Arn'] }, keyId: { Ref: id } });
  });
});
