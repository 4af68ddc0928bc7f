/**
 * Replica key ARNs for resources of other stacks (a DynamoDB global table): built in the caller's stack from
 * the primary's key ID, with the caller's stack deploying after the replica's, and no cycle.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { ACCOUNT, appSynthErrors, primaryStack, primaryWithReplicas, regionStack, REGION } from './fixtures';
import { SecureKey } from '../../src';

function tablesStack(app: App, id = 'Tables', props = {}): Stack {
  return new Stack(app, id, { env: { account: ACCOUNT, region: REGION }, ...props });
}

function globalTable(stack: Stack, key: SecureKey): dynamodb.TableV2 {
  return new dynamodb.TableV2(stack, 'Global', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    encryption: dynamodb.TableEncryptionV2.customerManagedKey(key, key.replicaKeyArns(stack)),
    replicas: [{ region: 'eu-west-1' }, { region: 'ap-southeast-2' }],
  });
}

describe('replicaKeyArn / replicaKeyArns', () => {
  test("is the replica's ARN written from the primary's key ID in the caller's stack, which deploys after the replica's", () => {
    const { app, stack, key } = primaryWithReplicas({ allowAccountUseViaServices: ['dynamodb'] });
    const tables = tablesStack(app);
    const arn = key.replicaKeyArn('eu-west-1', tables);
    expect(tables.resolve(arn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:kms:eu-west-1:${ACCOUNT}:key/`, expect.anything()]],
    });
    const euStack = key.replicaKey('eu-west-1').stack;
    expect(tables.dependencies).toEqual([euStack]);
    // The replica's stack does not depend on the table's, nor the key's stack on either.
    expect(euStack.dependencies).toEqual([stack]);
    expect(stack.dependencies).toEqual([]);
  });

  test('a global table in a stack of its own synthesizes: no cycle, every replica Region but the table\'s own', () => {
    const { app, stack, key } = primaryWithReplicas({ allowAccountUseViaServices: ['dynamodb'] });
    const tables = tablesStack(app);
    expect(Object.keys(key.replicaKeyArns(tables))).toEqual(['eu-west-1', 'ap-southeast-2']);
    globalTable(tables, key);
    expect(appSynthErrors(app)).toEqual([]);
    const replicas = Template.fromStack(tables).findResources('AWS::DynamoDB::GlobalTable');
    const spec = Object.values(replicas)[0].Properties.Replicas as Array<{ Region: string; SSESpecification: { KMSMasterKeyId: unknown } }>;
    const eu = JSON.stringify(tables.resolve(spec.find((r) => r.Region === 'eu-west-1')!.SSESpecification.KMSMasterKeyId));
    expect(eu).toContain(':kms:eu-west-1:');
    expect(eu).not.toContain('Replica'); // no reference to the replica stack's resources
    expect(tables.dependencies.map((s) => s.node.id).sort()).toEqual(key.replicaKeys.map((r) => r.stack.node.id).sort().concat(stack.node.id).sort());
  });

  test("in a stack of a replica's Region, that replica is left out (the table takes the key itself there)", () => {
    const { app, key } = primaryWithReplicas();
    const eu = regionStack(app, 'eu-west-1', 'EuTables');
    expect(Object.keys(key.replicaKeyArns(eu))).toEqual(['ap-southeast-2']);
  });

  test("in the replica's own stack, the replica's keyArn", () => {
    const { key } = primaryWithReplicas();
    const replica = key.replicaKey('eu-west-1');
    expect(key.replicaKeyArn('eu-west-1', replica)).toBe(replica.keyArn);
  });

  test("fails in the key's own stack, naming the caller and what to do", () => {
    const { stack, key } = primaryWithReplicas();
    expect(() => key.replicaKeyArns(stack)).toThrow("SecureKey Primary/Key: replicaKeyArn('eu-west-1') for Primary: its stack Primary is the key's own stack. "
      + "The replica stacks deploy after the key's stack, and a resource that uses a replica must deploy after the replica: it cannot be in the key's "
      + `stack or in one the key's stack depends on. Create it in another stack of the app (for example new Stack(app, 'Tables', { env: { account: '${ACCOUNT}', `
      + `region: '${REGION}' } })) and pass a construct of that stack as scope.`);
  });

  test("fails in a stack the key's stack depends on", () => {
    const app = new App();
    const stack = primaryStack(app);
    const before = tablesStack(app, 'Before');
    stack.addStackDependency(before, 'the test');
    const key = new SecureKey(stack, 'Key', { replicaRegions: ['eu-west-1'] });
    expect(() => key.replicaKeyArn('eu-west-1', before)).toThrow("its stack Before is a stack the key's stack depends on");
  });

  test('fails in a stack of another Region without crossRegionReferences, and for a Region without a replica', () => {
    const { app, key } = primaryWithReplicas();
    const other = new Stack(app, 'Frankfurt', { env: { account: ACCOUNT, region: 'eu-central-1' } });
    expect(() => key.replicaKeyArn('eu-west-1', other)).toThrow("its stack Frankfurt is in 'eu-central-1', the key's stack in 'us-east-1'");
    expect(() => key.replicaKeyArn('eu-north-1', tablesStack(app))).toThrow("has no replica in 'eu-north-1'");
  });
});
