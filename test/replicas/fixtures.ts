/** Builders shared by the multi-Region replica tests: a primary in us-east-1, replicas in eu-west-1 and ap-southeast-2. */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SecureKey, SecureKeyProps, SecureReplicaKey } from '../../src';
import { ACCOUNT, REGION } from '../support/secure-key-fixtures';

export { ACCOUNT, REGION };
export const REPLICA_REGIONS = ['eu-west-1', 'ap-southeast-2'];

export function primaryStack(app = new App(), id = 'Primary', props: StackProps = {}): Stack {
  return new Stack(app, id, { env: { account: ACCOUNT, region: REGION }, ...props });
}

export function regionStack(app: App, region: string, id = `App-${region}`, props: StackProps = {}): Stack {
  return new Stack(app, id, { env: { account: ACCOUNT, region }, crossRegionReferences: true, ...props });
}

export interface PrimaryWithReplicas {
  readonly app: App;
  readonly stack: Stack;
  readonly key: SecureKey;
  readonly adminRole: iam.Role;
  readonly appRole: iam.Role;
}

/** A primary with administrators, users, aliases, tags and the two replicas the key creates itself. */
export function primaryWithReplicas(props: SecureKeyProps = {}): PrimaryWithReplicas {
  const app = new App();
  const stack = primaryStack(app);
  const adminRole = new iam.Role(stack, 'AdminRole', { assumedBy: new iam.AccountRootPrincipal() });
  const appRole = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const key = new SecureKey(stack, 'Key', {
    description: 'orders, in every Region',
    aliases: ['orders'],
    tags: { team: 'payments' },
    administrators: [adminRole],
    users: [appRole],
    replicaRegions: REPLICA_REGIONS,
    ...props,
  });
  return { app, stack, key, adminRole, appRole };
}

export function templateOf(stack: Stack): { Resources: Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string }> } {
  return Template.fromStack(stack).toJSON() as never;
}

/** The replica's CloudFormation properties, as CloudFormation receives them. */
export function replicaPropsOf(replica: SecureReplicaKey): Record<string, any> {
  const stack = Stack.of(replica);
  return templateOf(stack).Resources[stack.getLogicalId(replica.node.defaultChild as never)].Properties;
}

/** Synth errors of the whole app (validation runs at synth), or [] when it synthesizes. */
export function appSynthErrors(app: App): string[] {
  try {
    app.synth();
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}
