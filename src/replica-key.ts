import { Lazy, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { KeyGrantsWithConditions } from './key-grants';
import { KeyGrantOptions, accessModelStatements, adminActions, usageActions, viaServiceName } from './key-policy';
import { guardrailStatements } from './private/guardrail-statements';
import { keyPolicyProblems, SecureKeyBase } from './private/key-base';
import { checkReplicaStack, multiRegionAdminStatements, notMultiRegion, ReplicaPrimary, ReplicaSource, replicaArn } from './private/replica-settings';
// Type only, for the public signatures below (erased from the JavaScript): the construct itself works on
// ReplicaPrimary, what it needs of its primary.
import type { SecureKey } from './secure-key';

/** Properties of a SecureReplicaKey. */
export interface SecureReplicaKeyProps {
  // Typed SecureKey, not an interface, for users: only a SecureKey can be a primary (the replica copies its
  // access model, which no IKey exposes), a jsii interface cannot carry the internal multi-Region set, and
  // `replica.primary` gives users SecureKey's methods (replicaKey, replicaKeyArns). Changing it would change
  // the published API.
  /**
   * The multi-Region primary key to replicate (`multiRegion: true`). The replica copies its access model
   * (administrators, users, IAM administration, services on behalf of users, `viaServices` and
   * `allowAccountUseViaServices` expanded for the replica's Region), its aliases at the time the replica is
   * created, description, tags, enabled state, pending window and removal policy.
   */
  readonly primary: SecureKey;
}

/**
 * A multi-Region replica (`AWS::KMS::ReplicaKey`) of a SecureKey, in a stack of another Region of the same
 * account. It is an `IKey` of that Region: constructs of its stack (a Secrets Manager replica, a DynamoDB
 * table, an S3 bucket) can use it, and grants on it land in the replica's own key policy, which holds the
 * same opinions as the primary's (administrators manage and cannot use, users use and cannot manage, the
 * account's IAM may administer but not use, lockout guard).
 *
 * Key material, key spec, key usage and automatic rotation are shared with the primary: KMS rotates the
 * replica when it rotates the primary, and a replica has no rotation setting of its own.
 *
 * Usually made by `SecureKey.replicaRegions` or `SecureKey.addReplica(stack)`.
 */
export class SecureReplicaKey extends SecureKeyBase {
  public readonly keyArn: string;
  public readonly keyId: string;
  public readonly keySpec: kms.KeySpec;
  public readonly keyUsage: kms.KeyUsage;
  /** The replica's Region. */
  public readonly region: string;
  /** The primary key this replicates. */
  public readonly primary: SecureKey;
  /** Whether KMS rotates the key material: always the primary's setting (a shared property). */
  public readonly keyRotationEnabled: boolean;
  /** The replica's key policy; the same checks as the primary's run over it at synth. */
  public readonly keyPolicy: iam.PolicyDocument;
  protected readonly policy: iam.PolicyDocument;
  /** What the replica copied from its primary. */
  private readonly source: ReplicaSource;
  /** The key ID the replica shares with its primary. */
  private readonly primaryKeyId: string;

  constructor(scope: Construct, id: string, props: SecureReplicaKeyProps) {
    super(scope, id);
    const primary: ReplicaPrimary<SecureReplicaKey> = props.primary;
    const replication = primary._replication;
    if (!replication) throw notMultiRegion(primary);
    const source: ReplicaSource = replication.source;
    this.source = source;
    const stack = Stack.of(this);
    const primaryStack = Stack.of(props.primary);
    checkReplicaStack(primary.node.path, primaryStack, stack, source.keySpec);
    this.primary = props.primary;
    this.primaryKeyId = primary.keyId;
    this.region = stack.region;
    this.keySpec = source.keySpec;
    this.keyUsage = source.keyUsage;
    this.keyRotationEnabled = source.keyRotationEnabled;
    replication.register(this);

    const accountRoot = new iam.AccountRootPrincipal();
    const administrators = source.administrators.map((g) => g.grantPrincipal);
    const users = source.users.map((g) => g.grantPrincipal);
    this.policy = new iam.PolicyDocument({
      statements: accessModelStatements({
        keySpec: this.keySpec,
        keyUsage: this.keyUsage,
        accountRoot,
        administrators,
        users,
        allowIamAdministration: source.allowIamAdministration,
        administratorsCanCreateGrants: source.administratorsCanCreateGrants,
        allowAwsServicesOnBehalfOfUsers: source.allowAwsServicesOnBehalfOfUsers,
        usersViaServices: source.viaServices.map((s) => viaServiceName(s, this.region)),
        accountUseViaServices: source.allowAccountUseViaServices.map((s) => viaServiceName(s, this.region)),
        account: stack.account,
      }),
    });
    // After UpdatePrimaryRegion this replica becomes the primary: its administrators can then replicate it
    // into the other Regions of the set (never elsewhere), and move the primary back.
    const multiRegionAdmins = [...(source.allowIamAdministration ? [accountRoot] : []), ...administrators];
    const otherRegions = Lazy.list({ produce: () => replication.regions().filter((r) => r !== this.region) });
    this.policy.addStatements(...multiRegionAdminStatements(multiRegionAdmins, otherRegions));
    this.policy.addStatements(...guardrailStatements(source.guardrails, {
      path: this.node.path,
      account: stack.account,
      removalPolicy: source.removalPolicy,
      enabled: source.enabled ?? true,
      rotates: source.keyRotationEnabled,
      pendingWindowDays: source.pendingWindowInDays,
    }));
    this.keyPolicy = this.policy;

    // The primary's ARN crosses Regions through CDK's cross-Region references (crossRegionReferences on
    // this stack): an SSM parameter written in this Region by the primary's stack, read back here.
    const resource = new kms.CfnReplicaKey(this, 'Resource', {
      primaryKeyArn: primary.keyArn,
      keyPolicy: this._renderedPolicy(),
      description: source.description,
      enabled: source.enabled,
      pendingWindowInDays: source.pendingWindowInDays,
    });
    resource.applyRemovalPolicy(source.removalPolicy);
    this.keyArn = resource.attrArn;
    this.keyId = resource.attrKeyId;
    stack.addStackDependency(primaryStack, `the replica ${this.node.path} reads the primary key's ARN`);

    // The principals' IAM side, as for the primary: on the replica's ARN, built from the shared key ID in the
    // principals' own stack, so their stack does not depend on this one.
    const principalStackArn = (g: iam.IGrantable) => replicaArn(stackOfGrantee(g) ?? primaryStack, this.region, primary.keyId);
    for (const admin of source.administrators) {
      const actions = adminActions(source.administratorsCanCreateGrants);
      iam.Grant.addToPrincipal({ grantee: admin, actions, resourceArns: [principalStackArn(admin)] });
    }
    for (const user of source.users) {
      iam.Grant.addToPrincipal({ grantee: user, actions: usageActions(this.keySpec, this.keyUsage), resourceArns: [principalStackArn(user)] });
    }

    for (const [k, v] of Object.entries(source.tags)) Tags.of(this).add(k, v);
    for (const alias of primary.aliasNames) this.addAlias(alias);

    this.node.addValidation({ validate: () => this.checkPolicy() });
  }

  /**
   * The grant methods with conditions attached (an exact encryption context, required context keys,
   * `kms:ViaService` services of the replica's Region, a caller account), as `SecureKey.withConditions`.
   */
  public withConditions(conditions: KeyGrantOptions): KeyGrantsWithConditions {
    return new KeyGrantsWithConditions(this, conditions);
  }

  /**
   * CDK's grants object for the replica (`kms.KeyGrants`), writing every grant into the replica's key policy
   * as well as the grantee's IAM policy.
   */
  public get grants(): kms.KeyGrants {
    return kms.KeyGrants.fromKey(this, false);
  }

  /** @internal */
  protected _keyArnFor(grantee: iam.IGrantable): string {
    const granteeStack = stackOfGrantee(grantee);
    if (granteeStack === undefined || granteeStack === Stack.of(this)) return this.keyArn;
    return replicaArn(granteeStack, this.region, this.primaryKeyId);
  }

  /** @internal */
  protected _policySubject(): string {
    return `SecureKey replica ${this.node.path}`;
  }

  private checkPolicy(): string[] {
    const { policy, errors, memo } = this._renderedPolicyProblems();
    // AWS::KMS::ReplicaKey has no BypassPolicyLockoutSafetyCheck: KMS always checks that the deploying principal
    // can update the replica's policy, so the guard applies even when the primary bypasses it.
    const bypass = this.source.bypassPolicyLockoutSafetyCheck
      ? ' The primary sets bypassPolicyLockoutSafetyCheck, but AWS::KMS::ReplicaKey has no such property, so KMS would reject this replica.'
      : '';
    return [...errors, ...keyPolicyProblems(this, policy, `SecureKey replica ${this.node.path}`, () => '.',
      `no principal could update this replica's policy after deployment (no statement allows kms:PutKeyPolicy without conditions).${bypass} Name at least one principal in 'administrators' (the deploying role among them) or keep 'allowIamAdministration' true.`,
      this.source.administratorsCanCreateGrants, memo)];
  }

}

function stackOfGrantee(grantee: iam.IGrantable): Stack | undefined {
  const principal = grantee.grantPrincipal;
  return Construct.isConstruct(principal) ? Stack.of(principal) : undefined;
}
