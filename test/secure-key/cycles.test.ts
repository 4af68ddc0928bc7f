/**
 * A SecureKey never makes its key and a consumer depend on each other: the SNS -> SQS case with one key,
 * service principals scoped to a resource that uses the key, log groups without fixed names. What
 * cannot be rewritten fails synth with a message naming the statement, the resource and the fix.
 */
import { App, Lazy, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { templateCycles } from './support/cycles';
import { SecureKey } from '../../src';
import { referencesIn, StackDependencies } from '../../src/private/references';
import { resolveKey } from '../support/access-report';
import { authorize } from '../support/kms-access';
import { ACCOUNT, REGION, synthErrors } from '../support/secure-key-fixtures';

const SNS_FLAG = '@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption';
const S3_SNS_FLAG = '@aws-cdk/s3-notifications:addS3TrustKeyPolicyForSnsSubscriptions';

function stackWith(context: Record<string, unknown>): Stack {
  return new Stack(new App({ context }), 'Stack', { env: { account: ACCOUNT, region: REGION } });
}

/** Synthesizes the stack and returns its template, failing on errors and on warnings about cycles. */
function synthClean(stack: Stack): Record<string, any> {
  expect(synthErrors(stack)).toEqual([]);
  const template = Template.fromStack(stack);
  const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue());
  expect(warnings.map((w) => String(w.entry.data))).toEqual([]);
  return template.toJSON();
}

const snsCaller = { label: 'sns', service: 'sns.amazonaws.com', account: ACCOUNT, iamStatements: [] };
const otherAccount = '222222222222';

describe('SNS topic -> SQS queue, both encrypted with one SecureKey', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['without restrictSqsDescryption', { [SNS_FLAG]: false }],
    ['with restrictSqsDescryption', { [SNS_FLAG]: true }],
    ['with the flags cdk init writes', { ...CURRENTLY_RECOMMENDED_FLAGS }],
  ];
  test.each(cases)('%s: synthesizes with no cycle, and SNS may use the key only for this account', (_name, context) => {
    const stack = stackWith(context);
    const key = new SecureKey(stack, 'Key');
    const topic = new sns.Topic(stack, 'Topic', { masterKey: key });
    const queue = new sqs.Queue(stack, 'Queue', { encryptionMasterKey: key });
    topic.addSubscription(new subs.SqsSubscription(queue));
    const template = synthClean(stack);
    expect(templateCycles(template)).toEqual([]);

    const r = resolveKey(key);
    const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:Stack-TopicBFC7AF6E-ABCDEF`;
    const request = { action: 'kms:GenerateDataKey', sourceArn: topicArn, sourceAccount: ACCOUNT };
    expect(authorize(r.keyPolicy, r.keyArn, snsCaller, request)).toBe('allowed');
    expect(authorize(r.keyPolicy, r.keyArn, snsCaller, {
      ...request,
      sourceAccount: otherAccount,
      sourceArn: `arn:aws:sns:${REGION}:${otherAccount}:Topic`,
    })).toBe('denied');
    expect(authorize(r.keyPolicy, r.keyArn, snsCaller, { action: 'kms:GenerateDataKey' })).toBe('denied');
  });

  test('with the flag, a named topic keeps its exact ARN (literal, no reference to the topic)', () => {
    const stack = stackWith({ [SNS_FLAG]: true });
    const key = new SecureKey(stack, 'Key');
    const topic = new sns.Topic(stack, 'Topic', { masterKey: key, topicName: 'orders' });
    topic.addSubscription(new subs.SqsSubscription(new sqs.Queue(stack, 'Queue', { encryptionMasterKey: key })));
    expect(templateCycles(synthClean(stack))).toEqual([]);
    const r = resolveKey(key);
    const statement = r.keyPolicy.Statement.find((s) => JSON.stringify(s.Principal).includes('sns.amazonaws.com'));
    expect(statement?.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': `arn:aws:sns:${REGION}:${ACCOUNT}:orders` } });
    expect(authorize(r.keyPolicy, r.keyArn, snsCaller, { action: 'kms:Decrypt', sourceArn: `arn:aws:sns:${REGION}:${ACCOUNT}:orders` })).toBe('allowed');
    expect(authorize(r.keyPolicy, r.keyArn, snsCaller, { action: 'kms:Decrypt', sourceArn: `arn:aws:sns:${REGION}:${ACCOUNT}:other` })).toBe('denied');
  });

  test('a topic that does not use the key keeps the precise reference', () => {
    const stack = stackWith({ [SNS_FLAG]: true });
    const key = new SecureKey(stack, 'Key');
    new sns.Topic(stack, 'Topic').addSubscription(new subs.SqsSubscription(new sqs.Queue(stack, 'Queue', { encryptionMasterKey: key })));
    synthClean(stack);
    const statement = resolveKey(key).keyPolicy.Statement.find((s) => JSON.stringify(s.Principal).includes('sns.amazonaws.com'));
    expect(statement?.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': expect.any(String) } });
  });
});

test('allowSns({ sourceArns: [topic.topicArn] }) for a topic encrypted with the key: a pattern with aws:SourceAccount', () => {
  const stack = stackWith({});
  const key = new SecureKey(stack, 'Key');
  const topic = new sns.Topic(stack, 'Topic', { masterKey: key });
  key.allowSns({ sourceArns: [topic.topicArn] });
  expect(templateCycles(synthClean(stack))).toEqual([]);
  const statement = resolveKey(key).keyPolicy.Statement.find((s) => s.Sid === 'SnsDataKeys');
  expect(statement?.Condition).toEqual({
    StringEquals: { 'aws:SourceAccount': ACCOUNT },
    ArnLike: { 'aws:SourceArn': [`arn:aws:sns:${REGION}:${ACCOUNT}:*`] },
  });
});

test('S3 -> SNS notifications with addS3TrustKeyPolicyForSnsSubscriptions: scoped to the account, no cycle', () => {
  const stack = stackWith({ [S3_SNS_FLAG]: true });
  const key = new SecureKey(stack, 'Key');
  const topic = new sns.Topic(stack, 'Topic', { masterKey: key });
  const bucket = new s3.Bucket(stack, 'Bucket', { encryptionKey: key });
  bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(topic));
  expect(templateCycles(synthClean(stack))).toEqual([]);
  const statement = resolveKey(key).keyPolicy.Statement.find((s) => JSON.stringify(s.Principal).includes('s3.amazonaws.com'));
  expect(statement?.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': ACCOUNT } });
});

test('allowCloudWatchLogs for a log group without a fixed name that uses the key: a name pattern, no cycle', () => {
  const stack = stackWith({});
  const key = new SecureKey(stack, 'Key');
  const group = new logs.LogGroup(stack, 'Logs', { encryptionKey: key });
  key.allowCloudWatchLogs({ logGroupNames: [group.logGroupName] });
  expect(templateCycles(synthClean(stack))).toEqual([]);
  const statement = resolveKey(key).keyPolicy.Statement.find((s) => s.Sid === 'CloudWatchLogs');
  expect(JSON.stringify(statement?.Condition)).toContain(`:logs:${REGION}:${ACCOUNT}:log-group:*`);
});

/**
 * A key whose policy names, as principal 'Worker', a role whose own policy uses the key: a cycle
 * SecureKey reports and never rewrites.
 */
function keyNamingItsUser(): { stack: Stack; key: SecureKey } {
  const stack = stackWith({});
  const key = new SecureKey(stack, 'Key');
  const role = new iam.Role(stack, 'Worker', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    inlinePolicies: { UseKey: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn] })] }) },
  });
  key.addToResourcePolicy(new iam.PolicyStatement({ sid: 'Worker', principals: [role], actions: ['kms:Decrypt'], resources: ['*'] }));
  return { stack, key };
}

describe('a cycle SecureKey cannot rewrite fails synth', () => {
  test('a principal that depends on the key: the message names the statement, the resource and the fix', () => {
    const { stack } = keyNamingItsUser();
    const [message] = synthErrors(stack);
    expect(message).toContain("SecureKey Stack/Key: key policy statement 'Worker' (kms:Decrypt) names the principal Stack/Worker (AWS::IAM::Role), which uses this key");
    expect(message).toContain('circular dependency');
    expect(message).toContain('Grant it with the key\'s grant methods');
    expect(message).not.toContain('Fn::GetAtt');
  });

  test('a condition on a resource type SecureKey cannot name without a reference', () => {
    const stack = stackWith({});
    const key = new SecureKey(stack, 'Key');
    const policy = new iam.ManagedPolicy(stack, 'UseKey', {
      statements: [new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn] })],
    });
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'Odd',
      principals: [new iam.ServicePrincipal('sqs.amazonaws.com')],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': ACCOUNT, 'kms:EncryptionContext:policy': policy.managedPolicyArn } },
    }));
    const [message] = synthErrors(stack);
    expect(message).toContain("key policy statement 'Odd' (kms:Decrypt) has a condition on kms:EncryptionContext:policy that refers to Stack/UseKey (AWS::IAM::ManagedPolicy), which uses this key");
    expect(message).toContain('Give the condition a literal value');
  });
});

test('the key resource renders the same statements as the checks, which also examine the principals', () => {
  // A principal that closes a cycle (a problem, never rewritten) and a condition that closes one (rewritten).
  const { stack, key } = keyNamingItsUser();
  const topic = new sns.Topic(stack, 'Topic', { masterKey: key });
  key.allowSns({ sourceArns: [topic.topicArn] });
  const render = (documentOnly: boolean) => (key as any)._renderPolicy(undefined, documentOnly);
  const full = render(false);
  const documentOnly = render(true);
  expect(full.problems.join('\n')).toContain('names the principal Stack/Worker (AWS::IAM::Role), which uses this key');
  expect(documentOnly.problems).toEqual([]);
  expect(stack.resolve(documentOnly.document)).toEqual(stack.resolve(full.document));
  expect(JSON.stringify(stack.resolve(full.document))).toContain(`:sns:${REGION}:${ACCOUNT}:*`);
  // What the template holds is that document.
  expect(stack.resolve((key.node.defaultChild as any).keyPolicy)).toEqual(stack.resolve(iam.PolicyDocument.fromJson(full.document)));
});

test('a shared dependency graph finds the references of a principal that resolving it whole finds, in the same order', () => {
  const stack = stackWith({});
  const a = new iam.Role(stack, 'A', { assumedBy: new iam.AccountRootPrincipal() });
  const b = new iam.Role(stack, 'B', { assumedBy: new iam.AccountRootPrincipal() });
  const list = Token.asList(Lazy.any({ produce: () => [a.roleArn, b.roleArn] }));
  const graph = new StackDependencies(stack, new Set());
  const principals: unknown[] = [
    { AWS: a.roleArn },
    { AWS: [b.roleArn, `prefix-${a.roleArn}`, 'literal'], Service: 'sns.amazonaws.com' },
    { AWS: list },
    { AWS: Lazy.any({ produce: () => b.roleArn }) },
    { AWS: { nested: [a.roleName, b.roleArn] } },
    {},
  ];
  for (const principal of principals) {
    const whole = referencesIn(stack, principal).map((r) => `${r.target.node.path}/${r.attribute}`);
    // Twice: the second read comes from the graph's memory.
    for (let i = 0; i < 2; i++) expect(graph.referencesIn(principal).map((r) => `${r.target.node.path}/${r.attribute}`)).toEqual(whole);
  }
  expect([...new Set(graph.referencesIn(principals[1]).map((r) => r.target.node.path))]).toEqual(['Stack/B/Resource', 'Stack/A/Resource']);
});
