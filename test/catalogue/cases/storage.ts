/** Object, table and file storage under a SecureKey. */
import { Annotations, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import { appRole } from './messaging';
import { SecureKey } from '../../../src';
import { ACCOUNT, CatalogueCase, DEPLOY_ROLE, OTHER_ACCOUNT, OTHER_PRINCIPAL, REGION, role, service, via } from '../case';

/** CloudFormation's role creates the resource through the service: DescribeKey and a grant for the resource. */
export function deployProofs(serviceName: string) {
  return [
    { who: DEPLOY_ROLE, request: { action: 'kms:DescribeKey', viaService: via(serviceName) }, expect: 'allowed' as const },
    { who: DEPLOY_ROLE, request: { action: 'kms:CreateGrant', viaService: via(serviceName), grantIsForAwsResource: true }, expect: 'allowed' as const },
    { who: DEPLOY_ROLE, request: { action: 'kms:CreateGrant', viaService: via(serviceName), grantIsForAwsResource: false }, expect: 'denied' as const },
    { who: DEPLOY_ROLE, request: { action: 'kms:Decrypt' }, expect: 'denied' as const },
  ];
}

export function smallVpc(stack: Stack): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
}

export const STORAGE_CASES: CatalogueCase[] = [{
  id: 's3',
  service: 'Amazon S3',
  construct: 's3.Bucket',
  userMust: 'nothing',
  build(stack) {
    const key = new SecureKey(stack, 'Key');
    const bucket = new s3.Bucket(stack, 'Bucket', { encryptionKey: key, enforceSSL: true });
    const app = appRole(stack);
    bucket.grantReadWrite(app);
    return {
      key,
      proofs: [
        { who: role('app role', app), request: { action: 'kms:GenerateDataKey', viaService: via('s3') }, expect: 'allowed' },
        { who: role('app role', app), request: { action: 'kms:Decrypt', viaService: via('s3') }, expect: 'allowed' },
        { who: OTHER_PRINCIPAL, request: { action: 'kms:Decrypt', viaService: via('s3') }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 's3-notifications-sns',
  service: 'Amazon S3 event notifications -> SNS',
  construct: 'bucket.addEventNotification + s3n.SnsDestination',
  userMust: 'nothing',
  build(stack) {
    const key = new SecureKey(stack, 'Key');
    const topic = new sns.Topic(stack, 'Topic', { masterKey: key, enforceSSL: true });
    const bucket = new s3.Bucket(stack, 'Bucket', { enforceSSL: true });
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(topic));
    const s3Principal = service('s3.amazonaws.com');
    return {
      key,
      proofs: [
        { who: s3Principal, request: { action: 'kms:GenerateDataKey', sourceAccount: ACCOUNT, sourceArn: bucket.bucketArn }, expect: 'allowed' },
        { who: s3Principal, request: { action: 'kms:GenerateDataKey', sourceAccount: OTHER_ACCOUNT, sourceArn: 'arn:aws:s3:::someone-elses' }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 'dynamodb-table',
  service: 'Amazon DynamoDB table',
  construct: 'dynamodb.Table',
  userMust: "`allowAccountUseViaServices: ['dynamodb']`",
  build(stack) {
    const key = new SecureKey(stack, 'Key', { allowAccountUseViaServices: ['dynamodb'] });
    const table = new dynamodb.Table(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });
    const app = appRole(stack);
    table.grantReadWriteData(app);
    return {
      key,
      proofs: [
        ...deployProofs('dynamodb'),
        { who: role('app role', app), request: { action: 'kms:Decrypt', viaService: via('dynamodb') }, expect: 'allowed' },
        { who: OTHER_PRINCIPAL, request: { action: 'kms:Decrypt' }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 'dynamodb-global',
  service: 'Amazon DynamoDB global table (TableV2, one replica)',
  construct: 'dynamodb.TableV2 + TableEncryptionV2.customerManagedKey',
  userMust: "`allowAccountUseViaServices: ['dynamodb']`, `replicaRegions`; the table in a stack of its own, with `key.replicaKeyArns(tableStack)`; acknowledge `multiRegionIsANewKey` once the key exists",
  build(stack) {
    const key = new SecureKey(stack, 'Key', { allowAccountUseViaServices: ['dynamodb'], replicaRegions: ['eu-west-1'] });
    Annotations.of(key).acknowledgeWarning('cdk-secure-key:multiRegionIsANewKey', 'a new key, created multi-Region');
    // The table's replica needs the replica key, so the table deploys after the replica's stack: in a stack
    // of its own (the key's stack deploys before the replica's). replicaKeyArns adds that dependency.
    const tables = new Stack(stack.node.scope!, 'CatalogueTables', { env: { account: ACCOUNT, region: REGION } });
    const table = new dynamodb.TableV2(tables, 'Global', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(key, key.replicaKeyArns(tables)),
      replicas: [{ region: 'eu-west-1' }],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });
    const app = appRole(tables);
    table.grantReadWriteData(app);
    const replica = key.replicaKey('eu-west-1');
    const eu = via('dynamodb', 'eu-west-1');
    return {
      key,
      proofs: [
        ...deployProofs('dynamodb'),
        { who: role('app role', app), request: { action: 'kms:Decrypt', viaService: via('dynamodb') }, expect: 'allowed' },
        // DynamoDB creates the replica table in eu-west-1 under the replica key, through DynamoDB of that Region.
        { key: replica, who: DEPLOY_ROLE, request: { action: 'kms:DescribeKey', viaService: eu }, expect: 'allowed' },
        { key: replica, who: DEPLOY_ROLE, request: { action: 'kms:CreateGrant', viaService: eu, grantIsForAwsResource: true }, expect: 'allowed' },
        { key: replica, who: DEPLOY_ROLE, request: { action: 'kms:GenerateDataKey', viaService: eu }, expect: 'allowed' },
        { key: replica, who: DEPLOY_ROLE, request: { action: 'kms:Decrypt', viaService: eu }, expect: 'allowed' },
        { key: replica, who: DEPLOY_ROLE, request: { action: 'kms:CreateGrant', viaService: eu, grantIsForAwsResource: false }, expect: 'denied' },
        // The replica's statements name DynamoDB of its own Region, not the primary's.
        { key: replica, who: DEPLOY_ROLE, request: { action: 'kms:CreateGrant', viaService: via('dynamodb'), grantIsForAwsResource: true }, expect: 'denied' },
        { key: replica, who: DEPLOY_ROLE, request: { action: 'kms:Decrypt' }, expect: 'denied' },
        { key: replica, who: OTHER_PRINCIPAL, request: { action: 'kms:Decrypt', viaService: via('s3', 'eu-west-1') }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 'efs',
  service: 'Amazon EFS',
  construct: 'efs.FileSystem',
  userMust: "`allowAccountUseViaServices: ['elasticfilesystem']`",
  build(stack) {
    const key = new SecureKey(stack, 'Key', { allowAccountUseViaServices: ['elasticfilesystem'] });
    new efs.FileSystem(stack, 'FileSystem', { vpc: smallVpc(stack), encrypted: true, kmsKey: key, enableAutomaticBackups: true });
    return { key, proofs: deployProofs('elasticfilesystem') };
  },
}, {
  id: 'backup-vault',
  service: 'AWS Backup vault',
  construct: 'backup.BackupVault',
  userMust: "`allowAccountUseViaServices: ['backup']`",
  build(stack) {
    const key = new SecureKey(stack, 'Key', { allowAccountUseViaServices: ['backup'] });
    const vault = new backup.BackupVault(stack, 'Vault', { encryptionKey: key });
    backup.BackupPlan.daily35DayRetention(stack, 'Plan', vault);
    return { key, proofs: deployProofs('backup') };
  },
}];
