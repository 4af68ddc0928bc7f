/** Databases, search, caches, secrets, trails, delivery streams and DNSSEC signing under a SecureKey. */
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { appRole } from './messaging';
import { deployProofs, smallVpc } from './storage';
import { SecureKey } from '../../../src';
import { ACCOUNT, CatalogueCase, OTHER_ACCOUNT, OTHER_PRINCIPAL, role, service, via } from '../case';

export const DATA_CASES: CatalogueCase[] = [{
  id: 'rds-aurora',
  service: 'Amazon RDS / Aurora',
  construct: 'rds.DatabaseCluster storageEncryptionKey',
  userMust: "`allowAccountUseViaServices: ['rds']`",
  build(stack) {
    const key = new SecureKey(stack, 'Key', { allowAccountUseViaServices: ['rds'] });
    new rds.DatabaseCluster(stack, 'Database', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      vpc: smallVpc(stack),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      storageEncryptionKey: key,
      iamAuthentication: true,
      deletionProtection: true,
    });
    return { key, proofs: deployProofs('rds') };
  },
}, {
  id: 'opensearch',
  service: 'Amazon OpenSearch Service',
  construct: 'opensearch.Domain encryptionAtRest',
  userMust: "`allowAccountUseViaServices: ['es']`",
  build(stack) {
    const key = new SecureKey(stack, 'Key', { allowAccountUseViaServices: ['es'] });
    new opensearch.Domain(stack, 'Domain', {
      version: opensearch.EngineVersion.OPENSEARCH_2_17,
      encryptionAtRest: { enabled: true, kmsKey: key },
      nodeToNodeEncryption: true,
      enforceHttps: true,
    });
    return { key, proofs: deployProofs('es') };
  },
}, {
  id: 'elasticache',
  service: 'Amazon ElastiCache (Valkey)',
  construct: 'elasticache.CfnReplicationGroup kmsKeyId',
  userMust: "`allowAccountUseViaServices: ['elasticache']`",
  build(stack) {
    const key = new SecureKey(stack, 'Key', { allowAccountUseViaServices: ['elasticache'] });
    const vpc = smallVpc(stack);
    const subnets = new elasticache.CfnSubnetGroup(stack, 'Subnets', { description: 'cache', subnetIds: vpc.isolatedSubnets.map((s) => s.subnetId) });
    new elasticache.CfnReplicationGroup(stack, 'Cache', {
      replicationGroupDescription: 'cache',
      engine: 'valkey',
      cacheNodeType: 'cache.t4g.micro',
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      kmsKeyId: key.keyArn,
      cacheSubnetGroupName: subnets.ref,
      securityGroupIds: [new ec2.SecurityGroup(stack, 'CacheSg', { vpc }).securityGroupId],
    });
    return { key, proofs: deployProofs('elasticache') };
  },
}, {
  id: 'secrets-manager',
  service: 'AWS Secrets Manager',
  construct: 'secretsmanager.Secret',
  userMust: 'nothing',
  build(stack) {
    const key = new SecureKey(stack, 'Key');
    const secret = new secretsmanager.Secret(stack, 'Secret', { encryptionKey: key });
    const reader = appRole(stack, 'Reader');
    secret.grantRead(reader);
    return {
      key,
      proofs: [
        { who: role('reader', reader), request: { action: 'kms:Decrypt', viaService: via('secretsmanager') }, expect: 'allowed' },
        { who: role('reader', reader), request: { action: 'kms:Decrypt' }, expect: 'denied' },
        { who: OTHER_PRINCIPAL, request: { action: 'kms:Decrypt' }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 'cloudtrail',
  service: 'AWS CloudTrail',
  construct: 'cloudtrail.Trail encryptionKey',
  userMust: '`key.allowCloudTrail({ trailName })` and a fixed `trailName`',
  build(stack) {
    const key = new SecureKey(stack, 'Key');
    key.allowCloudTrail({ trailName: 'org-trail' });
    new cloudtrail.Trail(stack, 'Trail', { trailName: 'org-trail', encryptionKey: key, sendToCloudWatchLogs: true });
    const trailArn = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-trail`;
    const ct = service('cloudtrail.amazonaws.com');
    return {
      key,
      proofs: [
        { who: ct, request: { action: 'kms:GenerateDataKey', sourceArn: trailArn, encryptionContext: { 'aws:cloudtrail:arn': trailArn } }, expect: 'allowed' },
        { who: ct, request: { action: 'kms:DescribeKey', sourceArn: trailArn }, expect: 'allowed' },
        { who: ct, request: { action: 'kms:GenerateDataKey', sourceArn: `arn:aws:cloudtrail:us-east-1:${OTHER_ACCOUNT}:trail/x` }, expect: 'denied' },
      ],
    };
  },
}, {
  id: 'firehose',
  service: 'Amazon Data Firehose',
  construct: 'firehose.DeliveryStream StreamEncryption.customerManagedKey',
  userMust: "`allowAccountUseViaServices: ['firehose']`",
  build(stack) {
    const key = new SecureKey(stack, 'Key', { allowAccountUseViaServices: ['firehose'] });
    const bucket = new s3.Bucket(stack, 'Destination', { enforceSSL: true });
    const stream = new firehose.DeliveryStream(stack, 'Stream', {
      destination: new firehose.S3Bucket(bucket),
      encryption: firehose.StreamEncryption.customerManagedKey(key),
    });
    const producer = appRole(stack, 'Producer');
    stream.grantPutRecords(producer);
    return { key, proofs: deployProofs('firehose') };
  },
}, {
  id: 'route53-dnssec',
  service: 'Amazon Route 53 DNSSEC',
  construct: 'route53.PublicHostedZone.enableDnssec',
  userMust: 'nothing (a signing key: `ECC_NIST_P256`, `SIGN_VERIFY`, in us-east-1)',
  build(stack) {
    const key = new SecureKey(stack, 'Key', { keySpec: kms.KeySpec.ECC_NIST_P256, keyUsage: kms.KeyUsage.SIGN_VERIFY });
    const zone = new route53.PublicHostedZone(stack, 'Zone', { zoneName: 'example.com' });
    zone.enableDnssec({ kmsKey: key });
    const dnssec = service('dnssec-route53.amazonaws.com');
    return {
      key,
      proofs: [
        { who: dnssec, request: { action: 'kms:Sign', sourceArn: zone.hostedZoneArn, sourceAccount: ACCOUNT }, expect: 'allowed' },
        { who: dnssec, request: { action: 'kms:GetPublicKey', sourceArn: zone.hostedZoneArn, sourceAccount: ACCOUNT }, expect: 'allowed' },
        { who: dnssec, request: { action: 'kms:CreateGrant', grantIsForAwsResource: true, sourceArn: zone.hostedZoneArn, sourceAccount: ACCOUNT }, expect: 'allowed' },
        { who: dnssec, request: { action: 'kms:Sign', sourceArn: 'arn:aws:route53:::hostedzone/ZOTHER', sourceAccount: OTHER_ACCOUNT }, expect: 'denied' },
      ],
    };
  },
}];
