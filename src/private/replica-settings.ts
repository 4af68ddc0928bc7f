/**
 * Multi-Region keys: what a replica copies from its primary, the extra administrative actions, and the
 * checks on regions, accounts, specs and origins. Internal: the public API is SecureKey's
 * `multiRegion`/`replicaRegions`/`addReplica`/`replicaKey` and `SecureReplicaKey`.
 */
import { Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { GuardrailSettings } from './guardrail-statements';
import { constructError, SecureKeyConfigError } from './validation';

/** Moving the primary Region is administration; KMS checks it on the primary and on the replica. */
export const UPDATE_PRIMARY_REGION_ACTIONS = ['kms:UpdatePrimaryRegion'];

/** Replicating moves key material into another Region: allowed only into the key set's Regions. */
export const REPLICATE_KEY_ACTIONS = ['kms:ReplicateKey'];

/**
 * Origins CloudFormation can create (`AWS::KMS::Key` `Origin`): KMS key material, or imported material.
 * Keys in a custom key store (`AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`) can never be multi-Region.
 */
export const MULTI_REGION_ORIGINS = ['AWS_KMS', 'EXTERNAL'];

/** SM2 keys exist only in the China Regions (partition `aws-cn`). */
export const CHINA_ONLY_KEY_SPECS: string[] = [KeySpec.SM2];
export const CHINA_PARTITION = 'aws-cn';

const REPLICATE_SID = 'ReplicateIntoNamedRegions';

/** A Region name as AWS writes them (`us-east-1`, `us-gov-west-1`, `ap-southeast-2`). */
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** What a replica copies from its primary: the access model and the key's own settings. */
export interface ReplicaSource {
  readonly keySpec: KeySpec;
  readonly keyUsage: KeyUsage;
  readonly keyRotationEnabled: boolean;
  readonly description?: string;
  readonly enabled?: boolean;
  readonly tags: Record<string, string>;
  readonly pendingWindowInDays: number;
  readonly removalPolicy: RemovalPolicy;
  readonly administrators: iam.IGrantable[];
  readonly users: iam.IGrantable[];
  readonly allowIamAdministration: boolean;
  readonly administratorsCanCreateGrants: boolean;
  readonly allowAwsServicesOnBehalfOfUsers: boolean;
  /** Short or full service names as given; each replica expands them for its own Region. */
  readonly viaServices: string[];
  readonly allowAccountUseViaServices: string[];
  readonly bypassPolicyLockoutSafetyCheck: boolean;
  /** The primary's guardrail options; each replica writes the same Deny statements. */
  readonly guardrails: GuardrailSettings;
}

function fail(path: string, message: string): SecureKeyConfigError {
  return constructError('SecureKey', path, message);
}

/** A replica Region named in `replicaRegions`: a concrete Region name, not a token. */
export function checkRegionName(path: string, region: string): void {
  if (Token.isUnresolved(region)) {
    throw fail(path, "'replicaRegions' contains an unresolved token. Received: a token. Allowed: concrete Region names such as 'eu-west-1' "
      + '(a replica needs a stack in a known Region; CloudFormation cannot choose the Region at deploy time).');
  }
  if (!REGION_PATTERN.test(region)) {
    throw fail(path, `'replicaRegions' contains '${region}', which is not an AWS Region name. Allowed: Region names such as 'eu-west-1' or 'ap-southeast-2'.`);
  }
}

/** The stacks on both sides of a cross-Region reference need a concrete account and Region. */
export function checkConcreteEnv(path: string, stack: Stack, role: 'primary' | 'replica'): void {
  const missing = [Token.isUnresolved(stack.region) ? 'region' : undefined, Token.isUnresolved(stack.account) ? 'account' : undefined]
    .filter((m): m is string => m !== undefined);
  if (missing.length === 0) return;
  throw fail(path, `the ${role} key's stack ${stack.node.path} is environment-agnostic (no concrete ${missing.join(' or ')}). `
    + 'Multi-Region replicas need a concrete env ({ account, region }) on the primary\'s stack and on every replica stack: '
    + 'the replica references the primary\'s ARN across Regions, which CDK supports only between stacks with a known environment.');
}

/** The replica's stack: another Region, same account, same partition, cross-Region references on. */
export function checkReplicaStack(path: string, primary: Stack, replica: Stack, keySpec: KeySpec): void {
  checkConcreteEnv(path, primary, 'primary');
  checkConcreteEnv(path, replica, 'replica');
  if (replica.region === primary.region) {
    throw fail(path, `a replica cannot be in the primary key's own Region. Received: '${replica.region}' (stack ${replica.node.path}). `
      + `Allowed: any other Region of partition '${partitionOf(primary.region) ?? 'of the primary'}'; the primary already serves '${primary.region}'.`);
  }
  if (replica.account !== primary.account) {
    throw fail(path, `a replica must be in the primary key's account. Received: account ${replica.account} (stack ${replica.node.path}). `
      + `Allowed: ${primary.account}. KMS replicates a key only within its account; for another account, share the key through its key policy instead.`);
  }
  const primaryPartition = partitionOf(primary.region);
  const replicaPartition = partitionOf(replica.region);
  if (primaryPartition && replicaPartition && primaryPartition !== replicaPartition) {
    throw fail(path, `a replica must be in the primary key's partition. Received: '${replica.region}' (partition ${replicaPartition}). `
      + `Allowed: Regions of partition ${primaryPartition}, like the primary's '${primary.region}'.`);
  }
  if (CHINA_ONLY_KEY_SPECS.includes(keySpec) && replicaPartition !== undefined && replicaPartition !== CHINA_PARTITION) {
    throw fail(path, `keySpec '${keySpec}' cannot be replicated to '${replica.region}': ${keySpec} keys exist only in the China Regions `
      + `(partition ${CHINA_PARTITION}). Use an ECC or RSA key spec for replicas outside China.`);
  }
  // Read defensively: the flag is a constructor prop that aws-cdk-lib keeps on the stack without a public getter.
  const crossRegion = (replica as unknown as { _crossRegionReferences?: boolean })._crossRegionReferences;
  if (crossRegion === false) {
    throw fail(path, `the replica's stack ${replica.node.path} was created without crossRegionReferences. The replica reads the primary's ARN `
      + `from ${primary.node.path} in '${primary.region}'; create the stack with { crossRegionReferences: true } so CDK can pass it across Regions.`);
  }
}

/** The replica Region's partition, when aws-cdk-lib knows the Region. */
export function partitionOf(region: string): string | undefined {
  return Token.isUnresolved(region) ? undefined : RegionInfo.get(region).partition;
}

/** `Origin` set on the L1 key (SecureKey has no origin prop; escape hatches can set one). */
export function checkOrigin(path: string, origin: string | undefined): 'external' | 'kms' {
  if (origin === undefined || Token.isUnresolved(origin)) return 'kms';
  if (!MULTI_REGION_ORIGINS.includes(origin)) {
    throw fail(path, `a multi-Region key cannot have Origin '${origin}'. Received: '${origin}' (set on the L1 AWS::KMS::Key). `
      + `Allowed: ${MULTI_REGION_ORIGINS.join(' or ')}; keys in a custom key store (AWS_CLOUDHSM, EXTERNAL_KEY_STORE) are single-Region only.`);
  }
  return origin === 'EXTERNAL' ? 'external' : 'kms';
}

/** The statements multi-Region administration adds to a key of the set (primary or replica). */
export function multiRegionAdminStatements(administrators: iam.IPrincipal[], replicaRegions: string[] | undefined): iam.PolicyStatement[] {
  if (administrators.length === 0) return [];
  const statements = [new iam.PolicyStatement({
    sid: 'MultiRegionAdministration',
    principals: administrators,
    actions: UPDATE_PRIMARY_REGION_ACTIONS,
    resources: ['*'],
  })];
  if (replicaRegions !== undefined) {
    // kms:ReplicaRegion limits ReplicateKey only: key material moves into the Regions this app names, no others.
    statements.push(new iam.PolicyStatement({
      sid: REPLICATE_SID,
      principals: administrators,
      actions: REPLICATE_KEY_ACTIONS,
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ReplicaRegion': replicaRegions } },
    }));
  }
  return statements;
}

/**
 * The ARN of the replica of `keyId` in `region`, written in `stack`: related multi-Region keys share their key
 * ID. `account` is the key's account, by default `stack`'s.
 */
export function replicaArn(stack: Stack, region: string, keyId: string, account?: string): string {
  return stack.formatArn({ service: 'kms', region, account, resource: 'key', resourceName: keyId });
}

/** A replica as the primary tracks it. */
export interface ReplicaLike {
  readonly region: string;
  readonly node: { readonly path: string };
}

/**
 * What a replica needs of its primary key (a SecureKey), so that the replica construct depends on this
 * interface, not on the primary's class: its identity, its aliases, and its multi-Region set.
 */
export interface ReplicaPrimary<R extends ReplicaLike> {
  readonly node: { readonly path: string };
  readonly keyArn: string;
  readonly keyId: string;
  readonly aliasNames: string[];
  /** Undefined for a single-Region key. */
  readonly _replication?: Replication<R>;
}

/** The primary key's side of a multi-Region set: what replicas copy, and which replicas exist. */
export class Replication<R extends ReplicaLike> {
  private readonly replicas: R[] = [];
  private replicaRegions?: string[];

  constructor(
    private readonly primaryPath: string,
    private readonly primaryRegion: string,
    public readonly source: ReplicaSource,
    /** The principals that administer the set (the account's IAM when allowed, and the administrators). */
    private readonly administrators: iam.IPrincipal[],
    private readonly primaryPolicy: iam.PolicyDocument,
  ) {}

  /** Regions of the set: the primary's first, then each replica's. */
  public regions(): string[] {
    return [this.primaryRegion, ...this.replicas.map((r) => r.region)];
  }

  public all(): R[] {
    return [...this.replicas];
  }

  /** Fails for a second replica in a Region (KMS allows one per Region); otherwise records it. */
  public register(replica: R): void {
    const existing = this.replicas.find((r) => r.region === replica.region);
    if (existing) {
      throw fail(this.primaryPath, `already has a replica in '${replica.region}' (${existing.node.path}). Received: a second replica there (${replica.node.path}). `
        + 'Allowed: one replica per Region; use replicaKey(region) to get the existing one.');
    }
    this.replicas.push(replica);
    if (this.replicaRegions === undefined) {
      // The first replica adds ReplicateKey to the primary's policy, limited to the replicas' Regions.
      const regions: string[] = [];
      this.replicaRegions = regions;
      this.primaryPolicy.addStatements(...multiRegionAdminStatements(this.administrators, Lazy.list({ produce: () => [...regions] }))
        .filter((s) => s.sid === REPLICATE_SID));
    }
    this.replicaRegions.push(replica.region);
  }
}


/** Thrown when a replica is asked of a single-Region key. */
export function notMultiRegion(primary: { node: { path: string } }): SecureKeyConfigError {
  return fail(primary.node.path, "is a single-Region key, so it cannot have replicas. Set 'multiRegion: true' (or 'replicaRegions') on the key; "
    + 'for a key that is already deployed this means a new key: see the multiRegion prop.');
}

/** `replicaRegions` checked as given: Region names, none twice, not the primary's. */
export function checkReplicaRegions(path: string, primaryRegion: string, regions: string[]): void {
  const seen = new Set<string>();
  for (const region of regions) {
    checkRegionName(path, region);
    if (seen.has(region)) {
      throw fail(path, `'replicaRegions' contains a duplicate. Received: '${region}' twice. Allowed: each Region once (KMS allows one replica per Region).`);
    }
    seen.add(region);
    if (!Token.isUnresolved(primaryRegion) && region === primaryRegion) {
      throw fail(path, `'replicaRegions' contains the primary key's own Region. Received: '${region}'. Allowed: Regions other than '${primaryRegion}', `
        + 'where the primary already serves.');
    }
  }
}
