import { Annotations, Aws, Names, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { KeyAudit } from './key-audit';
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
import { resolveKeySettings } from './private/key-settings';
import { replicaKeyArnFor, replicaKeyArnsFor } from './private/replica-arns';
import { addReplicaInRegion, setUpMultiRegion } from './private/replica-primary';
import { Replication } from './private/replica-settings';
import { serviceConsumerProblems } from './private/service-consumers';
import { durationDays, SecureKeyConfigError } from './private/validation';
import { SecureReplicaKey } from './replica-key';
import { CloudTrailAccessOptions, CloudWatchLogsAccessOptions, SecureKeyProps, ServiceAccessOptions } from './secure-key-props';
import { AutoScalingAccessOptions, autoScalingStatements } from './services/auto-scaling';

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
    const settings = resolveKeySettings(path, props);
    const { rotatable, rotationPeriodInDays, pendingWindow, pendingWindowInDays, aliases } = settings;
    this.keySpec = settings.keySpec;
    this.keyUsage = settings.keyUsage;
    this.keyRotationEnabled = settings.keyRotationEnabled;

    this.bypassLockoutCheck = props.bypassPolicyLockoutSafetyCheck ?? false;
    this.allowIamAdministration = props.allowIamAdministration ?? true;
    // Principals of other stacks get their own statements, written by the grant path (see cross-stack.ts).
    const isLocal = (g: iam.IGrantable) => !keyPolicyPrincipal(this, g).crossStack;
    const administrators = (props.administrators ?? []).filter(isLocal);
    const users = (props.users ?? []).filter(isLocal);
    const region = Stack.of(this).region;
    const accountUseViaServices = props.allowAccountUseViaServices ?? [];

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
    this.node.addValidation({ validate: () => this.checkPolicy(props.administratorsCanCreateGrants ?? false, resource) });

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

  private checkPolicy(grantsAreAdministration: boolean, resource: kms.CfnKey): string[] {
    const { policy, errors, memo } = this._renderedPolicyProblems(true);
    return [...errors, ...keyPolicyProblems(this, policy, `SecureKey ${this.node.path}`,
      () => ', for example with allowEventBridge/allowSns/allowS3({ sourceArns }).',
      this.bypassLockoutCheck ? undefined : 'no principal could update this key\'s policy after deployment (no statement allows kms:PutKeyPolicy), so the key could never be managed again. Name at least one principal in \'administrators\', keep \'allowIamAdministration\' true, or set \'bypassPolicyLockoutSafetyCheck: true\' if an administrator outside this app is intended.',
      grantsAreAdministration, memo),
    // Consumers whose service the key policy does not serve, after the policy's own problems; in a validation pass
    // the app's consumer resources are read once for all keys (memo), else afresh.
    ...serviceConsumerProblems(resource, `SecureKey ${this.node.path}`, () => Stack.of(this).resolve(this.policy.toJSON()), memo)];
  }

}

// KeyAudit creates its audit key through this registration (key-audit.ts does not import this file).
registerSecureKeyClass(SecureKey);
