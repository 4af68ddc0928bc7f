/**
 * What a reference to a resource stands for, written without referring to the resource: its ARN or name
 * as a literal when the resource has a physical name, or a pattern over every name of that type in the
 * stack's account and Region when it has none. Used to break key <-> consumer reference cycles.
 */
import { Aws, CfnResource, Stack } from 'aws-cdk-lib';

/** A value that stands in for a reference. */
export interface StandIn {
  readonly value: string;
  /** True when `value` has a `*` where the generated name goes (the condition must then match patterns). */
  readonly pattern: boolean;
}

type Form = 'arn' | 'name' | 'url';

interface NamingRule {
  /** The property holding the physical name. */
  readonly nameProperty: string;
  /** The ARN for a name (the name may be `*`). */
  readonly arn: (name: string, region: string, account: string) => string;
  /** What `Ref` and each attribute return. */
  readonly forms: Record<string, Form>;
  /** A URL for a name, for types whose Ref is a URL. */
  readonly url?: (name: string, region: string, account: string) => string;
}

const P = Aws.PARTITION;

/** The resource types whose references appear in key-policy conditions (aws:SourceArn, encryption context). */
const RULES: Record<string, NamingRule> = {
  'AWS::SNS::Topic': {
    nameProperty: 'TopicName',
    arn: (n, r, a) => `arn:${P}:sns:${r}:${a}:${n}`,
    forms: { Ref: 'arn', TopicArn: 'arn', TopicName: 'name' },
  },
  'AWS::SQS::Queue': {
    nameProperty: 'QueueName',
    arn: (n, r, a) => `arn:${P}:sqs:${r}:${a}:${n}`,
    url: (n, r, a) => `https://sqs.${r}.${Aws.URL_SUFFIX}/${a}/${n}`,
    forms: { Ref: 'url', QueueUrl: 'url', Arn: 'arn', QueueName: 'name' },
  },
  'AWS::S3::Bucket': {
    nameProperty: 'BucketName',
    arn: (n) => `arn:${P}:s3:::${n}`,
    forms: { Ref: 'name', Arn: 'arn' },
  },
  'AWS::Logs::LogGroup': {
    nameProperty: 'LogGroupName',
    arn: (n, r, a) => `arn:${P}:logs:${r}:${a}:log-group:${n}:*`,
    forms: { Ref: 'name', Arn: 'arn' },
  },
  'AWS::Lambda::Function': {
    nameProperty: 'FunctionName',
    arn: (n, r, a) => `arn:${P}:lambda:${r}:${a}:function:${n}`,
    forms: { Ref: 'name', Arn: 'arn' },
  },
  'AWS::Events::EventBus': {
    nameProperty: 'Name',
    arn: (n, r, a) => `arn:${P}:events:${r}:${a}:event-bus/${n}`,
    forms: { Ref: 'name', Name: 'name', Arn: 'arn' },
  },
  'AWS::Events::Rule': {
    nameProperty: 'Name',
    arn: (n, r, a) => `arn:${P}:events:${r}:${a}:rule/${n}`,
    forms: { Arn: 'arn' },
  },
  'AWS::CloudTrail::Trail': {
    nameProperty: 'TrailName',
    arn: (n, r, a) => `arn:${P}:cloudtrail:${r}:${a}:trail/${n}`,
    forms: { Ref: 'name', Arn: 'arn' },
  },
  'AWS::Kinesis::Stream': {
    nameProperty: 'Name',
    arn: (n, r, a) => `arn:${P}:kinesis:${r}:${a}:stream/${n}`,
    forms: { Ref: 'name', Arn: 'arn' },
  },
  'AWS::KinesisFirehose::DeliveryStream': {
    nameProperty: 'DeliveryStreamName',
    arn: (n, r, a) => `arn:${P}:firehose:${r}:${a}:deliverystream/${n}`,
    forms: { Ref: 'name', Arn: 'arn' },
  },
  'AWS::DynamoDB::Table': {
    nameProperty: 'TableName',
    arn: (n, r, a) => `arn:${P}:dynamodb:${r}:${a}:table/${n}`,
    forms: { Ref: 'name', Arn: 'arn' },
  },
  'AWS::StepFunctions::StateMachine': {
    nameProperty: 'StateMachineName',
    arn: (n, r, a) => `arn:${P}:states:${r}:${a}:stateMachine:${n}`,
    forms: { Ref: 'arn', Arn: 'arn', Name: 'name' },
  },
};

/** The resource types `standInFor` knows, for messages. */
export const NAMED_TYPES = Object.keys(RULES);

/**
 * A literal or pattern for `attribute` of `resource`, or undefined when the type or attribute is not
 * known (the caller then reports the cycle instead of guessing).
 */
export function standInFor(resource: CfnResource, attribute: string): StandIn | undefined {
  const rule = RULES[resource.cfnResourceType];
  const form = rule?.forms[attribute];
  if (!rule || !form) return undefined;
  const stack = Stack.of(resource);
  const resolved = stack.resolve(resource._toCloudFormation()) as { Resources: Record<string, { Properties?: Record<string, unknown> }> };
  const props = Object.values(resolved.Resources)[0]?.Properties ?? {};
  const name = props[rule.nameProperty];
  const literal = typeof name === 'string';
  const n = literal ? name : '*';
  let value: string;
  switch (form) {
    case 'name': value = n; break;
    case 'url': value = rule.url!(n, stack.region, stack.account); break;
    default: value = rule.arn(n, stack.region, stack.account);
  }
  return { value, pattern: !literal };
}
