/**
 * Resources of the app encrypted with a SecureKey whose service needs something from the key policy that
 * the key's grants cannot give, found at synth: an encrypted DynamoDB table, RDS database, EBS volume or
 * EFS file system (created through the service by CloudFormation's role), a Lambda function's environment
 * variables, a log group, a trail, an Auto Scaling group launching encrypted volumes. Without the statement the deployment (or the first write)
 * fails; with this check synth fails first, naming the resource and the prop or method to set.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { asArray, normalize, StatementJson, statementsOf } from './policy/json';
import { AUTO_SCALING_ROLE_DEFAULT } from '../services/auto-scaling';

/** A resource of the app that refers to the key in its properties. */
export interface KeyConsumer {
  readonly path: string;
  readonly type: string;
  readonly logicalId: string;
  /** Normalized properties (intrinsics as `${...}` strings). */
  readonly properties: Record<string, unknown>;
}

interface ServiceNeed {
  readonly types: readonly string[];
  /**
   * The property that must refer to the key for the need to apply (a function's `KmsKeyArn`, not a key ARN
   * passed in its environment variables).
   *
   * @default - the key anywhere in the properties
   */
  readonly keyProperty?: string;
  /** Whether the normalized key policy gives the service what it needs for this consumer. */
  satisfied(statements: StatementJson[], consumer: KeyConsumer): boolean;
  /** What is missing and what to set, for the message. */
  fix(consumer: KeyConsumer): string;
  /** Consumers of these types need this only in some shapes (an Auto Scaling group's launch template). */
  applies?(consumer: KeyConsumer, app: AppResources): boolean;
}

interface AppResources {
  /** Logical ids of the launch templates Auto Scaling groups launch from. */
  readonly launchTemplatesOfGroups: Set<string>;
}

function conditionValues(s: StatementJson, key: string): string[] {
  return Object.values(s.Condition ?? {}).flatMap((block) => Object.entries(block ?? {})
    .filter(([k]) => k.toLowerCase() === key).flatMap(([, v]) => asArray(v as unknown).map(String)));
}

function allowsAction(s: StatementJson, action: string): boolean {
  return s.Effect === 'Allow' && asArray(s.Action).some((a) => new RegExp(`^${a.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action));
}

function awsPrincipals(s: StatementJson): string[] {
  const p = s.Principal as { AWS?: unknown } | string | undefined;
  if (p === '*') return ['*'];
  return typeof p === 'object' && p !== null ? asArray(p.AWS).map(String) : [];
}

function servicePrincipals(s: StatementJson): string[] {
  const p = s.Principal as { Service?: unknown } | undefined;
  return typeof p === 'object' && p !== null ? asArray(p.Service).map(String) : [];
}

/** A statement lets the account's IAM principals call `action` through the service (or through any). */
function accountMayThrough(s: StatementJson, action: string, name: string): boolean {
  const via = conditionValues(s, 'kms:viaservice');
  return allowsAction(s, action) && awsPrincipals(s).some((p) => /:root$/.test(p) || p === '*')
    && (via.some((v) => v.startsWith(`${name}.`)) || via.length === 0);
}

function addService(name: string): string {
  return `add '${name}' to the key's allowAccountUseViaServices (for example allowAccountUseViaServices: ['${name}']).`;
}

/**
 * The account's IAM principals may create grants through the service: a statement for the account root
 * with `kms:ViaService` naming it, or with no `kms:ViaService` limit at all.
 */
function viaService(name: string, label: string, types: string[]): ServiceNeed {
  return {
    types,
    satisfied: (statements) => statements.some((s) => accountMayThrough(s, 'kms:CreateGrant', name)),
    fix: () => `${label} creates it through the service on behalf of CloudFormation's role and needs the key policy to allow that (kms:CreateGrant, kms:DescribeKey through ${name}): `
      + addService(name),
  };
}

/**
 * A function's environment variables (`environmentEncryption`): whoever creates or updates the function
 * encrypts them through Lambda (kms:Encrypt) and lets Lambda decrypt them at cold start (kms:CreateGrant).
 */
const LAMBDA_ENVIRONMENT: ServiceNeed = {
  types: ['AWS::Lambda::Function'],
  keyProperty: 'KmsKeyArn',
  satisfied: (statements) => ['kms:Encrypt', 'kms:CreateGrant'].every((action) => statements.some((s) => accountMayThrough(s, action, 'lambda'))),
  fix: () => "its environment variables are encrypted with it (environmentEncryption): whoever creates or updates the function (CloudFormation's role) "
    + 'encrypts them through Lambda and lets Lambda decrypt them with a grant, which the key policy must allow (kms:Encrypt, kms:CreateGrant through lambda): '
    + addService('lambda'),
};

function literal(value: unknown): string | undefined {
  return typeof value === 'string' && !value.includes('${') ? value : undefined;
}

function globMatch(pattern: string, value: string): boolean {
  const re = pattern.replace(/\$\{[^}]*\}/g, '*').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

const NEEDS: ServiceNeed[] = [
  viaService('dynamodb', 'DynamoDB', ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']),
  viaService('rds', 'RDS', ['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance']),
  viaService('ec2', 'EC2 (EBS)', ['AWS::EC2::Instance', 'AWS::EC2::Volume']),
  viaService('elasticfilesystem', 'EFS', ['AWS::EFS::FileSystem']),
  LAMBDA_ENVIRONMENT,
  {
    types: ['AWS::Logs::LogGroup'],
    satisfied: (statements, c) => {
      const name = literal(c.properties.LogGroupName);
      return statements.some((s) => s.Effect === 'Allow' && servicePrincipals(s).some((p) => p.startsWith('logs.'))
        && (name === undefined || conditionValues(s, 'kms:encryptioncontext:aws:logs:arn')
          .some((arn) => globMatch(arn.split(':log-group:')[1] ?? '', name))));
    },
    fix: (c) => {
      const name = literal(c.properties.LogGroupName);
      return name === undefined
        ? 'CloudWatch Logs encrypts it and needs the key policy to allow that: give the log group a fixed logGroupName and call key.allowCloudWatchLogs({ logGroupNames: [thatName] }).'
        : `CloudWatch Logs encrypts it and needs the key policy to allow that: call key.allowCloudWatchLogs({ logGroupNames: ['${name}'] }).`;
    },
  },
  {
    types: ['AWS::CloudTrail::Trail'],
    satisfied: (statements, c) => {
      const name = literal(c.properties.TrailName);
      return statements.some((s) => allowsAction(s, 'kms:GenerateDataKey') && servicePrincipals(s).includes('cloudtrail.amazonaws.com')
        && (name === undefined || conditionValues(s, 'aws:sourcearn').some((arn) => globMatch(arn.split(':trail/')[1] ?? '', name))));
    },
    fix: (c) => {
      const name = literal(c.properties.TrailName);
      return name === undefined
        ? 'CloudTrail encrypts its log files and needs the key policy to allow that: give the trail a fixed trailName and call key.allowCloudTrail({ trailName: thatName }).'
        : `CloudTrail encrypts its log files and needs the key policy to allow that: call key.allowCloudTrail({ trailName: '${name}' }).`;
    },
  },
  {
    types: ['AWS::EC2::LaunchTemplate'],
    applies: (c, app) => app.launchTemplatesOfGroups.has(c.logicalId),
    satisfied: (statements) => statements.some((s) => allowsAction(s, 'kms:CreateGrant')
      && awsPrincipals(s).some((p) => p.includes(`:role/aws-service-role/autoscaling.amazonaws.com/${AUTO_SCALING_ROLE_DEFAULT}`))),
    fix: () => `an Auto Scaling group launches instances from it as the service-linked role ${AUTO_SCALING_ROLE_DEFAULT}, which the key policy must name: call key.allowAutoScaling().`,
  },
];

const TYPES = new Set(NEEDS.flatMap((n) => n.types));

type AppResource = { resource: CfnResource; json: string; raw: Record<string, unknown>; consumer: KeyConsumer };

/**
 * The resources of the app of the types above: read once per validation pass for all keys (`memo`, the pass's,
 * validation-pass.ts), afresh outside one. (Kept per app before, a resource added after a first synth was never read.)
 */
function appResources(root: IConstruct, memo?: Map<string, unknown>): AppResource[] {
  let found = memo?.get('service-consumer-resources') as AppResource[] | undefined;
  if (!found) {
    found = [];
    for (const c of root.node.findAll()) {
      if (!CfnResource.isCfnResource(c) || (!TYPES.has(c.cfnResourceType) && c.cfnResourceType !== 'AWS::AutoScaling::AutoScalingGroup')) continue;
      const stack = Stack.of(c);
      const logicalId = stack.resolve(c.logicalId) as string;
      const cfn = stack.resolve(c._toCloudFormation()) as { Resources: Record<string, { Properties?: unknown }> };
      const raw = (cfn.Resources[logicalId]?.Properties ?? {}) as Record<string, unknown>;
      const consumer = { path: c.node.path, type: c.cfnResourceType, logicalId, properties: normalize(raw) as Record<string, unknown> };
      found.push({ resource: c, json: JSON.stringify(raw), raw, consumer });
    }
    memo?.set('service-consumer-resources', found);
  }
  return found;
}

/**
 * Whether a resource's properties refer to the key: in the key's stack by Ref/GetAtt, in another stack by
 * importing an export of the key's stack (CDK names it `<stack>:ExportsOutput...<key logical id>...`) or by
 * reading one of its outputs (`Fn::GetStackOutput`, `OutputName` `PublishOutput...<key logical id>...`).
 */
function refersTo(json: string, keyLogicalId: string, keyStack: Stack, sameStack: boolean): boolean {
  if (sameStack) return json.includes(`{"Ref":"${keyLogicalId}"}`) || json.includes(`["${keyLogicalId}","Arn"]`);
  const name = escapeRegExp(keyStack.stackName);
  return new RegExp(`"Fn::ImportValue":"${name}:ExportsOutput[A-Za-z]*${keyLogicalId}`).test(json)
    || new RegExp(`"Fn::GetStackOutput":\\{"StackName":"${name}"[^}]*"OutputName":"[A-Za-z]*Output[A-Za-z]*${keyLogicalId}`).test(json);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * One error per consumer of `key` whose service the key policy does not serve. `subject` names the key
 * in messages; `policy` gives the key policy as `Stack.resolve` returns it (asked only when the key has consumers);
 * `memo` is the validation pass's, when the key is checked in one.
 */
export function serviceConsumerProblems(key: CfnResource, subject: string, policy: () => unknown, memo?: Map<string, unknown>): string[] {
  const keyStack = Stack.of(key);
  const resources = appResources(key.node.root, memo);
  // An app with no resource of these types has no consumer to read (and no logical id to resolve).
  if (resources.length === 0) return [];
  const keyLogicalId = keyStack.resolve(key.logicalId) as string;
  const refers = (r: (typeof resources)[number], property: string | undefined) => {
    const json = property === undefined ? r.json : JSON.stringify(r.raw[property] ?? null);
    return refersTo(json, keyLogicalId, keyStack, Stack.of(r.resource) === keyStack);
  };
  const consumers = resources.filter((r) => r.consumer.type !== 'AWS::AutoScaling::AutoScalingGroup' && refers(r, undefined));
  if (consumers.length === 0) return [];
  const launchTemplatesOfGroups = new Set(resources.filter((r) => r.consumer.type === 'AWS::AutoScaling::AutoScalingGroup')
    .flatMap((r) => [...r.json.matchAll(/"LaunchTemplateId":\{"Ref":"([^"]+)"\}/g)].map((m) => m[1])));
  const statements = statementsOf(normalize(policy()));
  const problems: string[] = [];
  for (const r of consumers) {
    const consumer = r.consumer;
    for (const need of NEEDS) {
      if (!need.types.includes(consumer.type) || (need.applies && !need.applies(consumer, { launchTemplatesOfGroups }))) continue;
      if (need.keyProperty !== undefined && !refers(r, need.keyProperty)) continue;
      if (!need.satisfied(statements, consumer)) {
        problems.push(`${subject}: ${consumer.path} (${consumer.type}) is encrypted with this key, but the key policy does not let its service use it; the deployment would fail. ${need.fix(consumer)}`);
      }
    }
  }
  return problems;
}
