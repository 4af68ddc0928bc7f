/**
 * SecureKey with CDK's own constructs and grant paths (Secrets Manager, DynamoDB, SNS-to-SQS, KeyGrants,
 * several stacks): each case synthesizes, and the resulting key policy is checked with the evaluator.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ddb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sm from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
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
    expect(synthErrors(stack)[0]).toContain('lets IAM principals of the account that the key policy does not name use the key');
  });

  test('a kms:ViaService condition with a wildcard does not count as pinned', () => {
    const stack = newStack();
    new SecureKey(stack, 'Key').withConditions({ viaServices: ['*.amazonaws.com'] }).grantDecrypt(new iam.AccountRootPrincipal());
    expect(synthErrors(stack)[0]).toContain('lets IAM principals of the account that the key policy does not name use the key (kms:Decrypt, kms:ReEncryptFrom, e.g. with kms:viaservice=*.amazonaws.com');
  });
});

describe('allowAccountUseViaServices (DynamoDB, RDS, EBS, EFS, Lambda)', () => {
  const stack = newStack();
  const { appRole } = roles(stack);
  const key = new SecureKey(stack, 'Key', { allowAccountUseViaServices: ['dynamodb', 'rds'] });
  const table = new ddb.Table(stack, 'Table', {
    partitionKey: { name: 'pk', type: ddb.AttributeType.STRING },
    encryption: ddb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
  });
  table.grantReadWriteData(appRole);
  const r = resolveKey(key);
  const deployer = otherPrincipal('CloudFormation role with IAM kms:*', ACCOUNT, KMS_STAR);
  const ddbVia = `dynamodb.${REGION}.amazonaws.com`;
  const can = (action: string, extra: object = {}) => authorize(r.keyPolicy, r.keyArn, deployer, { action, ...extra });

  test('writes two account-root statements pinned by kms:ViaService and kms:CallerAccount', () => {
    expect(synthErrors(stack)).toEqual([]);
    const via = [ddbVia, `rds.${REGION}.amazonaws.com`];
    const root = `arn:aws:iam::${ACCOUNT}:root`;
    const bySid = (sid: string) => r.keyPolicy.Statement.find((s) => s.Sid === sid);
    expect(bySid('AccountUseViaServices')).toEqual({
      Sid: 'AccountUseViaServices',
      Effect: 'Allow',
      Principal: { AWS: root },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': via, 'kms:CallerAccount': ACCOUNT } },
    });
    expect(bySid('AccountGrantsViaServices')).toEqual({
      Sid: 'AccountGrantsViaServices',
      Effect: 'Allow',
      Principal: { AWS: root },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': via, 'kms:CallerAccount': ACCOUNT }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    });
  });

  test('a role with IAM kms:* can use the key through DynamoDB, not directly nor through another service', () => {
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey']) {
      expect(can(action, { viaService: ddbVia })).toBe('allowed');
    }
    expect(can('kms:CreateGrant', { viaService: ddbVia, grantIsForAwsResource: true })).toBe('allowed');
    expect(can('kms:CreateGrant', { viaService: ddbVia })).toBe('denied');
    expect(can('kms:Decrypt')).toBe('denied');
    expect(can('kms:GenerateDataKey')).toBe('denied');
    expect(can('kms:CreateGrant', { grantIsForAwsResource: true })).toBe('denied');
    expect(can('kms:Decrypt', { viaService: `s3.${REGION}.amazonaws.com` })).toBe('denied');
    expect(can('kms:Encrypt', { viaService: ddbVia })).toBe('denied');
  });

  test('no service of the list calls Encrypt itself, so there is no Encrypt statement', () => {
    expect(r.keyPolicy.Statement.find((s) => s.Sid === 'AccountEncryptsViaServices')).toBeUndefined();
  });

  test("'lambda' adds Encrypt through Lambda alone, for environment variables", () => {
    const lambdaStack = newStack();
    const lambdaKey = new SecureKey(lambdaStack, 'Key', { allowAccountUseViaServices: ['dynamodb', 'lambda'] });
    expect(synthErrors(lambdaStack)).toEqual([]);
    const lr = resolveKey(lambdaKey);
    const lambdaVia = `lambda.${REGION}.amazonaws.com`;
    expect(lr.keyPolicy.Statement.find((s) => s.Sid === 'AccountEncryptsViaServices')).toEqual({
      Sid: 'AccountEncryptsViaServices',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:Encrypt',
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': [lambdaVia], 'kms:CallerAccount': ACCOUNT } },
    });
    const canL = (action: string, extra: object = {}) => authorize(lr.keyPolicy, lr.keyArn, deployer, { action, ...extra });
    expect(canL('kms:Encrypt', { viaService: lambdaVia })).toBe('allowed');
    expect(canL('kms:CreateGrant', { viaService: lambdaVia, grantIsForAwsResource: true })).toBe('allowed');
    expect(canL('kms:Encrypt', { viaService: ddbVia })).toBe('denied');
    expect(canL('kms:Encrypt')).toBe('denied');
    expect(canL('kms:ReEncryptTo', { viaService: lambdaVia })).toBe('denied');
  });

  test('a role of the account without IAM permissions cannot use the key through DynamoDB', () => {
    const none = otherPrincipal('no IAM', ACCOUNT, []);
    expect(authorize(r.keyPolicy, r.keyArn, none, { action: 'kms:Decrypt', viaService: ddbVia })).toBe('denied');
  });

  test('fails if a service name is empty', () => {
    expect(() => new SecureKey(newStack(), 'Key', { allowAccountUseViaServices: [''] })).toThrow(
      "SecureKey Stack/Key: 'allowAccountUseViaServices' contains an empty service name. Received: ''. Allowed: short service names such as 'dynamodb', 'rds', 'ec2', 'elasticfilesystem', or full kms:ViaService values.",
    );
  });
});

describe('KeyGrants and addToResourcePolicy: exact actions in the key policy', () => {
  const WILDCARD = /"kms:[A-Za-z]*\*"/;

  test('key.grants writes into the key policy, with exact actions and no data-key-pair actions', () => {
    const stack = newStack();
    const { appRole } = roles(stack);
    const key = new SecureKey(stack, 'Key');
    expect(key.grants).toBeInstanceOf(kms.KeyGrants);
    key.grants.encryptDecrypt(appRole);
    expect(synthErrors(stack)).toEqual([]);
    const r = resolveKey(key);
    const statement = r.keyPolicy.Statement.find((s) => JSON.stringify(s.Principal).includes('AppRole'));
    expect(statement?.Action).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext']);
    expect(JSON.stringify(r.keyPolicy)).not.toMatch(WILDCARD);
    const app = r.roleCaller('app', appRole);
    expect(authorize(r.keyPolicy, r.keyArn, app, { action: 'kms:Decrypt' })).toBe('allowed');
    expect(authorize(r.keyPolicy, r.keyArn, app, { action: 'kms:GenerateDataKeyPair' })).toBe('denied');
  });

  test('key.grants.admin gives exact administrative actions and no use (GetPublicKey is not a symmetric key action)', () => {
    const stack = newStack();
    const { adminRole } = roles(stack);
    const key = new SecureKey(stack, 'Key');
    key.grants.admin(adminRole);
    expect(synthErrors(stack)).toEqual([]);
    const r = resolveKey(key);
    expect(JSON.stringify(r.keyPolicy)).not.toMatch(WILDCARD);
    const admin = r.roleCaller('admin', adminRole);
    expect(authorize(r.keyPolicy, r.keyArn, admin, { action: 'kms:PutKeyPolicy' })).toBe('allowed');
    for (const a of ['kms:Decrypt', 'kms:GetPublicKey', 'kms:GenerateDataKey']) expect(authorize(r.keyPolicy, r.keyArn, admin, { action: a })).toBe('denied');
  });

  test('addToResourcePolicy expands kms:GenerateDataKey* and kms:ReEncrypt* in Allow statements', () => {
    const stack = newStack();
    const key = new SecureKey(stack, 'Key');
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ArnPrincipal(`arn:aws:iam::${ACCOUNT}:role/reader`)],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      resources: ['*'],
    }));
    const r = resolveKey(key);
    expect(r.keyPolicy.Statement[1].Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo']);
  });

  test('a Deny statement keeps its wildcard (narrowing a Deny would weaken it)', () => {
    const stack = newStack();
    const key = new SecureKey(stack, 'Key');
    key.addToResourcePolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:*'],
      resources: ['*'],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
    expect(resolveKey(key).keyPolicy.Statement[1].Action).toBe('kms:*');
  });

  test('fails if addToResourcePolicy gets a wildcard that matches no action of the key', () => {
    const stack = newStack();
    const key = new SecureKey(stack, 'Key');
    expect(() => key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ArnPrincipal(`arn:aws:iam::${ACCOUNT}:role/reader`)], actions: ['kms:Sign*'], resources: ['*'],
    }))).toThrow("SecureKey Stack/Key: addToResourcePolicy asked for kms:Sign*; SecureKey writes exact KMS action names only, and kms:Sign* matches no action a 'SYMMETRIC_DEFAULT' key with keyUsage 'ENCRYPT_DECRYPT' supports. Name the actions.");
  });

  test('CDK grants through grant() get GenerateDataKey and GenerateDataKeyWithoutPlaintext, not the pair actions', () => {
    const stack = newStack();
    const { appRole } = roles(stack);
    const key = new SecureKey(stack, 'Key');
    new s3.Bucket(stack, 'Bucket', { encryptionKey: key }).grantReadWrite(appRole);
    const policy = JSON.stringify(resolveKey(key).keyPolicy);
    expect(policy).toContain('"kms:GenerateDataKeyWithoutPlaintext"');
    expect(policy).not.toContain('GenerateDataKeyPair');
    expect(policy).not.toMatch(WILDCARD);
  });

  test('grant() still gives the pair actions when they are named', () => {
    const stack = newStack();
    const { appRole } = roles(stack);
    const key = new SecureKey(stack, 'Key');
    key.grant(appRole, 'kms:GenerateDataKeyPair');
    expect(JSON.stringify(resolveKey(key).keyPolicy)).toContain('"Action":"kms:GenerateDataKeyPair"');
  });
});

describe('SNS to an encrypted SQS queue (SqsSubscription)', () => {
  function subscribe(restrict: boolean) {
    const app = new App({ context: { '@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption': restrict } });
    const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: REGION } });
    const key = new SecureKey(stack, 'Key');
    const queue = new sqs.Queue(stack, 'Queue', { encryptionMasterKey: key });
    new sns.Topic(stack, 'Topic').addSubscription(new subs.SqsSubscription(queue));
    return { stack, key };
  }

  test('synthesizes without CDK\'s restrictSqsDescryption feature flag: SecureKey limits SNS to the key\'s account', () => {
    const { stack, key } = subscribe(false);
    expect(synthErrors(stack)).toEqual([]);
    const statement = resolveKey(key).keyPolicy.Statement.find((x) => JSON.stringify(x.Principal).includes('sns.amazonaws.com'));
    expect(statement?.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': ACCOUNT } });
  });

  test('synthesizes with the flag: SNS may use the key only for that topic', () => {
    const { stack, key } = subscribe(true);
    expect(synthErrors(stack)).toEqual([]);
    const r = resolveKey(key);
    const snsCaller = { label: 'sns', service: 'sns.amazonaws.com', account: ACCOUNT, iamStatements: [] };
    const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:Topic`;
    const statement = r.keyPolicy.Statement.find((x) => JSON.stringify(x.Principal).includes('sns.amazonaws.com'));
    expect(statement?.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': expect.any(String) } });
    const allowedArn = String(statement?.Condition?.ArnEquals['aws:SourceArn']);
    expect(authorize(r.keyPolicy, r.keyArn, snsCaller, { action: 'kms:GenerateDataKey', sourceArn: allowedArn })).toBe('allowed');
    expect(authorize(r.keyPolicy, r.keyArn, snsCaller, { action: 'kms:GenerateDataKey', sourceArn: `${topicArn}-other` })).toBe('denied');
  });
});

test('a consumer added after a synth is checked in the next synth, and by node.validate()', () => {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
  const key = new SecureKey(stack, 'Key');
  expect(synthErrors(stack)).toEqual([]);
  // A log group encrypted with the key, and no allowCloudWatchLogs: CloudWatch Logs could not use the key.
  new logs.LogGroup(stack, 'Logs', { encryptionKey: key });
  const message = 'SecureKey Stack/Key: Stack/Logs/Resource (AWS::Logs::LogGroup) is encrypted with this key, but the key policy does not let its service use it';
  expect(key.node.validate().join('\n')).toContain(message);
  // aws-cdk-lib synthesizes a changed tree again only when forced.
  expect(() => (stack.node.root as App).synth({ force: true })).toThrow(message);
});
