/** Every multi-Region validation message, and the synth warnings. */
import { Annotations as CdkAnnotations, App, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CfnKey, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { ACCOUNT, appSynthErrors, primaryStack, primaryWithReplicas, regionStack } from './fixtures';
import { SecureKey, SecureReplicaKey } from '../../src';

describe('replicaRegions', () => {
  test('fails if it names the primary\'s own Region', () => {
    expect(() => new SecureKey(primaryStack(), 'Key', { replicaRegions: ['eu-west-1', 'us-east-1'] })).toThrow(
      "SecureKey Primary/Key: 'replicaRegions' contains the primary key's own Region. Received: 'us-east-1'. Allowed: Regions other than 'us-east-1', where the primary already serves.");
  });

  test('fails if it names a Region twice', () => {
    expect(() => new SecureKey(primaryStack(), 'Key', { replicaRegions: ['eu-west-1', 'eu-west-1'] })).toThrow(
      "SecureKey Primary/Key: 'replicaRegions' contains a duplicate. Received: 'eu-west-1' twice. Allowed: each Region once (KMS allows one replica per Region).");
  });

  test('fails if a Region is an unresolved token', () => {
    expect(() => new SecureKey(primaryStack(), 'Key', { replicaRegions: [Token.asString({ Ref: 'Region' })] })).toThrow(
      "SecureKey Primary/Key: 'replicaRegions' contains an unresolved token. Received: a token. Allowed: concrete Region names such as 'eu-west-1' (a replica needs a stack in a known Region; CloudFormation cannot choose the Region at deploy time).");
  });

  test('fails if a value is not a Region name', () => {
    expect(() => new SecureKey(primaryStack(), 'Key', { replicaRegions: ['Ireland'] })).toThrow(
      "SecureKey Primary/Key: 'replicaRegions' contains 'Ireland', which is not an AWS Region name. Allowed: Region names such as 'eu-west-1' or 'ap-southeast-2'.");
  });

  test('fails if the key\'s stack is environment-agnostic', () => {
    const stack = new Stack(new App(), 'Agnostic');
    expect(() => new SecureKey(stack, 'Key', { replicaRegions: ['eu-west-1'] })).toThrow(
      "SecureKey Agnostic/Key: the primary key's stack Agnostic is environment-agnostic (no concrete region or account). Multi-Region replicas need a concrete env ({ account, region }) on the primary's stack and on every replica stack: the replica references the primary's ARN across Regions, which CDK supports only between stacks with a known environment.");
  });

  test('fails with multiRegion: false', () => {
    expect(() => new SecureKey(primaryStack(), 'Key', { multiRegion: false, replicaRegions: ['eu-west-1'] })).toThrow(
      "SecureKey Primary/Key: 'replicaRegions' needs a multi-Region key, and multiRegion is false. Received: 'eu-west-1'. Allowed: 'multiRegion' true or unset with replicaRegions; or no replicaRegions for a single-Region key.");
  });

  test('fails if the id of the replica stack is taken by something that is not a stack of that Region', () => {
    const app = new App();
    const stack = primaryStack(app);
    new Stack(app, 'Primary-replicas-eu-west-1', { env: { account: ACCOUNT, region: 'eu-central-1' } });
    expect(() => new SecureKey(stack, 'Key', { replicaRegions: ['eu-west-1'] })).toThrow(
      "SecureKey Primary/Key: 'replicaRegions' needs the construct id 'Primary-replicas-eu-west-1' for the replica stack, and another construct has it. Received: 'eu-west-1'. Allowed: a free id; or create the stack yourself and call addReplica(stack).");
  });

  test('two keys of one stack share the replica stack of a Region', () => {
    const app = new App();
    const stack = primaryStack(app);
    const a = new SecureKey(stack, 'A', { replicaRegions: ['eu-west-1'] });
    const b = new SecureKey(stack, 'B', { replicaRegions: ['eu-west-1'] });
    expect(a.replicaKey('eu-west-1').stack).toBe(b.replicaKey('eu-west-1').stack);
    Template.fromStack(a.replicaKey('eu-west-1').stack).resourceCountIs('AWS::KMS::ReplicaKey', 2);
  });
});

describe('addReplica and SecureReplicaKey', () => {
  test('fails for a second replica in a Region', () => {
    const { app, key } = primaryWithReplicas();
    expect(() => key.addReplica(regionStack(app, 'eu-west-1'))).toThrow(
      "SecureKey Primary/Key: already has a replica in 'eu-west-1' (Primary-replicas-eu-west-1/ReplicaPrimaryKeyF7429BF2). Received: a second replica there (App-eu-west-1/ReplicaPrimaryKeyF7429BF2). Allowed: one replica per Region; use replicaKey(region) to get the existing one.");
  });

  test('fails in the primary\'s own Region', () => {
    const app = new App();
    const key = new SecureKey(primaryStack(app), 'Key', { multiRegion: true });
    expect(() => key.addReplica(regionStack(app, 'us-east-1'))).toThrow(
      "SecureKey Primary/Key: a replica cannot be in the primary key's own Region. Received: 'us-east-1' (stack App-us-east-1). Allowed: any other Region of partition 'aws'; the primary already serves 'us-east-1'.");
  });

  test('fails for a single-Region key', () => {
    const app = new App();
    const key = new SecureKey(primaryStack(app), 'Key');
    expect(() => key.addReplica(regionStack(app, 'eu-west-1'))).toThrow(
      "SecureKey Primary/Key: is a single-Region key, so it cannot have replicas. Set 'multiRegion: true' (or 'replicaRegions') on the key; for a key that is already deployed this means a new key: see the multiRegion prop.");
  });

  test('fails in an environment-agnostic stack', () => {
    const app = new App();
    const key = new SecureKey(primaryStack(app), 'Key', { multiRegion: true });
    expect(() => key.addReplica(new Stack(app, 'Anywhere', { crossRegionReferences: true }))).toThrow(
      "SecureKey Primary/Key: the replica key's stack Anywhere is environment-agnostic (no concrete region or account).");
  });

  test('fails if the primary\'s stack is environment-agnostic', () => {
    const app = new App();
    const key = new SecureKey(new Stack(app, 'Agnostic'), 'Key', { multiRegion: true });
    expect(() => key.addReplica(regionStack(app, 'eu-west-1'))).toThrow("SecureKey Agnostic/Key: the primary key's stack Agnostic is environment-agnostic");
  });

  test('fails in a stack of another account', () => {
    const app = new App();
    const key = new SecureKey(primaryStack(app), 'Key', { multiRegion: true });
    const other = new Stack(app, 'Other', { env: { account: '222222222222', region: 'eu-west-1' }, crossRegionReferences: true });
    expect(() => key.addReplica(other)).toThrow(
      "SecureKey Primary/Key: a replica must be in the primary key's account. Received: account 222222222222 (stack Other). Allowed: 111111111111. KMS replicates a key only within its account; for another account, share the key through its key policy instead.");
  });

  test('fails in a Region of another partition', () => {
    const app = new App();
    const key = new SecureKey(primaryStack(app), 'Key', { multiRegion: true });
    expect(() => key.addReplica(regionStack(app, 'cn-north-1'))).toThrow(
      "SecureKey Primary/Key: a replica must be in the primary key's partition. Received: 'cn-north-1' (partition aws-cn). Allowed: Regions of partition aws, like the primary's 'us-east-1'.");
  });

  test('fails in a stack without crossRegionReferences', () => {
    const app = new App();
    const key = new SecureKey(primaryStack(app), 'Key', { multiRegion: true });
    expect(() => key.addReplica(regionStack(app, 'eu-west-1', 'Plain', { crossRegionReferences: false }))).toThrow(
      "SecureKey Primary/Key: the replica's stack Plain was created without crossRegionReferences. The replica reads the primary's ARN from Primary in 'us-east-1'; create the stack with { crossRegionReferences: true } so CDK can pass it across Regions.");
  });

  test('fails for an SM2 key outside the China Regions', () => {
    const app = new App();
    const key = new SecureKey(primaryStack(app), 'Key', { multiRegion: true, keySpec: KeySpec.SM2, keyUsage: KeyUsage.SIGN_VERIFY });
    expect(() => key.addReplica(regionStack(app, 'eu-west-1'))).toThrow(
      "SecureKey Primary/Key: keySpec 'SM2' cannot be replicated to 'eu-west-1': SM2 keys exist only in the China Regions (partition aws-cn). Use an ECC or RSA key spec for replicas outside China.");
  });

  test('new SecureReplicaKey(stack, id, { primary }) is the same as addReplica', () => {
    const app = new App();
    const key = new SecureKey(primaryStack(app), 'Key', { multiRegion: true });
    const replica = new SecureReplicaKey(regionStack(app, 'eu-west-1'), 'OrdersKey', { primary: key });
    expect(key.replicaKey('eu-west-1')).toBe(replica);
    expect(key.replicaKeys).toEqual([replica]);
  });

  test('replicaKey fails for a Region without a replica, naming the ones there are', () => {
    const { key } = primaryWithReplicas();
    expect(() => key.replicaKey('us-west-2')).toThrow(
      "SecureKey Primary/Key: has no replica in 'us-west-2'. Replica Regions: 'eu-west-1', 'ap-southeast-2'. Add one with 'replicaRegions' or addReplica(stack).");
    expect(() => new SecureKey(primaryStack(), 'Single').replicaKey('eu-west-1')).toThrow('Replica Regions: none.');
  });

  test('a grant on the replica to a role of the primary\'s stack fails (the two stacks would reference each other)', () => {
    const { key, appRole } = primaryWithReplicas();
    expect(() => key.replicaKey('eu-west-1').grantDecrypt(appRole)).toThrow(
      'SecureKey Primary-replicas-eu-west-1/ReplicaPrimaryKeyF7429BF2: cannot grant to Primary/AppRole, which is in stack Primary, not in the key\'s stack Primary-replicas-eu-west-1');
  });
});

describe('origin (set on the L1 key) at synth', () => {
  test.each(['AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'])('fails for Origin %s (custom key stores are single-Region)', (origin) => {
    const { app, key } = primaryWithReplicas();
    (key.node.defaultChild as CfnKey).origin = origin;
    expect(appSynthErrors(app).join('\n')).toContain(
      `SecureKey Primary/Key: a multi-Region key cannot have Origin '${origin}'. Received: '${origin}' (set on the L1 AWS::KMS::Key). Allowed: AWS_KMS or EXTERNAL; keys in a custom key store (AWS_CLOUDHSM, EXTERNAL_KEY_STORE) are single-Region only.`);
  });

  test('warns on each replica for imported key material (Origin EXTERNAL), which KMS does not copy', () => {
    const { app, key } = primaryWithReplicas({ enableKeyRotation: false });
    (key.node.defaultChild as CfnKey).origin = 'EXTERNAL';
    expect(appSynthErrors(app)).toEqual([]);
    for (const replica of key.replicaKeys) {
      const found = Annotations.fromStack(replica.stack).findWarning(`/${replica.node.path}`, Match.stringLikeRegexp('has imported key material \\(Origin EXTERNAL\\)\\. KMS does not copy imported material'));
      expect(found.length).toBeGreaterThan(0);
    }
  });

  test('AWS_KMS (the default) neither fails nor warns', () => {
    const { app, key } = primaryWithReplicas();
    (key.node.defaultChild as CfnKey).origin = 'AWS_KMS';
    expect(appSynthErrors(app)).toEqual([]);
    for (const replica of key.replicaKeys) {
      expect(Annotations.fromStack(replica.stack).findWarning('*', /imported key material/)).toEqual([]);
    }
  });
});

describe('synth checks on the replica\'s key policy', () => {
  test('fails if nobody could update the replica\'s policy: ReplicaKey has no bypass, even when the primary bypasses', () => {
    const app = new App();
    const key = new SecureKey(primaryStack(app), 'Key', { allowIamAdministration: false, bypassPolicyLockoutSafetyCheck: true, replicaRegions: ['eu-west-1'] });
    expect(appSynthErrors(app).join('\n')).toContain(`SecureKey replica ${key.replicaKey('eu-west-1').node.path}: no principal could update this replica's policy after deployment (no statement allows kms:PutKeyPolicy without conditions). The primary sets bypassPolicyLockoutSafetyCheck, but AWS::KMS::ReplicaKey has no such property, so KMS would reject this replica. Name at least one principal in 'administrators' (the deploying role among them) or keep 'allowIamAdministration' true.`);
  });

  test('fails if a statement added to the replica allows a wildcard principal unpinned', () => {
    const { app, key } = primaryWithReplicas();
    const replica = key.replicaKey('eu-west-1');
    replica.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['kms:DescribeKey'], resources: ['*'] }));
    expect(appSynthErrors(app).join('\n')).toMatch(/SecureKey replica Primary-replicas-eu-west-1\/ReplicaPrimaryKeyF7429BF2: key policy statement 5 \(Hash:[0-9a-f]{8}\) allows a wildcard principal that principals of any account can satisfy \(kms:DescribeKey/);
  });

  test('fails if a statement added to the replica allows a service principal without a scoping condition', () => {
    const { app, key } = primaryWithReplicas();
    key.replicaKey('eu-west-1').addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.ServicePrincipal('sns.amazonaws.com')], actions: ['kms:Decrypt'], resources: ['*'] }));
    expect(appSynthErrors(app).join('\n')).toMatch(/key policy statement 5 \(Hash:[0-9a-f]{8}\) allows the service principal sns\.amazonaws\.com without a condition that limits it to your resources/);
  });

  test('fails if a principal of the replica both administers and uses it', () => {
    const { app, key, adminRole } = primaryWithReplicas();
    const replica = key.replicaKey('eu-west-1');
    const stranger = iam.Role.fromRoleArn(replica.stack, 'Both', 'arn:aws:iam::111111111111:role/both');
    replica.grantAdmin(stranger);
    replica.grantDecrypt(stranger);
    expect(adminRole).toBeDefined();
    expect(appSynthErrors(app).join('\n')).toContain('principal arn:aws:iam::111111111111:role/both would both administer and use the key (it may call kms:Decrypt, kms:ReEncryptFrom).');
  });
});

describe('the multiRegion warning', () => {
  test('is on the key whenever multiRegion is on, and says a deployed key cannot be converted', () => {
    const { stack } = primaryWithReplicas();
    Annotations.fromStack(stack).hasWarning('/Primary/Key', Match.stringLikeRegexp('^multiRegion is on\\. KMS cannot convert an existing key: if this key is already deployed as a single-Region key, CloudFormation cannot update it'));
  });

  test('is acknowledgeable, and absent for single-Region keys', () => {
    const { stack, key } = primaryWithReplicas();
    CdkAnnotations.of(key).acknowledgeWarning('cdk-secure-key:multiRegionIsANewKey', 'created multi-Region from the start');
    expect(Annotations.fromStack(stack).findWarning('*', /multiRegion is on/)).toEqual([]);
    const single = new SecureKey(primaryStack(), 'Single');
    expect(Annotations.fromStack(Stack.of(single)).findWarning('*', /multiRegion is on/)).toEqual([]);
  });
});
