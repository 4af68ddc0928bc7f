/** Instances, functions, state machines and registries whose storage or configuration a SecureKey encrypts. */
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { appRole, inlineFunction } from './messaging';
import { deployProofs, smallVpc } from './storage';
import { SecureKey } from '../../../src';
import { ACCOUNT, CatalogueCase, DEPLOY_ROLE, OTHER_PRINCIPAL, role, service, via } from '../case';

const AUTOSCALING_SLR = {
  kind: 'principal' as const,
  label: 'AWSServiceRoleForAutoScaling',
  arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
  account: ACCOUNT,
  iamStatements: [],
};

function encryptedRootVolume(key: SecureKey): ec2.BlockDevice {
  return { deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(20, { encrypted: true, kmsKey: key }) };
}

export const COMPUTE_CASES: CatalogueCase[] = [{
  id: 'ebs-ec2',
  service: 'Amazon EBS (EC2 instance)',
  construct: 'ec2.Instance with an encrypted block device',
  userMust: "`allowAccountUseViaServices: ['ec2']`",
  build(stack) {
    const key = new SecureKey(stack, 'Key', { allowAccountUseViaServices: ['ec2'] });
    new ec2.Instance(stack, 'Instance', {
      vpc: smallVpc(stack),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      blockDevices: [encryptedRootVolume(key)],
      requireImdsv2: true,
    });
    return { key, proofs: [...deployProofs('ec2'), { who: DEPLOY_ROLE, request: { action: 'kms:GenerateDataKeyWithoutPlaintext', viaService: via('ec2') }, expect: 'allowed' }] };
  },
}, {
  id: 'ebs-autoscaling',
  service: 'Amazon EBS (EC2 Auto Scaling)',
  construct: 'autoscaling.AutoScalingGroup with a launch template',
  userMust: '`key.allowAutoScaling()`',
  build(stack) {
    const key = new SecureKey(stack, 'Key');
    key.allowAutoScaling();
    const launchTemplate = new ec2.LaunchTemplate(stack, 'Template', {
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      blockDevices: [encryptedRootVolume(key)],
      requireImdsv2: true,
    });
    new autoscaling.AutoScalingGroup(stack, 'Group', { vpc: smallVpc(stack), launchTemplate, minCapacity: 1, maxCapacity: 2 });
    return {
      key,
      proofs: [
        { who: AUTOSCALING_SLR, request: { action: 'kms:GenerateDataKeyWithoutPlaintext' }, expect: 'allowed' },
        { who: AUTOSCALING_SLR, request: { action: 'kms:Decrypt' }, expect: 'allowed' },
        { who: AUTOSCALING_SLR, request: { action: 'kms:CreateGrant', grantIsForAwsResource: true }, expect: 'allowed' },
        { who: AUTOSCALING_SLR, request: { action: 'kms:CreateGrant', grantIsForAwsResource: false }, expect: 'denied' },
        { who: AUTOSCALING_SLR, request: { action: 'kms:PutKeyPolicy' }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 'lambda-env',
  service: 'AWS Lambda environment variables',
  construct: 'lambda.Function environmentEncryption',
  userMust: "`allowAccountUseViaServices: ['lambda']`",
  build(stack) {
    const key = new SecureKey(stack, 'Key', { allowAccountUseViaServices: ['lambda'] });
    const fn = inlineFunction(stack, 'Function', { environment: { TABLE: 'orders' }, environmentEncryption: key });
    return {
      key,
      proofs: [
        // Whoever creates or updates the function (CloudFormation's role) encrypts the variables through
        // Lambda and lets Lambda decrypt them at cold start with a grant.
        { who: DEPLOY_ROLE, request: { action: 'kms:Encrypt', viaService: via('lambda') }, expect: 'allowed' },
        { who: DEPLOY_ROLE, request: { action: 'kms:CreateGrant', viaService: via('lambda'), grantIsForAwsResource: true }, expect: 'allowed' },
        { who: DEPLOY_ROLE, request: { action: 'kms:Decrypt', viaService: via('lambda') }, expect: 'allowed' },
        { who: DEPLOY_ROLE, request: { action: 'kms:DescribeKey', viaService: via('lambda') }, expect: 'allowed' },
        { who: DEPLOY_ROLE, request: { action: 'kms:CreateGrant', viaService: via('lambda'), grantIsForAwsResource: false }, expect: 'denied' },
        { who: DEPLOY_ROLE, request: { action: 'kms:Encrypt' }, expect: 'denied' },
        // Encrypt is Lambda's alone: no other service, and not re-encryption through Lambda either.
        { who: DEPLOY_ROLE, request: { action: 'kms:Encrypt', viaService: via('s3') }, expect: 'denied' },
        { who: DEPLOY_ROLE, request: { action: 'kms:ReEncryptTo', viaService: via('lambda') }, expect: 'denied' },
        { who: role('execution role', fn.role!), request: { action: 'kms:Encrypt' }, expect: 'denied' },
        { who: OTHER_PRINCIPAL, request: { action: 'kms:Decrypt' }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 'stepfunctions',
  service: 'AWS Step Functions',
  construct: 'sfn.StateMachine + CustomerManagedEncryptionConfiguration',
  userMust: "`key.grant(machine.role, 'kms:GenerateDataKey', 'kms:Decrypt')`: CDK writes the state machine role's grant into its IAM policy only, and synth says so",
  build(stack) {
    const key = new SecureKey(stack, 'Key');
    const machine = new sfn.StateMachine(stack, 'Machine', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Start')),
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(key),
      tracingEnabled: true,
    });
    key.grant(machine.role, 'kms:GenerateDataKey', 'kms:Decrypt');
    const starter = appRole(stack, 'Starter');
    machine.grantStartExecution(starter);
    const context = { 'aws:states:stateMachineArn': machine.stateMachineArn };
    return {
      key,
      proofs: [
        { who: role('state machine role', machine.role), request: { action: 'kms:GenerateDataKey', viaService: via('states'), encryptionContext: context }, expect: 'allowed' },
        { who: role('state machine role', machine.role), request: { action: 'kms:Decrypt', viaService: via('states'), encryptionContext: context }, expect: 'allowed' },
        { who: OTHER_PRINCIPAL, request: { action: 'kms:Decrypt', viaService: via('states'), encryptionContext: context }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 'ecr',
  service: 'Amazon ECR',
  construct: 'ecr.Repository',
  userMust: "`allowAccountUseViaServices: ['ecr']`",
  build(stack) {
    const key = new SecureKey(stack, 'Key', { allowAccountUseViaServices: ['ecr'] });
    const repo = new ecr.Repository(stack, 'Repository', { encryptionKey: key, imageScanOnPush: true });
    const puller = appRole(stack, 'Puller');
    repo.grantPull(puller);
    return { key, proofs: deployProofs('ecr') };
  },
}, {
  id: 'logs',
  service: 'Amazon CloudWatch Logs',
  construct: 'logs.LogGroup',
  userMust: "`key.allowCloudWatchLogs({ logGroupNames: ['/app/orders'] })`",
  build(stack) {
    const key = new SecureKey(stack, 'Key');
    key.allowCloudWatchLogs({ logGroupNames: ['/app/orders'] });
    new logs.LogGroup(stack, 'Logs', { logGroupName: '/app/orders', encryptionKey: key });
    const logsPrincipal = service('logs.us-east-1.amazonaws.com');
    const context = (name: string) => ({ 'aws:logs:arn': `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${name}` });
    return {
      key,
      proofs: [
        { who: logsPrincipal, request: { action: 'kms:GenerateDataKey', encryptionContext: context('/app/orders') }, expect: 'allowed' },
        { who: logsPrincipal, request: { action: 'kms:Decrypt', encryptionContext: context('/app/orders') }, expect: 'allowed' },
        { who: logsPrincipal, request: { action: 'kms:GenerateDataKey', encryptionContext: context('/other') }, expect: 'denied' },
      ],
    };
  },
}];
