/** Queues, topics, buses and streams under a SecureKey. */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SecureKey } from '../../../src';
import { ACCOUNT, CatalogueCase, OTHER_ACCOUNT, OTHER_PRINCIPAL, role, service, via } from '../case';

export function appRole(scope: Construct, id = 'AppRole'): iam.Role {
  return new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
}

export function inlineFunction(scope: Construct, id: string, props: Partial<lambda.FunctionProps> = {}): lambda.Function {
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    ...props,
  });
}

export function encryptedQueue(scope: Construct, id: string, key: SecureKey, props: Partial<sqs.QueueProps> = {}): sqs.Queue {
  return new sqs.Queue(scope, id, { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key, enforceSSL: true, ...props });
}

export const MESSAGING_CASES: CatalogueCase[] = [{
  id: 'sqs',
  service: 'Amazon SQS',
  construct: 'sqs.Queue',
  userMust: 'nothing',
  build(stack) {
    const key = new SecureKey(stack, 'Key');
    const queue = encryptedQueue(stack, 'Queue', key);
    const producer = appRole(stack, 'Producer');
    const consumer = appRole(stack, 'Consumer');
    queue.grantSendMessages(producer);
    queue.grantConsumeMessages(consumer);
    return {
      key,
      proofs: [
        { who: role('producer', producer), request: { action: 'kms:GenerateDataKey', viaService: via('sqs') }, expect: 'allowed' },
        { who: role('consumer', consumer), request: { action: 'kms:Decrypt', viaService: via('sqs') }, expect: 'allowed' },
        { who: role('consumer', consumer), request: { action: 'kms:GenerateDataKey', viaService: via('sqs') }, expect: 'denied' },
        { who: OTHER_PRINCIPAL, request: { action: 'kms:Decrypt', viaService: via('sqs') }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 'sqs-dlq',
  service: 'Amazon SQS dead-letter queue',
  construct: 'sqs.Queue with deadLetterQueue',
  userMust: 'nothing',
  build(stack) {
    const key = new SecureKey(stack, 'Key');
    const dlq = encryptedQueue(stack, 'DeadLetters', key, { retentionPeriod: Duration.days(14) });
    const queue = encryptedQueue(stack, 'Queue', key, { deadLetterQueue: { queue: dlq, maxReceiveCount: 3 } });
    const consumer = appRole(stack, 'Consumer');
    const redriver = appRole(stack, 'Redriver');
    queue.grantConsumeMessages(consumer);
    dlq.grantConsumeMessages(redriver);
    return {
      key,
      proofs: [
        { who: role('consumer', consumer), request: { action: 'kms:Decrypt', viaService: via('sqs') }, expect: 'allowed' },
        { who: role('dead-letter reader', redriver), request: { action: 'kms:Decrypt', viaService: via('sqs') }, expect: 'allowed' },
        { who: OTHER_PRINCIPAL, request: { action: 'kms:Decrypt', viaService: via('sqs') }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 'sns',
  service: 'Amazon SNS',
  construct: 'sns.Topic',
  userMust: 'nothing',
  build(stack) {
    const key = new SecureKey(stack, 'Key');
    const topic = new sns.Topic(stack, 'Topic', { masterKey: key, enforceSSL: true });
    const publisher = appRole(stack, 'Publisher');
    topic.grantPublish(publisher);
    return {
      key,
      proofs: [
        { who: role('publisher', publisher), request: { action: 'kms:GenerateDataKey', viaService: via('sns') }, expect: 'allowed' },
        { who: role('publisher', publisher), request: { action: 'kms:Decrypt', viaService: via('sns') }, expect: 'allowed' },
        { who: OTHER_PRINCIPAL, request: { action: 'kms:GenerateDataKey', viaService: via('sns') }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 'sns-sqs',
  service: 'Amazon SNS -> Amazon SQS',
  construct: 'sns.Topic + subs.SqsSubscription',
  userMust: 'nothing',
  build(stack) {
    const key = new SecureKey(stack, 'Key');
    const topic = new sns.Topic(stack, 'Topic', { masterKey: key, enforceSSL: true });
    const queue = encryptedQueue(stack, 'Queue', key);
    topic.addSubscription(new subs.SqsSubscription(queue));
    const snsPrincipal = service('sns.amazonaws.com');
    return {
      key,
      proofs: [
        { who: snsPrincipal, request: { action: 'kms:GenerateDataKey', sourceArn: topic.topicArn, sourceAccount: ACCOUNT }, expect: 'allowed' },
        { who: snsPrincipal, request: { action: 'kms:Decrypt', sourceArn: topic.topicArn, sourceAccount: ACCOUNT }, expect: 'allowed' },
        { who: snsPrincipal, request: { action: 'kms:GenerateDataKey', sourceArn: `arn:aws:sns:us-east-1:${OTHER_ACCOUNT}:t`, sourceAccount: OTHER_ACCOUNT }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 'sns-lambda',
  service: 'Amazon SNS -> AWS Lambda',
  construct: 'sns.Topic + subs.LambdaSubscription',
  userMust: 'nothing',
  build(stack) {
    const key = new SecureKey(stack, 'Key');
    const topic = new sns.Topic(stack, 'Topic', { masterKey: key, enforceSSL: true });
    const fn = inlineFunction(stack, 'Handler');
    topic.addSubscription(new subs.LambdaSubscription(fn));
    const publisher = appRole(stack, 'Publisher');
    topic.grantPublish(publisher);
    return {
      key,
      proofs: [
        { who: role('publisher', publisher), request: { action: 'kms:GenerateDataKey', viaService: via('sns') }, expect: 'allowed' },
        // SNS decrypts before it invokes the function: the function needs no use of the key.
        { who: role('subscribed function', fn.role!), request: { action: 'kms:Decrypt', viaService: via('sns') }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 'eventbridge-bus',
  service: 'Amazon EventBridge event bus',
  construct: 'events.EventBus',
  userMust: 'nothing',
  build(stack) {
    const key = new SecureKey(stack, 'Key');
    const bus = new events.EventBus(stack, 'Bus', { kmsKey: key });
    const putter = appRole(stack, 'Putter');
    bus.grantPutEventsTo(putter);
    const eventsPrincipal = service('events.amazonaws.com');
    const busArn = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/${(bus.node.defaultChild as events.CfnEventBus).name}`;
    return {
      key,
      proofs: [
        { who: eventsPrincipal, request: { action: 'kms:GenerateDataKey', sourceArn: busArn, sourceAccount: ACCOUNT, encryptionContext: { 'aws:events:event-bus:arn': busArn } }, expect: 'allowed' },
        { who: eventsPrincipal, request: { action: 'kms:Decrypt', sourceArn: busArn, sourceAccount: ACCOUNT, encryptionContext: { 'aws:events:event-bus:arn': busArn } }, expect: 'allowed' },
        { who: eventsPrincipal, request: { action: 'kms:GenerateDataKey', sourceArn: `arn:aws:events:us-east-1:${OTHER_ACCOUNT}:event-bus/x`, sourceAccount: OTHER_ACCOUNT }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 'kinesis',
  service: 'Amazon Kinesis Data Streams',
  construct: 'kinesis.Stream',
  userMust: 'nothing',
  build(stack) {
    const key = new SecureKey(stack, 'Key');
    const stream = new kinesis.Stream(stack, 'Stream', { encryption: kinesis.StreamEncryption.KMS, encryptionKey: key });
    const producer = appRole(stack, 'Producer');
    const consumer = appRole(stack, 'Consumer');
    stream.grantWrite(producer);
    stream.grantRead(consumer);
    return {
      key,
      proofs: [
        { who: role('producer', producer), request: { action: 'kms:GenerateDataKey', viaService: via('kinesis') }, expect: 'allowed' },
        { who: role('consumer', consumer), request: { action: 'kms:Decrypt', viaService: via('kinesis') }, expect: 'allowed' },
        { who: OTHER_PRINCIPAL, request: { action: 'kms:Decrypt', viaService: via('kinesis') }, expect: 'denied' },
      ],
    };
  },
}];
