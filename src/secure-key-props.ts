/**
 * The props of SecureKey and the options of its service-access methods (public API; the construct is in
 * secure-key.ts).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { DeletionProtection, NetworkPerimeter, OrganizationPerimeter } from './guardrails';
import type { KeyAuditOptions } from './key-audit';

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
