import { Annotations, Aws, Duration, Names, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { DeletionProtection, NetworkPerimeter, OrganizationPerimeter } from './guardrails';
import { KeyAudit, KeyAuditOptions } from './key-audit';
import { KeyGrantsWithConditions } from './key-grants';
import {
  KeyGrantOptions, accessModelStatements, adminActions, cloudTrailStatements, cloudWatchLogsStatement, serviceDataKeyStatement,
  usageActions, viaServiceName,
} from './key-policy';
import { registerSecureKeyClass } from './private/audit-key';
import { recordCompliance } from './private/compliance';
import { emitComplianceMap } from './private/compliance-map';
import { keyPolicyPrincipal } from './private/cross-stack';
import { guardrailComplianceRecords, guardrailStatements } from './private/guardrail-statements';
import { keyPolicyProblems, SecureKeyBase } from './private/key-base';
import { keyComplianceRecords } from './private/key-compliance';
import { replicaKeyArnFor, replicaKeyArnsFor } from './private/replica-arns';
import { addReplicaInRegion, setUpMultiRegion } from './private/replica-primary';
import { Replication } from './private/replica-settings';
import { serviceConsumerProblems } from './private/service-consumers';
import {
  canRotate, checkAlias, checkDays, Described, durationDays, KEY_SPECS_BY_USAGE, normalizeAlias, PENDING_WINDOW_DAYS, propError,
  rangeText, ROTATION_PERIOD_DAYS, SecureKeyConfigError,
} from './private/validation';
import { SecureReplicaKey } from './replica-key';
import { AutoScalingAccessOptions, autoScalingStatements } from './services/auto-scaling';

/** Properties of a SecureKey. */
export interface SecureKeyProps {
  /**
   * A description of the key and what it protects.
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * Alias names for the key. The `alias/` prefix is optional (`orders` and `alias/orders` are the same
   * alias); names may not start with `alias/aws/`.
   *
   * @default - no aliases
   */
  readonly aliases?: string[];

  /**
   * The type of key material. Changing it replaces the key.
   *
   * @default KeySpec.SYMMETRIC_DEFAULT
   */
  readonly keySpec?: kms.KeySpec;

  /**
   * What the key is for; decides what `users` may do. Changing it replaces the key.
   *
   * @default KeyUsage.ENCRYPT_DECRYPT
   */
  readonly keyUsage?: kms.KeyUsage;

  /**
   * Whether the key is enabled. A disabled key cannot be used until an administrator enables it.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Tags for the key.
   *
   * @default - no tags
   */
  readonly tags?: Record<string, string>;

  /**
   * Rotate the key material automatically. KMS rotates only symmetric encryption keys
   * (`SYMMETRIC_DEFAULT` with `ENCRYPT_DECRYPT`); `true` on any other key fails synth.
   *
   * @default - true for symmetric encryption keys, false for all other keys
   */
  readonly enableKeyRotation?: boolean;

  /**
   * How often KMS rotates the key material, from 90 to 2560 days. Needs rotation.
   *
   * @default Duration.days(365) when rotation is on
   */
  readonly rotationPeriod?: Duration;

  /**
   * How long KMS waits before deleting the key once its deletion is scheduled, from 7 to 30 days.
   *
   * @default Duration.days(30)
   */
  readonly pendingWindow?: Duration;

  /**
   * What happens to the key when it leaves the stack or the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Principals that manage the key (policy, aliases, rotation, enable/disable, tags, deletion, list and
   * revoke grants) and cannot use it: no Encrypt, Decrypt, GenerateDataKey, ReEncrypt, Sign or
   * GenerateMac, and no CreateGrant unless `administratorsCanCreateGrants` is set. (Being able to call
   * PutKeyPolicy, an administrator could first rewrite the key policy; CloudTrail records that.)
   *
   * @default - no named administrators (the account administers the key through IAM, see `allowIamAdministration`)
   */
  readonly administrators?: iam.IGrantable[];

  /**
   * Principals that use the key for what its key usage allows (encrypt, decrypt and data keys for
   * symmetric keys; sign and verify for signing keys; MACs for HMAC keys) and nothing administrative.
   *
   * @default - no users; add them later with the grant methods
   */
  readonly users?: iam.IGrantable[];

  /**
   * Let IAM policies in this account administer the key: the key policy allows the account the
   * administrative actions (never use of the key). This keeps CloudFormation able to update the key and
   * stops a deleted administrator role from locking it. Set to `false` to restrict administration to
   * `administrators` alone; the role that deploys the stack must then be one of them.
   *
   * @default true
   */
  readonly allowIamAdministration?: boolean;

  /**
   * Let `administrators` create grants. A grant can give its holder use of the key, so this lets an
   * administrator give themselves use of the key.
   *
   * @default false
   */
  readonly administratorsCanCreateGrants?: boolean;

  /**
   * Let AWS services use the key on the users' behalf: users may create, list and revoke grants only
   * for AWS resources (`kms:GrantIsForAWSResource`), as EBS, RDS and other integrated services need.
   * With `viaServices`, only through those services.
   *
   * @default false
   */
  readonly allowAwsServicesOnBehalfOfUsers?: boolean;

  /**
   * Let `users` use the key only through these AWS services (`kms:ViaService`). Short names (`s3`,
   * `sns`) become `<name>.<region>.amazonaws.com`; values with a dot are used as given.
   *
   * @default - users may call KMS directly and through any service
   */
  readonly viaServices?: string[];

  /**
   * Let the account's IAM principals use the key only through these AWS services (`kms:ViaService`, and
   * `kms:CallerAccount` this account), as DynamoDB, RDS, EBS, EFS and Lambda need: the principal that creates the
   * encrypted resource (CloudFormation's role) and the ones that use it call KMS through the service.
   * Gives `Decrypt`, `GenerateDataKey`, `GenerateDataKeyWithoutPlaintext`, `DescribeKey`, and `CreateGrant`
   * only with `kms:GrantIsForAWSResource`; never direct use. Their IAM policies must allow it as well.
   * `lambda` (a function's `environmentEncryption`) also gives `Encrypt` through Lambda alone: whoever
   * creates or updates the function encrypts its environment variables with `kms:Encrypt` and lets Lambda
   * decrypt them with a grant, as the AWS managed key `aws/lambda` allows. The same prop as for DynamoDB,
   * rather than a preset, because what differs is only which actions the service calls; no other service
   * gets `Encrypt`. Short names (`dynamodb`, `rds`, `ec2`, `elasticfilesystem`, `lambda`) become
   * `<name>.<region>.amazonaws.com`; values with a dot are used as given.
   *
   * @default - none: the account's IAM principals cannot use the key, directly or through a service
   */
  readonly allowAccountUseViaServices?: string[];

  /**
   * Skip KMS's check that the principal creating the key can update its policy afterwards, and
   * SecureKey's matching synth-time lockout guard. Only for policies whose administrators are
   * intentionally outside this deployment; a wrong policy can make the key unmanageable.
   *
   * @default false
   */
  readonly bypassPolicyLockoutSafetyCheck?: boolean;

  /**
   * Audit the key with CloudTrail: a trail (created, or an existing one), an alarm on DisableKey and
   * ScheduleKeyDeletion of this key, an EventBridge rule on its sensitive events, both to an encrypted
   * topic (`alarmEmails` subscribes addresses), optionally a scheduled usage report. A `KeyAudit` named
   * `<id>Audit` is created beside the key, with its own audit key (never this one). `{}` gives the defaults.
   *
   * @default - no auditing
   */
  readonly audit?: KeyAuditOptions;

  // ---- Guardrails (Deny statements in the key policy; see docs/guardrails.md) ----

  /**
   * Deny every KMS action on the key to principals outside an AWS Organization or some of its OUs
   * (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`). AWS service principals are exempt, and calls AWS
   * services make for principals inside the organization are unaffected.
   *
   * @default - no organization perimeter
   */
  readonly organizationPerimeter?: OrganizationPerimeter;

  /**
   * Deny use of the key (cryptographic operations and CreateGrant) from outside named VPC endpoints, VPCs
   * or IP ranges. AWS services, calls through AWS services and service-linked roles are exempt;
   * administration is not covered.
   *
   * @default - no network perimeter
   */
  readonly networkPerimeter?: NetworkPerimeter;

  /**
   * Deny `ScheduleKeyDeletion`, `DisableKey`, `DeleteImportedKeyMaterial` (and `DisableKeyRotation` on a
   * key that rotates) to everyone but the named break-glass principals. Synth fails with
   * `removalPolicy` other than RETAIN or `enabled: false`, which CloudFormation could then not carry out.
   *
   * @default - no deletion protection
   */
  readonly deletionProtection?: DeletionProtection;

  /**
   * Deny `ScheduleKeyDeletion` with a waiting period shorter than this
   * (`kms:ScheduleKeyDeletionPendingWindowInDays`), to everyone. 7 to 30 days.
   *
   * @default - any waiting period KMS accepts (7 to 30 days)
   */
  readonly minimumPendingWindow?: Duration;

  // ---- Multi-Region keys ----

  /**
   * Make the key a multi-Region primary key (`MultiRegion`), which can have replicas in other Regions of the
   * same account and partition. KMS cannot convert a key: on a key that is already deployed, turning this on
   * (or off) cannot update it. CloudFormation fails the update, and the only way to a multi-Region key is a
   * new key with new key material (a new construct id), which cannot decrypt what the old key encrypted:
   * keep the old key (`RemovalPolicy.RETAIN`) until its data is re-encrypted under the new one. Synth warns
   * (`cdk-secure-key:multiRegionIsANewKey`) whenever this is on; acknowledge the warning once the key was
   * created multi-Region.
   *
   * @default - true when `replicaRegions` is set, false otherwise
   */
  readonly multiRegion?: boolean;

  /**
   * Regions in which to create a replica (`AWS::KMS::ReplicaKey`), each in a stack of that Region that the
   * key creates in the same app (`<primary stack id>-replicas-<region>`, with the primary's account and
   * `crossRegionReferences: true`); use `replicaKey(region).stack` to add resources there. To put a replica in
   * a stack of your own, call `addReplica(stack)` instead. Needs a concrete env on the key's stack. Makes the
   * key multi-Region (see `multiRegion`).
   *
   * @default - no replicas
   */
  readonly replicaRegions?: string[];
}

/** Options for `allowCloudWatchLogs`. */
export interface CloudWatchLogsAccessOptions {
  /**
   * Names of the log groups that may use the key (must be known at synth or be tokens of another
   * stack: a log group in this stack with a generated name would depend on the key and the key on it).
   *
   * @default - every log group in the key's account and region
   */
  readonly logGroupNames?: string[];
}

/** Options for `allowCloudTrail`. */
export interface CloudTrailAccessOptions {
  /** The name of the trail that writes encrypted log files. */
  readonly trailName: string;

  /**
   * The trail's home region.
   *
   * @default - the key's region
   */
  readonly trailRegion?: string;
}

/** Options for the service-principal helpers (`allowEventBridge`, `allowSns`, `allowS3`). */
export interface ServiceAccessOptions {
  /**
   * Also require that the service principal use the key through these services (`kms:ViaService`); short
   * names such as `sqs` become `sqs.<region>.amazonaws.com`. Opt-in: AWS does not document
   * `kms:ViaService` for these service principals, so test deliveries before relying on it.
   *
   * @default - no kms:ViaService condition
   */
  readonly viaServices?: string[];

  /**
   * The account whose resources may use this access (`aws:SourceAccount`), against confused deputies.
   *
   * @default - the key's account
   */
  readonly sourceAccount?: string;

  /**
   * ARNs (wildcards allowed) of the resources that may use this access (`aws:SourceArn`).
   *
   * @default - any resource of `sourceAccount`
   */
  readonly sourceArns?: string[];
}

/**
 * A KMS key that is secure by default: administrators manage it and cannot use it, users use it and
 * cannot manage it, the account's IAM cannot grant use of it, services get only what they need, with
 * conditions. It is an `IKey`: pass it anywhere CDK takes a key; CDK's grants land in its key policy.
 */
export class SecureKey extends SecureKeyBase {
  public readonly keyArn: string;
  public readonly keyId: string;
  public readonly keySpec: kms.KeySpec;
  public readonly keyUsage: kms.KeyUsage;
  /** Whether KMS rotates the key material automatically. */
  public readonly keyRotationEnabled: boolean;
  /** The key policy; SecureKey's checks run over it at synth. */
  public readonly keyPolicy: iam.PolicyDocument;
  protected readonly policy: iam.PolicyDocument;
  private readonly bypassLockoutCheck: boolean;
  private readonly allowIamAdministration: boolean;
  /** The CloudTrail audit of this key (trail, alarms, event rule), when the `audit` prop is set. */
  public readonly audit?: KeyAudit;
  /** Log group ARNs of the one CloudWatch Logs statement (created by the first allowCloudWatchLogs). */
  private cloudWatchLogGroupArns?: string[];
  /** Whether the key is a multi-Region primary key. */
  public readonly multiRegion: boolean;
  /**
   * The multi-Region set: what replicas copy and which exist (undefined for a single-Region key).
   *
   * @internal
   */
  public readonly _replication?: Replication<SecureReplicaKey>;

  constructor(scope: Construct, id: string, props: SecureKeyProps = {}) {
    super(scope, id);
    const path = this.node.path;
    this.keySpec = props.keySpec ?? kms.KeySpec.SYMMETRIC_DEFAULT;
    this.keyUsage = props.keyUsage ?? kms.KeyUsage.ENCRYPT_DECRYPT;

    const allowedSpecs = KEY_SPECS_BY_USAGE[this.keyUsage];
    if (allowedSpecs === undefined) {
      throw propError(path, 'keyUsage', 'is not a KMS key usage', this.keyUsage, Object.keys(KEY_SPECS_BY_USAGE).join(', '));
    }
    if (!allowedSpecs.includes(this.keySpec)) {
      throw propError(path, 'keySpec', `is not valid with keyUsage '${this.keyUsage}'`, this.keySpec,
        `for ${this.keyUsage}: ${allowedSpecs.join(', ')}`);
    }

    const rotatable = canRotate(this.keySpec, this.keyUsage);
    if (props.enableKeyRotation === true && !rotatable) {
      throw propError(path, 'enableKeyRotation', `cannot be true for a '${this.keySpec}' key with keyUsage '${this.keyUsage}'`, true,
        `true only for keySpec '${kms.KeySpec.SYMMETRIC_DEFAULT}' with keyUsage '${kms.KeyUsage.ENCRYPT_DECRYPT}' (the only keys KMS rotates); otherwise false or unset`);
    }
    this.keyRotationEnabled = props.enableKeyRotation ?? rotatable;

    let rotationPeriodInDays: number | undefined;
    if (props.rotationPeriod !== undefined) {
      if (!this.keyRotationEnabled) {
        throw propError(path, 'rotationPeriod', 'needs key rotation, which is off for this key',
          new Described(`${props.rotationPeriod.toHumanString()} with enableKeyRotation ${props.enableKeyRotation ?? `unset (off for a '${this.keySpec}' key)`}`),
          `rotationPeriod only with rotation on (symmetric encryption keys, enableKeyRotation unset or true), from ${rangeText(ROTATION_PERIOD_DAYS, 'days')}`);
      }
      rotationPeriodInDays = checkDays(path, 'rotationPeriod', props.rotationPeriod, ROTATION_PERIOD_DAYS)
        ?? props.rotationPeriod.toDays({ integral: false });
    } else if (this.keyRotationEnabled) {
      rotationPeriodInDays = ROTATION_PERIOD_DAYS.default;
    }

    const pendingWindow = props.pendingWindow ?? Duration.days(PENDING_WINDOW_DAYS.default);
    const pendingWindowInDays = checkDays(path, 'pendingWindow', pendingWindow, PENDING_WINDOW_DAYS)
      ?? pendingWindow.toDays({ integral: false });

    const aliases = (props.aliases ?? []).map(normalizeAlias);
    const seen = new Set<string>();
    for (const alias of aliases) {
      checkAlias(path, alias);
      if (!Token.isUnresolved(alias)) {
        if (seen.has(alias)) {
          throw propError(path, 'aliases', 'contains a duplicate', alias,
            `each alias once ('${alias.slice(6)}' and '${alias}' name the same alias)`);
        }
        seen.add(alias);
      }
    }

    this.bypassLockoutCheck = props.bypassPolicyLockoutSafetyCheck ?? false;
    this.allowIamAdministration = props.allowIamAdministration ?? true;
    // Principals of other stacks get their own statements, written by the grant path (see cross-stack.ts).
    const isLocal = (g: iam.IGrantable) => !keyPolicyPrincipal(this, g).crossStack;
    const administrators = (props.administrators ?? []).filter(isLocal);
    const users = (props.users ?? []).filter(isLocal);
    const region = Stack.of(this).region;
    const accountUseViaServices = props.allowAccountUseViaServices ?? [];
    for (const service of accountUseViaServices) {
      if (!Token.isUnresolved(service) && service.trim() === '') {
        throw propError(path, 'allowAccountUseViaServices', 'contains an empty service name', service,
          "short service names such as 'dynamodb', 'rds', 'ec2', 'elasticfilesystem', or full kms:ViaService values");
      }
    }

    this.policy = new iam.PolicyDocument({
      statements: accessModelStatements({
        keySpec: this.keySpec,
        keyUsage: this.keyUsage,
        accountRoot: new iam.AccountRootPrincipal(),
        administrators: administrators.map((g) => g.grantPrincipal),
        users: users.map((g) => g.grantPrincipal),
        allowIamAdministration: this.allowIamAdministration,
        administratorsCanCreateGrants: props.administratorsCanCreateGrants ?? false,
        allowAwsServicesOnBehalfOfUsers: props.allowAwsServicesOnBehalfOfUsers ?? false,
        usersViaServices: (props.viaServices ?? []).map((s) => viaServiceName(s, region)),
        accountUseViaServices: accountUseViaServices.map((s) => viaServiceName(s, region)),
        account: Stack.of(this).account,
      }),
    });
    this.keyPolicy = this.policy;
    this.policy.addStatements(...guardrailStatements(props, {
      path,
      account: Stack.of(this).account,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      enabled: props.enabled ?? true,
      rotates: this.keyRotationEnabled,
      pendingWindowDays: durationDays(pendingWindow),
    }));

    const resource = new kms.CfnKey(this, 'Resource', {
      description: props.description,
      keySpec: this.keySpec,
      keyUsage: this.keyUsage,
      enabled: props.enabled,
      enableKeyRotation: this.keyRotationEnabled,
      rotationPeriodInDays,
      pendingWindowInDays,
      keyPolicy: this._renderedPolicy(),
      bypassPolicyLockoutSafetyCheck: props.bypassPolicyLockoutSafetyCheck,
    });
    resource.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.keyArn = resource.attrArn;
    this.keyId = resource.ref;

    // The access model's statements are already in the key policy; the principals' IAM side mirrors
    // them on the key ARN, as a grant would.
    for (const admin of administrators) {
      iam.Grant.addToPrincipal({ grantee: admin, actions: adminActions(props.administratorsCanCreateGrants ?? false), resourceArns: [this.keyArn] });
    }
    for (const user of users) {
      iam.Grant.addToPrincipal({ grantee: user, actions: usageActions(this.keySpec, this.keyUsage), resourceArns: [this.keyArn] });
    }
    for (const admin of (props.administrators ?? []).filter((g) => !isLocal(g))) {
      this._grantActions(admin, adminActions(props.administratorsCanCreateGrants ?? false), undefined);
    }
    for (const user of (props.users ?? []).filter((g) => !isLocal(g))) {
      this._grantActions(user, usageActions(this.keySpec, this.keyUsage), undefined);
    }

    // Compliance evidence: which settings satisfy which control, in the template's Metadata.
    recordCompliance(this, keyComplianceRecords({
      rotatable,
      rotationEnabled: this.keyRotationEnabled,
      pendingWindowDays: durationDays(pendingWindow),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      allowIamAdministration: this.allowIamAdministration,
      administratorsCanCreateGrants: props.administratorsCanCreateGrants ?? false,
      bypassPolicyLockoutSafetyCheck: this.bypassLockoutCheck,
    }));
    recordCompliance(this, guardrailComplianceRecords(props));
    emitComplianceMap(Stack.of(this));

    for (const [k, v] of Object.entries(props.tags ?? {})) Tags.of(this).add(k, v);
    for (const alias of aliases) this.addAlias(alias);

    if (!this.allowIamAdministration) {
      Annotations.of(this).addWarningV2('cdk-secure-key:deployRoleMustAdminister', 'Only the named administrators can change this key. The role that deploys this stack (for example the CDK deploy role) must be one of them, or CloudFormation cannot create or update the key.');
    }
    this.node.addValidation({ validate: () => this.checkPolicy(props.administratorsCanCreateGrants ?? false) });
    this.node.addValidation({ validate: () => serviceConsumerProblems(resource, `SecureKey ${path}`, Stack.of(this).resolve(this.policy.toJSON())) });

    // ---- Multi-Region primary and replicas ----
    this._replication = setUpMultiRegion(this, resource, props, {
      keyRotationEnabled: this.keyRotationEnabled,
      pendingWindowInDays,
      allowIamAdministration: this.allowIamAdministration,
    });
    this.multiRegion = this._replication !== undefined;
    for (const replicaRegion of props.replicaRegions ?? []) addReplicaInRegion(this, replicaRegion);

    // Beside the key, not inside it: the key's tags and removal policy are not the audit's.
    if (props.audit !== undefined) this.audit = new KeyAudit(scope, `${id}Audit`, { ...props.audit, keys: [this] });
  }

  /**
   * Creates a replica of this multi-Region key in `stack`, a stack of another Region of the same account
   * created with `crossRegionReferences: true` and a concrete env. Constructs of that stack can use the
   * replica, and their grants land in its key policy.
   */
  public addReplica(stack: Stack): SecureReplicaKey {
    return new SecureReplicaKey(stack, `Replica${Names.uniqueId(this)}`, { primary: this });
  }

  /** The replica of this key in `region`, an `IKey` of that Region; fails if there is none. */
  public replicaKey(region: string): SecureReplicaKey {
    const found = this.replicaKeys.find((r) => r.region === region);
    if (!found) {
      const regions = this.replicaKeys.map((r) => `'${r.region}'`).join(', ') || 'none';
      throw new SecureKeyConfigError(`SecureKey ${this.node.path}: has no replica in '${region}'. Replica Regions: ${regions}. `
        + "Add one with 'replicaRegions' or addReplica(stack).");
    }
    return found;
  }

  /**
   * The ARN of this key's replica in `region`, for a resource of another stack that names it (a DynamoDB
   * global table's `replicaKeyArns`). It is built in `scope`'s stack from the key ID that the replica shares
   * with this key, so that stack references only the key's stack, and that stack is made to deploy after the
   * replica's (the replica must exist first). `scope` cannot be in the key's own stack, which the replica
   * stacks depend on. In the replica's own stack, this is the replica's `keyArn`.
   */
  public replicaKeyArn(region: string, scope: IConstruct): string {
    return replicaKeyArnFor(this, region, scope);
  }

  /**
   * The ARNs of this key's replicas by Region, each as `replicaKeyArn(region, scope)` gives it, leaving out a
   * replica in the Region of `scope`'s stack (a resource takes the key itself in its own Region). For a global
   * table in a stack of its own: `TableEncryptionV2.customerManagedKey(key, key.replicaKeyArns(tableStack))`.
   */
  public replicaKeyArns(scope: IConstruct): Record<string, string> {
    return replicaKeyArnsFor(this, scope);
  }

  /** The key's replicas, in the order they were created. */
  public get replicaKeys(): SecureReplicaKey[] {
    return this._replication?.all() ?? [];
  }

  /**
   * The grant methods with conditions attached: an exact encryption context, required
   * encryption-context keys, `kms:ViaService` services and a caller account. For example
   * `key.withConditions({ viaServices: ['s3'] }).grantDecrypt(role)`.
   */
  public withConditions(conditions: KeyGrantOptions): KeyGrantsWithConditions {
    return new KeyGrantsWithConditions(this, conditions);
  }

  /**
   * CDK's grants object for this key (`kms.KeyGrants`), set to write every grant into the key policy as
   * well as the grantee's IAM policy (IAM alone cannot grant use of a SecureKey). Its wildcard actions
   * become exact ones in the key policy; the grantee's IAM policy keeps CDK's wildcards.
   */
  public get grants(): kms.KeyGrants {
    return kms.KeyGrants.fromKey(this, false);
  }

  /**
   * Lets CloudWatch Logs encrypt log groups with the key, limited by the `aws:logs:arn` encryption
   * context to the given log groups (default: all of this account and region).
   */
  public allowCloudWatchLogs(options: CloudWatchLogsAccessOptions = {}): void {
    const stack = Stack.of(this);
    const names = options.logGroupNames && options.logGroupNames.length > 0 ? options.logGroupNames : ['*'];
    const arns = names.map((name) => `arn:${Aws.PARTITION}:logs:${stack.region}:${stack.account}:log-group:${name}`);
    // Every call adds to one statement, so several callers (the app, an EnvelopeFunction) share
    // one Sid and one condition list; the statement holds this array and renders what it holds then.
    if (this.cloudWatchLogGroupArns) {
      for (const arn of arns) if (!this.cloudWatchLogGroupArns.includes(arn)) this.cloudWatchLogGroupArns.push(arn);
      return;
    }
    const groups = [...new Set(arns)];
    this.cloudWatchLogGroupArns = groups;
    this.addToResourcePolicy(cloudWatchLogsStatement(new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`), groups));
  }

  /**
   * Lets one CloudTrail trail encrypt its log files with the key (`aws:SourceArn` and the
   * `aws:cloudtrail:arn` encryption context pin it to that trail). Readers of the logs need Decrypt:
   * make them `users` or use `grantDecrypt`.
   */
  public allowCloudTrail(options: CloudTrailAccessOptions): void {
    const stack = Stack.of(this);
    const region = options.trailRegion ?? stack.region;
    const trailArn = `arn:${Aws.PARTITION}:cloudtrail:${region}:${stack.account}:trail/${options.trailName}`;
    for (const s of cloudTrailStatements(trailArn, trailArn)) this.addToResourcePolicy(s);
  }

  /**
   * Lets EventBridge deliver to targets encrypted with the key (an encrypted SNS topic or SQS queue):
   * `GenerateDataKey` and `Decrypt` for `events.amazonaws.com`, from `sourceAccount` (default this account).
   */
  public allowEventBridge(options: ServiceAccessOptions = {}): void {
    this.allowServicePrincipal('EventBridge', 'events.amazonaws.com', options);
  }

  /**
   * Lets SNS deliver to SQS queues encrypted with the key: `GenerateDataKey` and `Decrypt` for
   * `sns.amazonaws.com`, from `sourceAccount` (default this account).
   */
  public allowSns(options: ServiceAccessOptions = {}): void {
    this.allowServicePrincipal('Sns', 'sns.amazonaws.com', options);
  }

  /**
   * Lets S3 send event notifications to SNS topics and SQS queues encrypted with the key:
   * `GenerateDataKey` and `Decrypt` for `s3.amazonaws.com`, from `sourceAccount` (default this account).
   * (Objects in a bucket encrypted with the key need no S3 access: the callers' own grants apply.)
   */
  public allowS3(options: ServiceAccessOptions = {}): void {
    this.allowServicePrincipal('S3', 's3.amazonaws.com', options);
  }

  /**
   * Lets EC2 Auto Scaling launch instances whose EBS volumes are encrypted with the key: its service-linked
   * role may use the key and create grants for AWS resources (`kms:GrantIsForAWSResource`).
   */
  public allowAutoScaling(options: AutoScalingAccessOptions = {}): void {
    for (const statement of autoScalingStatements(Stack.of(this), options)) this.addToResourcePolicy(statement);
  }

  private allowServicePrincipal(name: string, principal: string, options: ServiceAccessOptions): void {
    const stack = Stack.of(this);
    const via = (options.viaServices ?? []).map((s) => viaServiceName(s, stack.region));
    this.addToResourcePolicy(serviceDataKeyStatement(`${name}DataKeys`, principal, via, options.sourceAccount ?? stack.account, options.sourceArns));
  }

  private checkPolicy(grantsAreAdministration: boolean): string[] {
    const { policy, errors } = this._renderedPolicyProblems(true);
    return [...errors, ...keyPolicyProblems(this, policy, `SecureKey ${this.node.path}`,
      () => ', for example with allowEventBridge/allowSns/allowS3({ sourceArns }).',
      this.bypassLockoutCheck ? undefined : 'no principal could update this key\'s policy after deployment (no statement allows kms:PutKeyPolicy), so the key could never be managed again. Name at least one principal in \'administrators\', keep \'allowIamAdministration\' true, or set \'bypassPolicyLockoutSafetyCheck: true\' if an administrator outside this app is intended.',
      grantsAreAdministration)];
  }

}

// KeyAudit creates its audit key through this registration (key-audit.ts does not import this file).
registerSecureKeyClass(SecureKey);
