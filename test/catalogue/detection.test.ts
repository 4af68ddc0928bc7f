/**
 * Synth says what to add: a resource encrypted with a SecureKey whose service needs a key-policy statement
 * the key lacks fails synth, naming the resource and the prop or method; with the prop or method it passes.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { ACCOUNT, REGION } from './case';
import { SecureKey, SecureKeyProps } from '../../src';

function synthError(build: (stack: Stack, key: SecureKey) => void, props: SecureKeyProps = {}, after?: (key: SecureKey) => void): string {
  const app = new App();
  const stack = new Stack(app, 'App', { env: { account: ACCOUNT, region: REGION } });
  const key = new SecureKey(stack, 'Key', props);
  build(stack, key);
  after?.(key);
  try {
    app.synth();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

const vpc = (stack: Stack) => new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
const table = (stack: Stack, key: SecureKey) => new dynamodb.Table(stack, 'Orders', {
  partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING }, encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: key,
});
const image = () => ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 });
const micro = () => ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO);
const volume = (key: SecureKey) => ({ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true, kmsKey: key }) });

describe('a service that needs the key policy: synth says what to add', () => {
  test.each<[string, (stack: Stack, key: SecureKey) => void, string, SecureKeyProps]>([
    ['DynamoDB table', table, 'App/Orders/Resource (AWS::DynamoDB::Table)', { allowAccountUseViaServices: ['dynamodb'] }],
    ['RDS cluster', (stack, key) => new rds.DatabaseCluster(stack, 'Db', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      vpc: vpc(stack),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      storageEncryptionKey: key,
    }), 'App/Db/Resource (AWS::RDS::DBCluster)', { allowAccountUseViaServices: ['rds'] }],
    ['EC2 instance', (stack, key) => new ec2.Instance(stack, 'Host', { vpc: vpc(stack), instanceType: micro(), machineImage: image(), blockDevices: [volume(key)] }),
      'App/Host/Resource (AWS::EC2::Instance)', { allowAccountUseViaServices: ['ec2'] }],
    ['EFS file system', (stack, key) => new efs.FileSystem(stack, 'Files', { vpc: vpc(stack), kmsKey: key }),
      'App/Files/Resource (AWS::EFS::FileSystem)', { allowAccountUseViaServices: ['elasticfilesystem'] }],
  ])('%s without allowAccountUseViaServices fails synth, naming it; with it, synth passes', (_name, build, consumer, props) => {
    const service = props.allowAccountUseViaServices![0];
    expect(synthError(build)).toContain(`SecureKey App/Key: ${consumer} is encrypted with this key, but the key policy does not let its service use it; `
      + `the deployment would fail. ${_name.split(' ')[0] === 'EC2' ? 'EC2 (EBS)' : _name.split(' ')[0]} creates it through the service on behalf of CloudFormation's role`);
    expect(synthError(build)).toContain(`add '${service}' to the key's allowAccountUseViaServices (for example allowAccountUseViaServices: ['${service}']).`);
    expect(synthError(build, props)).toBe('');
  });

  test('another service in allowAccountUseViaServices does not count', () => {
    expect(synthError(table, { allowAccountUseViaServices: ['rds'] })).toContain("add 'dynamodb' to the key's allowAccountUseViaServices");
  });

  test('a table in another stack of the app is found through its import of the key', () => {
    const app = new App();
    const keyStack = new Stack(app, 'Keys', { env: { account: ACCOUNT, region: REGION } });
    const key = new SecureKey(keyStack, 'Key');
    table(new Stack(app, 'Data', { env: { account: ACCOUNT, region: REGION } }), key);
    expect(() => app.synth()).toThrow('SecureKey Keys/Key: Data/Orders/Resource (AWS::DynamoDB::Table) is encrypted with this key');
  });

  test('a Lambda function with environmentEncryption: allowAccountUseViaServices lambda, which gives Encrypt through Lambda only', () => {
    const fn = (environment: (key: SecureKey) => Partial<lambda.FunctionProps>) => (stack: Stack, key: SecureKey) => new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};'), ...environment(key),
    });
    const encrypted = fn((key) => ({ environment: { TABLE: 'orders' }, environmentEncryption: key }));
    const message = synthError(encrypted);
    expect(message).toContain('SecureKey App/Key: App/Fn/Resource (AWS::Lambda::Function) is encrypted with this key, but the key policy does not let its service use it; '
      + "the deployment would fail. its environment variables are encrypted with it (environmentEncryption): whoever creates or updates the function (CloudFormation's role) "
      + 'encrypts them through Lambda and lets Lambda decrypt them with a grant, which the key policy must allow (kms:Encrypt, kms:CreateGrant through lambda): '
      + "add 'lambda' to the key's allowAccountUseViaServices (for example allowAccountUseViaServices: ['lambda']).");
    // Another service's statement gives CreateGrant but not through Lambda, and never Encrypt.
    expect(synthError(encrypted, { allowAccountUseViaServices: ['dynamodb'] })).toContain("add 'lambda' to the key's allowAccountUseViaServices");
    expect(synthError(encrypted, { allowAccountUseViaServices: ['lambda'] })).toBe('');
    expect(synthError(encrypted, { allowAccountUseViaServices: ['dynamodb', 'lambda.us-east-1.amazonaws.com'] })).toBe('');
    // The key's ARN in a variable of an unencrypted environment is not environment encryption.
    expect(synthError(fn((key) => ({ environment: { KEY_ARN: key.keyArn } })))).toBe('');
  });

  test('a table in another stack is found through its Fn::GetStackOutput reference too (the flags cdk init writes)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const flags = (require('aws-cdk-lib/cx-api') as { CURRENTLY_RECOMMENDED_FLAGS: Record<string, unknown> }).CURRENTLY_RECOMMENDED_FLAGS;
    const build = (props: SecureKeyProps) => {
      const app = new App({ context: { ...flags } });
      const key = new SecureKey(new Stack(app, 'Keys', { env: { account: ACCOUNT, region: REGION } }), 'Key', props);
      table(new Stack(app, 'Data', { env: { account: ACCOUNT, region: REGION } }), key);
      return app;
    };
    expect(() => build({}).synth()).toThrow('SecureKey Keys/Key: Data/Orders/Resource (AWS::DynamoDB::Table) is encrypted with this key');
    const data = build({ allowAccountUseViaServices: ['dynamodb'] }).synth().getStackByName('Data').template;
    expect(JSON.stringify(data)).toContain('Fn::GetStackOutput');
    expect(JSON.stringify(data)).not.toContain('Fn::ImportValue');
  });

  test('a log group: allowCloudWatchLogs with its name, not another one', () => {
    const group = (stack: Stack, key: SecureKey) => new logs.LogGroup(stack, 'Logs', { logGroupName: '/app/orders', encryptionKey: key });
    expect(synthError(group)).toContain("App/Logs/Resource (AWS::Logs::LogGroup) is encrypted with this key, but the key policy does not let its service use it; the deployment would fail. CloudWatch Logs encrypts it and needs the key policy to allow that: call key.allowCloudWatchLogs({ logGroupNames: ['/app/orders'] }).");
    expect(synthError(group, {}, (k) => k.allowCloudWatchLogs({ logGroupNames: ['/app/other'] }))).toContain("key.allowCloudWatchLogs({ logGroupNames: ['/app/orders'] })");
    expect(synthError(group, {}, (k) => k.allowCloudWatchLogs({ logGroupNames: ['/app/orders'] }))).toBe('');
    expect(synthError(group, {}, (k) => k.allowCloudWatchLogs())).toBe('');
  });

  test('a trail: allowCloudTrail with its name', () => {
    const trail = (stack: Stack, key: SecureKey) => new cloudtrail.Trail(stack, 'Trail', { trailName: 'org', encryptionKey: key });
    expect(synthError(trail)).toContain("App/Trail/Resource (AWS::CloudTrail::Trail) is encrypted with this key, but the key policy does not let its service use it; the deployment would fail. CloudTrail encrypts its log files and needs the key policy to allow that: call key.allowCloudTrail({ trailName: 'org' }).");
    expect(synthError(trail, {}, (k) => k.allowCloudTrail({ trailName: 'org' }))).toBe('');
  });

  test('an Auto Scaling group launching encrypted volumes: allowAutoScaling', () => {
    const group = (stack: Stack, key: SecureKey) => new autoscaling.AutoScalingGroup(stack, 'Group', {
      vpc: vpc(stack), launchTemplate: new ec2.LaunchTemplate(stack, 'Template', { instanceType: micro(), machineImage: image(), blockDevices: [volume(key)] }),
    });
    expect(synthError(group)).toContain('App/Template/Resource (AWS::EC2::LaunchTemplate) is encrypted with this key, but the key policy does not let its service use it; the deployment would fail. '
      + 'an Auto Scaling group launches instances from it as the service-linked role AWSServiceRoleForAutoScaling, which the key policy must name: call key.allowAutoScaling().');
    expect(synthError(group, {}, (k) => k.allowAutoScaling())).toBe('');
    // A launch template no group uses needs nothing from Auto Scaling.
    expect(synthError((stack, key) => new ec2.LaunchTemplate(stack, 'Template', { blockDevices: [volume(key)] }))).toBe('');
  });
});
