/**
 * A multi-Region primary and its replicas: what each stack holds, how the primary's ARN crosses Regions,
 * rotation, aliases, and resources of a replica Region using the replica.
 */
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ACCOUNT, primaryStack, primaryWithReplicas, regionStack, replicaPropsOf, REPLICA_REGIONS, templateOf } from './fixtures';
import { SecureKey } from '../../src';

function statementsFor(policy: { Statement: Array<Record<string, unknown>> }, sid: string): Array<Record<string, unknown>> {
  return policy.Statement.filter((s) => s.Sid === sid);
}

describe('the primary', () => {
  test('is a multi-Region AWS::KMS::Key that keeps its rotation, and a single-Region key stays single-Region', () => {
    const { stack, key } = primaryWithReplicas();
    expect(key.multiRegion).toBe(true);
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { MultiRegion: true, EnableKeyRotation: true, RotationPeriodInDays: 365 });
    const single = new SecureKey(primaryStack(), 'Single');
    expect(single.multiRegion).toBe(false);
    expect(single.replicaKeys).toEqual([]);
    Template.fromStack(Stack.of(single)).hasResourceProperties('AWS::KMS::Key', { MultiRegion: Match.absent() });
  });

  test('multiRegion: true without replicas makes a primary with no replica stacks', () => {
    const app = new App();
    const stack = primaryStack(app);
    const key = new SecureKey(stack, 'Key', { multiRegion: true });
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { MultiRegion: true });
    expect(app.node.children.filter((c) => Stack.isStack(c)).map((s) => s.node.id)).toEqual(['Primary']);
    expect(key.replicaKeys).toEqual([]);
  });

  test('makes one stack per replica Region, in the same app, with the primary\'s account, and depends nothing on them', () => {
    const { app, stack, key } = primaryWithReplicas();
    const stacks = app.node.children.filter((c): c is Stack => Stack.isStack(c));
    expect(stacks.map((s) => [s.node.id, s.region, s.account])).toEqual([
      ['Primary', 'us-east-1', ACCOUNT],
      ['Primary-replicas-eu-west-1', 'eu-west-1', ACCOUNT],
      ['Primary-replicas-ap-southeast-2', 'ap-southeast-2', ACCOUNT],
    ]);
    expect(key.replicaKeys.map((r) => r.region)).toEqual(REPLICA_REGIONS);
    for (const replica of key.replicaKeys) expect(replica.stack.dependencies).toContain(stack);
    expect(stack.dependencies).toEqual([]);
  });

  test('lets administrators (and the account\'s IAM) move the primary Region, and replicate only into the replicas\' Regions', () => {
    const { stack, key } = primaryWithReplicas();
    const policy = stack.resolve(key.keyPolicy.toJSON());
    const [update] = statementsFor(policy, 'MultiRegionAdministration');
    expect(update.Action).toBe('kms:UpdatePrimaryRegion');
    const [replicate] = statementsFor(policy, 'ReplicateIntoNamedRegions');
    expect(replicate.Action).toBe('kms:ReplicateKey');
    expect(replicate.Condition).toEqual({ StringEquals: { 'kms:ReplicaRegion': REPLICA_REGIONS } });
    // The account root (the deploying role's IAM) and the named administrator; never a user.
    expect(JSON.stringify(replicate.Principal)).toContain(':root');
    expect(JSON.stringify(replicate.Principal)).toContain('AdminRole');
    expect(JSON.stringify(replicate.Principal)).not.toContain('AppRole');
  });

  test('a single-Region key\'s policy has no multi-Region statement', () => {
    const key = new SecureKey(primaryStack(), 'Key');
    const sids = Stack.of(key).resolve(key.keyPolicy.toJSON()).Statement.map((s: { Sid: string }) => s.Sid);
    expect(sids).not.toContain('MultiRegionAdministration');
    expect(sids).not.toContain('ReplicateIntoNamedRegions');
  });
});

describe('each replica', () => {
  test('is an AWS::KMS::ReplicaKey with the primary\'s description, enabled state, pending window, tags and removal policy', () => {
    const { key } = primaryWithReplicas({ enabled: false, pendingWindow: Duration.days(7), removalPolicy: RemovalPolicy.DESTROY });
    for (const replica of key.replicaKeys) {
      const tpl = Template.fromStack(replica.stack);
      tpl.resourceCountIs('AWS::KMS::ReplicaKey', 1);
      tpl.hasResource('AWS::KMS::ReplicaKey', {
        Properties: {
          Description: 'orders, in every Region',
          Enabled: false,
          PendingWindowInDays: 7,
          Tags: [{ Key: 'team', Value: 'payments' }],
        },
        DeletionPolicy: 'Delete',
      });
    }
  });

  test('is retained by default, like the primary', () => {
    const { key } = primaryWithReplicas();
    Template.fromStack(key.replicaKey('eu-west-1').stack).hasResource('AWS::KMS::ReplicaKey', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('follows the primary\'s rotation: no rotation property of its own, keyRotationEnabled is the primary\'s', () => {
    const { key } = primaryWithReplicas({ rotationPeriod: Duration.days(180) });
    for (const replica of key.replicaKeys) {
      const props = replicaPropsOf(replica);
      expect(Object.keys(props).sort()).toEqual(['Description', 'KeyPolicy', 'PendingWindowInDays', 'PrimaryKeyArn', 'Tags']);
      expect(replica.keyRotationEnabled).toBe(true);
    }
    const hmac = primaryWithReplicas({ keySpec: KeySpec.HMAC_256, keyUsage: KeyUsage.GENERATE_VERIFY_MAC }).key;
    expect(hmac.keyRotationEnabled).toBe(false);
    expect(hmac.replicaKeys.map((r) => r.keyRotationEnabled)).toEqual([false, false]);
  });

  test('reads the primary\'s ARN through CDK\'s cross-Region references (an SSM parameter written from the primary\'s stack)', () => {
    const { stack, key } = primaryWithReplicas();
    const replica = key.replicaKey('eu-west-1');
    const primaryArn = replicaPropsOf(replica).PrimaryKeyArn;
    expect(primaryArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ExportsReader/), expect.stringMatching(/^\/cdk\/exports\/Primary-replicas-eu-west-1\//)] });
    const parameter = primaryArn['Fn::GetAtt'][1];
    // The primary's stack writes exactly that parameter, in the replica's Region, from its key's ARN.
    const writer = Object.values(templateOf(stack).Resources).find((r) => r.Type === 'Custom::CrossRegionExportWriter' && r.Properties.WriterProps.region === 'eu-west-1');
    expect(writer?.Properties.WriterProps.exports[parameter]).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as never), 'Arn'] });
  });

  test('has the primary\'s aliases in its Region, pointing at the replica', () => {
    const { key } = primaryWithReplicas({ aliases: ['orders', 'alias/team/orders'] });
    for (const replica of key.replicaKeys) {
      expect(replica.aliasNames).toEqual(['alias/orders', 'alias/team/orders']);
      const tpl = templateOf(replica.stack);
      const replicaId = replica.stack.getLogicalId(replica.node.defaultChild as never);
      const aliases = Object.values(tpl.Resources).filter((r) => r.Type === 'AWS::KMS::Alias');
      expect(aliases.map((a) => a.Properties.AliasName).sort()).toEqual(['alias/orders', 'alias/team/orders']);
      for (const a of aliases) expect(a.Properties.TargetKeyId).toEqual({ 'Fn::GetAtt': [replicaId, 'Arn'] });
    }
  });

  test('keyArn and keyId resolve in the replica\'s stack, to the replica', () => {
    const { key } = primaryWithReplicas();
    const replica = key.replicaKey('ap-southeast-2');
    const id = replica.stack.getLogicalId(replica.node.defaultChild as never);
    expect(replica.stack.resolve(replica.keyArn)).toEqual({ 'Fn::GetAtt': [id, 'Arn'] });
    expect(replica.stack.resolve(replica.keyId)).toEqual({ 'Fn::GetAtt': [id, 'KeyId'] });
    expect(replica.region).toBe('ap-southeast-2');
    expect(replica.primary).toBe(key);
  });

  test('gives the principals\' IAM side the replica\'s ARN, built from the shared key ID in their own stack', () => {
    const { stack, key, appRole } = primaryWithReplicas();
    const keyRef = { Ref: stack.getLogicalId(key.node.defaultChild as never) };
    const policy = Object.values(templateOf(stack).Resources).find((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(stack.getLogicalId(appRole.node.defaultChild as never)));
    const resources = policy!.Properties.PolicyDocument.Statement.map((s: { Resource: unknown }) => s.Resource);
    expect(resources).toContainEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:eu-west-1:111111111111:key/', keyRef]] });
    expect(resources).toContainEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:ap-southeast-2:111111111111:key/', keyRef]] });
  });

  test.each([
    [KeySpec.SYMMETRIC_DEFAULT, KeyUsage.ENCRYPT_DECRYPT, 'kms:GenerateDataKey'],
    [KeySpec.RSA_3072, KeyUsage.ENCRYPT_DECRYPT, 'kms:GetPublicKey'],
    [KeySpec.ECC_NIST_P256, KeyUsage.SIGN_VERIFY, 'kms:Sign'],
    [KeySpec.HMAC_384, KeyUsage.GENERATE_VERIFY_MAC, 'kms:GenerateMac'],
  ])('a %s key with usage %s replicates, and its users get the same use actions in each replica', (keySpec, keyUsage, action) => {
    const { key } = primaryWithReplicas({ keySpec, keyUsage });
    const primaryUsers = statementsFor(Stack.of(key).resolve(key.keyPolicy.toJSON()), 'KeyUsers')[0].Action;
    expect(primaryUsers).toContain(action);
    for (const replica of key.replicaKeys) {
      expect(replica.keySpec).toBe(keySpec);
      expect(statementsFor(replicaPropsOf(replica).KeyPolicy, 'KeyUsers')[0].Action).toEqual(primaryUsers);
    }
  });
});

describe('resources of a replica Region use the replica', () => {
  test('a bucket and a role in the app\'s own stack of that Region: the grant lands in the replica\'s key policy only', () => {
    const app = new App();
    const stack = primaryStack(app);
    const key = new SecureKey(stack, 'Key', { multiRegion: true, aliases: ['orders'] });
    const euApp = regionStack(app, 'eu-west-1');
    const replica = key.addReplica(euApp);
    const reader = new iam.Role(euApp, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const bucket = new s3.Bucket(euApp, 'Data', { encryptionKey: replica, enforceSSL: true });
    bucket.grantRead(reader);

    const tpl = Template.fromStack(euApp);
    const replicaId = euApp.getLogicalId(replica.node.defaultChild as never);
    tpl.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [replicaId, 'Arn'] } } }] },
    });
    const readerId = euApp.getLogicalId(reader.node.defaultChild as never);
    const grant = replicaPropsOf(replica).KeyPolicy.Statement.find((s: { Principal: unknown }) => JSON.stringify(s.Principal).includes(readerId));
    expect(grant.Action).toEqual(['kms:Decrypt', 'kms:DescribeKey']); // what CDK's bucket.grantRead asks of the key
    expect(JSON.stringify(stack.resolve(key.keyPolicy.toJSON()))).not.toContain('Reader');
    // The reader's IAM side names the replica, not the primary.
    tpl.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt']), Resource: { 'Fn::GetAtt': [replicaId, 'Arn'] } })]) },
    });
  });

  test('a bucket added to the stack the key made for a Region, through replicaKey(region).stack', () => {
    const { key } = primaryWithReplicas();
    const replica = key.replicaKey('ap-southeast-2');
    const writer = new iam.Role(replica.stack, 'Writer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new s3.Bucket(replica.stack, 'Data', { encryptionKey: replica }).grantWrite(writer);
    const writerId = replica.stack.getLogicalId(writer.node.defaultChild as never);
    const grant = replicaPropsOf(replica).KeyPolicy.Statement.find((s: { Principal: unknown }) => JSON.stringify(s.Principal).includes(writerId));
    // CDK's bucket.grantWrite asks for kms:ReEncrypt* and kms:GenerateDataKey*: exact names in the replica's policy.
    expect([...grant.Action].sort()).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo']);
  });

  test('conditions work on the replica too, with kms:ViaService in the replica\'s Region', () => {
    const { key } = primaryWithReplicas();
    const replica = key.replicaKey('eu-west-1');
    const role = new iam.Role(replica.stack, 'Via', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    replica.withConditions({ viaServices: ['secretsmanager'] }).grantDecrypt(role);
    const roleId = replica.stack.getLogicalId(role.node.defaultChild as never);
    const grant = replicaPropsOf(replica).KeyPolicy.Statement.find((s: { Principal: unknown }) => JSON.stringify(s.Principal).includes(roleId));
    expect(grant.Condition).toEqual({ StringEquals: { 'kms:ViaService': ['secretsmanager.eu-west-1.amazonaws.com'] } });
  });

  test('viaServices and allowAccountUseViaServices of the primary are expanded for each replica\'s Region', () => {
    const { key } = primaryWithReplicas({ viaServices: ['s3'], allowAccountUseViaServices: ['dynamodb'] });
    for (const replica of key.replicaKeys) {
      const policy = replicaPropsOf(replica).KeyPolicy;
      expect(statementsFor(policy, 'KeyUsers')[0].Condition).toEqual({ StringEquals: { 'kms:ViaService': [`s3.${replica.region}.amazonaws.com`] } });
      expect((statementsFor(policy, 'AccountUseViaServices')[0].Condition as any).StringEquals['kms:ViaService']).toEqual([`dynamodb.${replica.region}.amazonaws.com`]);
    }
  });

  test('replica.grants is CDK\'s KeyGrants writing into the replica\'s key policy, and addAlias adds a replica-only alias', () => {
    const { key } = primaryWithReplicas();
    const replica = key.replicaKey('eu-west-1');
    expect(replica.grants).toBeInstanceOf(kms.KeyGrants);
    replica.addAlias('eu-only');
    expect(replica.aliasNames).toEqual(['alias/orders', 'alias/eu-only']);
    expect(key.aliasNames).toEqual(['alias/orders']);
  });
});
