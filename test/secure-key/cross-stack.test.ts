/**
 * One SecureKey in its own stack, used by roles, functions, buckets, queues, tables and topics of several
 * other stacks: grants land in the key policy, every consumer stack depends on the key's stack and the
 * key's stack on none, and no template has a cycle.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ddb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { templateCycles } from './support/cycles';
import { SecureKey } from '../../src';
import { resolveKey } from '../support/access-report';
import { authorize, Statement } from '../support/kms-access';
import { ACCOUNT, REGION } from '../support/secure-key-fixtures';

const env = { account: ACCOUNT, region: REGION };

function platformApp() {
  const app = new App({ context: { ...CURRENTLY_RECOMMENDED_FLAGS } });
  const keyStack = new Stack(app, 'Keys', { env });
  const key = new SecureKey(keyStack, 'DataKey', { allowAccountUseViaServices: ['dynamodb', 'lambda'] });

  const data = new Stack(app, 'Data', { env });
  const reader = new iam.Role(data, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  const bucket = new s3.Bucket(data, 'Bucket', { encryptionKey: key, enforceSSL: true });
  const queue = new sqs.Queue(data, 'Queue', { encryptionMasterKey: key });
  const table = new ddb.Table(data, 'Table', {
    partitionKey: { name: 'pk', type: ddb.AttributeType.STRING },
    encryption: ddb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
  });
  bucket.grantRead(reader);
  queue.grantConsumeMessages(reader);
  table.grantReadData(reader);

  const compute = new Stack(app, 'Compute', { env });
  const fn = new lambda.Function(compute, 'Worker', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    environment: { TABLE: 'orders' },
    environmentEncryption: key,
  });
  key.grantEncryptDecrypt(fn);
  bucket.grantReadWrite(fn);

  const events = new Stack(app, 'Events', { env });
  const topic = new sns.Topic(events, 'Topic', { masterKey: key });
  topic.addSubscription(new subs.SqsSubscription(queue));

  return { app, keyStack, key, data, compute, events, reader, fn };
}

describe('a key used by several other stacks', () => {
  test('every consumer stack depends on the key\'s stack, the key\'s stack on none, and no template has a cycle', () => {
    const { app, keyStack, data, compute, events } = platformApp();
    const assembly = app.synth();
    expect(keyStack.dependencies).toEqual([]);
    expect(data.dependencies).toEqual(expect.arrayContaining([keyStack, events]));
    expect(compute.dependencies).toEqual(expect.arrayContaining([keyStack, data]));
    expect(events.dependencies).toEqual([keyStack]);
    for (const stack of assembly.stacks) expect(templateCycles(stack.template)).toEqual([]);
    // The key's template refers to nothing of the other stacks.
    expect(JSON.stringify(assembly.getStackByName('Keys').template)).not.toMatch(/Fn::ImportValue|Fn::GetStackOutput/);
  });

  test('a principal of another stack is named by the account and its literal ARN; it may use the key, another role may not', () => {
    const { app, key, reader } = platformApp();
    const assembly = app.synth();
    const roleName = (reader.node.defaultChild as iam.CfnRole).roleName!;
    expect(roleName).toMatch(/^Data-Reader/);
    const r = resolveKey(key, assembly.getStackByName('Keys').template);
    const readerArn = `arn:aws:iam::${ACCOUNT}:role/${roleName}`;
    const statement = r.keyPolicy.Statement.find((s) => JSON.stringify(s.Condition ?? {}).includes(readerArn));
    expect(statement?.Principal).toEqual({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
    expect(statement?.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': readerArn } });

    // The reader's IAM policy (in its own stack) names the key; KMS needs both.
    const dataTemplate = JSON.stringify(assembly.getStackByName('Data').template);
    expect(dataTemplate).toMatch(/"Fn::(ImportValue|GetStackOutput)":\{[^}]*"StackName":"Keys"|"Fn::ImportValue":"Keys:/);
    const iamSide: Statement[] = [{ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: r.keyArn }];
    const readerCaller = { label: 'reader', arn: readerArn, account: ACCOUNT, iamStatements: iamSide };
    expect(authorize(r.keyPolicy, r.keyArn, readerCaller, { action: 'kms:Decrypt' })).toBe('allowed');
    expect(authorize(r.keyPolicy, r.keyArn, { ...readerCaller, iamStatements: [] }, { action: 'kms:Decrypt' })).toBe('denied');
    const other = { label: 'other', arn: `arn:aws:iam::${ACCOUNT}:role/Other`, account: ACCOUNT, iamStatements: iamSide };
    expect(authorize(r.keyPolicy, r.keyArn, other, { action: 'kms:Decrypt' })).toBe('denied');
  });

  test('users and administrators of another stack are named the same way', () => {
    const app = new App();
    const keyStack = new Stack(app, 'Keys', { env });
    const people = new Stack(app, 'People', { env });
    const admin = new iam.Role(people, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    const user = new iam.Role(people, 'User', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'app-user' });
    new SecureKey(keyStack, 'Key', { administrators: [admin], users: [user] });
    const assembly = app.synth();
    const policy = JSON.stringify(assembly.getStackByName('Keys').template);
    expect(policy).toContain(`:iam::${ACCOUNT}:role/app-user`);
    expect(policy).toContain(`:iam::${ACCOUNT}:role/${(admin.node.defaultChild as iam.CfnRole).roleName}`);
    expect(policy).not.toMatch(/Fn::ImportValue|Fn::GetStackOutput/);
    expect(keyStack.dependencies).toEqual([]);
    expect(people.dependencies).toEqual([keyStack]);
  });

  test('a principal of another stack that is not a role or user fails with a clear message', () => {
    const app = new App();
    const keyStack = new Stack(app, 'Keys', { env });
    const other = new Stack(app, 'Other', { env });
    const key = new SecureKey(keyStack, 'Key');
    const group = new iam.Group(other, 'Group');
    expect(() => key.grantDecrypt(group)).toThrow('SecureKey Keys/Key: cannot grant to Other/Group (stack Other), a principal of another stack that is not an IAM role or user');
  });
});
