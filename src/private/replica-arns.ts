/**
 * Replica key ARNs for resources in other stacks of the app (a DynamoDB global table's replicas): written in
 * the caller's stack from the primary's key ID (related multi-Region keys share it), with the caller's stack
 * deploying after the replica's. Reading the replica's own `keyArn` instead would make the caller's stack
 * reference the replica's stack, which references the key's: from the key's own stack, a cycle.
 */
import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { replicaArn } from './replica-settings';
import { constructError } from './validation';

/** What this file needs of the primary key and its replicas (SecureKey, SecureReplicaKey). */
export interface ReplicaArnSource extends IConstruct {
  readonly keyId: string;
  readonly replicaKeys: ReadonlyArray<{ readonly region: string; readonly keyArn: string; readonly stack: Stack }>;
  replicaKey(region: string): { readonly region: string; readonly keyArn: string; readonly stack: Stack };
}

/** Whether `from` depends on `to`, directly or through other stacks. */
function dependsOn(from: Stack, to: Stack, seen = new Set<Stack>()): boolean {
  if (seen.has(from)) return false;
  seen.add(from);
  return from.dependencies.some((d) => d === to || dependsOn(d, to, seen));
}

/**
 * The ARN of the key's replica in `region`, for use by constructs of `scope`'s stack, which from now on
 * deploys after the replica's stack. In the replica's own stack, the replica's `keyArn`.
 */
export function replicaKeyArnFor(key: ReplicaArnSource, region: string, scope: IConstruct): string {
  const replica = key.replicaKey(region);
  const stack = Stack.of(scope);
  if (stack === replica.stack) return replica.keyArn;
  const keyStack = Stack.of(key);
  const call = `replicaKeyArn('${region}') for ${scope.node.path}`;
  if (stack === keyStack || dependsOn(keyStack, stack)) {
    const which = stack === keyStack ? "is the key's own stack" : "is a stack the key's stack depends on";
    throw constructError('SecureKey', key.node.path, `${call}: its stack ${stack.node.path} ${which}. The replica stacks deploy after the `
      + "key's stack, and a resource that uses a replica must deploy after the replica: it cannot be in the key's stack or in one the key's stack "
      + `depends on. Create it in another stack of the app (for example new Stack(app, 'Tables', { env: { account: '${keyStack.account}', `
      + `region: '${keyStack.region}' } })) and pass a construct of that stack as scope.`);
  }
  if (!Token.isUnresolved(stack.region) && !Token.isUnresolved(keyStack.region) && stack.region !== keyStack.region
    && (stack as unknown as { _crossRegionReferences?: boolean })._crossRegionReferences !== true) {
    throw constructError('SecureKey', key.node.path, `${call}: its stack ${stack.node.path} is in '${stack.region}', the key's stack in `
      + `'${keyStack.region}'. The ARN is built from the primary's key ID, which crosses Regions only with CDK's cross-Region references: create `
      + "the stack with { crossRegionReferences: true }, or use a stack of the key's Region.");
  }
  stack.addStackDependency(replica.stack, `${scope.node.path} uses the replica key of ${key.node.path} in '${region}'`);
  return replicaArn(stack, region, key.keyId, keyStack.account);
}

/**
 * The ARNs of all the key's replicas by Region, as `replicaKeyArnFor` gives them, except a replica in the
 * Region of `scope`'s stack (a resource's own Region takes the key itself, as DynamoDB's `replicaKeyArns`
 * requires).
 */
export function replicaKeyArnsFor(key: ReplicaArnSource, scope: IConstruct): Record<string, string> {
  const region = Stack.of(scope).region;
  const arns: Record<string, string> = {};
  for (const replica of key.replicaKeys) {
    if (replica.region !== region) arns[replica.region] = replicaKeyArnFor(key, replica.region, scope);
  }
  return arns;
}
