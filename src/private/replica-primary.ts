/**
 * The primary key's side of multi-Region keys: turning `multiRegion`/`replicaRegions` into the L1 property,
 * the administrators' statements, the checks, and the replica stacks the key creates itself.
 */
import { Annotations, RemovalPolicy, Stack, Stage, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import type { GuardrailSettings } from './guardrail-statements';
import { checkConcreteEnv, checkOrigin, checkReplicaRegions, multiRegionAdminStatements, ReplicaLike, Replication } from './replica-settings';
import { propError } from './validation';

/** What this file needs of the primary key (SecureKey), so that it depends on no construct class. */
export interface MultiRegionPrimary<R extends ReplicaLike & IConstruct> extends IConstruct {
  readonly keyPolicy: iam.PolicyDocument;
  readonly keySpec: kms.KeySpec;
  readonly keyUsage: kms.KeyUsage;
  readonly replicaKeys: R[];
  addReplica(stack: Stack): R;
}

/** The primary's props that its replicas copy. */
export interface MultiRegionProps extends GuardrailSettings {
  readonly multiRegion?: boolean;
  readonly replicaRegions?: string[];
  readonly description?: string;
  readonly enabled?: boolean;
  readonly tags?: Record<string, string>;
  readonly removalPolicy?: RemovalPolicy;
  readonly administrators?: iam.IGrantable[];
  readonly users?: iam.IGrantable[];
  readonly administratorsCanCreateGrants?: boolean;
  readonly allowAwsServicesOnBehalfOfUsers?: boolean;
  readonly viaServices?: string[];
  readonly allowAccountUseViaServices?: string[];
  readonly bypassPolicyLockoutSafetyCheck?: boolean;
}

/** Settings SecureKey has already resolved (defaults applied, ranges checked). */
export interface ResolvedKeySettings {
  readonly keyRotationEnabled: boolean;
  readonly pendingWindowInDays: number;
  readonly allowIamAdministration: boolean;
}

/**
 * Makes the key a multi-Region primary when asked, and returns its replica set (undefined for a
 * single-Region key). Replicas are added afterwards, once the key is complete (aliases included).
 */
export function setUpMultiRegion<R extends ReplicaLike & IConstruct>(
  key: MultiRegionPrimary<R>, resource: kms.CfnKey, props: MultiRegionProps, settings: ResolvedKeySettings,
): Replication<R> | undefined {
  const path = key.node.path;
  const replicaRegions = props.replicaRegions ?? [];
  if (props.multiRegion === false && replicaRegions.length > 0) {
    throw propError(path, 'replicaRegions', 'needs a multi-Region key, and multiRegion is false', replicaRegions.join(', '),
      "'multiRegion' true or unset with replicaRegions; or no replicaRegions for a single-Region key");
  }
  const multiRegion = props.multiRegion ?? replicaRegions.length > 0;
  if (!multiRegion) return undefined;

  const stack = Stack.of(key);
  if (replicaRegions.length > 0) checkConcreteEnv(path, stack, 'primary');
  checkReplicaRegions(path, stack.region, replicaRegions);
  resource.multiRegion = true;

  const administrators = [
    ...(settings.allowIamAdministration ? [new iam.AccountRootPrincipal()] : []),
    ...(props.administrators ?? []).map((g) => g.grantPrincipal),
  ];
  key.keyPolicy.addStatements(...multiRegionAdminStatements(administrators, undefined));

  Annotations.of(key).addWarningV2('cdk-secure-key:multiRegionIsANewKey',
    'multiRegion is on. KMS cannot convert an existing key: if this key is already deployed as a single-Region key, CloudFormation '
    + 'cannot update it, and a multi-Region key is a new key (new construct id) whose new key material cannot decrypt what the old key '
    + 'encrypted. Keep the old key (RemovalPolicy.RETAIN) until its data is re-encrypted. Acknowledge this warning once the key was created multi-Region.');

  // Origin can only be set on the L1 (escape hatch), possibly after this constructor: check it at synth.
  key.node.addValidation({
    validate: () => {
      try {
        if (checkOrigin(path, resource.origin) === 'external') {
          for (const replica of key.replicaKeys) {
            Annotations.of(replica).addWarningV2('cdk-secure-key:replicaNeedsImportedKeyMaterial',
              `The primary ${path} has imported key material (Origin EXTERNAL). KMS does not copy imported material: this replica is `
              + 'created without key material (PendingImport) and cannot be used until you import the same key material into it.');
          }
        }
        return [];
      } catch (e) {
        return [(e as Error).message];
      }
    },
  });

  return new Replication<R>(path, stack.region, {
    keySpec: key.keySpec,
    keyUsage: key.keyUsage,
    keyRotationEnabled: settings.keyRotationEnabled,
    description: props.description,
    enabled: props.enabled,
    tags: { ...(props.tags ?? {}) },
    pendingWindowInDays: settings.pendingWindowInDays,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    administrators: props.administrators ?? [],
    users: props.users ?? [],
    allowIamAdministration: settings.allowIamAdministration,
    administratorsCanCreateGrants: props.administratorsCanCreateGrants ?? false,
    allowAwsServicesOnBehalfOfUsers: props.allowAwsServicesOnBehalfOfUsers ?? false,
    viaServices: props.viaServices ?? [],
    allowAccountUseViaServices: props.allowAccountUseViaServices ?? [],
    bypassPolicyLockoutSafetyCheck: props.bypassPolicyLockoutSafetyCheck ?? false,
    guardrails: props,
  }, administrators, key.keyPolicy);
}

/**
 * A replica in a stack the key creates: one stack per primary stack and Region
 * (`<primary stack id>-replicas-<region>`), shared by the replicas of that stack's keys.
 */
export function addReplicaInRegion<R extends ReplicaLike & IConstruct>(key: MultiRegionPrimary<R>, region: string): R {
  const primaryStack = Stack.of(key);
  const scope = Stage.of(primaryStack) ?? primaryStack.node.root;
  const id = `${primaryStack.node.id}-replicas-${region}`;
  const existing = scope.node.tryFindChild(id);
  let stack: Stack;
  if (existing === undefined) {
    stack = new Stack(scope, id, { env: { account: primaryStack.account, region }, crossRegionReferences: true });
  } else if (Stack.isStack(existing) && !Token.isUnresolved(existing.region) && existing.region === region) {
    stack = existing;
  } else {
    throw propError(key.node.path, 'replicaRegions', `needs the construct id '${id}' for the replica stack, and another construct has it`,
      region, 'a free id; or create the stack yourself and call addReplica(stack)');
  }
  return key.addReplica(stack);
}
