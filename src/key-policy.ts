/**
 * Pure: the SecureKey access model -> key policy statements. No constructs here, so every rule can be
 * tested alone. What a policy allows is decided by the policy engine (src/private/policy/engine).
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import * as A from './private/actions';

/**
 * Conditions a grant can carry. Each one narrows the grant; all of them must hold.
 */
export interface KeyGrantOptions {
  /**
   * The exact encryption context callers must send: every pair must match and no other keys are allowed,
   * except the `requiredEncryptionContextKeys` (with any value) when both are given.
   *
   * @default - any encryption context
   */
  readonly encryptionContext?: Record<string, string>;

  /**
   * Encryption-context keys that must be present in each request (any value).
   *
   * @default - no keys are required
   */
  readonly requiredEncryptionContextKeys?: string[];

  /**
   * Allow the request only when an AWS service makes it on the grantee's behalf (`kms:ViaService`).
   * Give short service names (`s3`, `sns`, `secretsmanager`), which become
   * `<name>.<key's region>.amazonaws.com`, or full `kms:ViaService` values (anything containing a dot).
   *
   * @default - direct calls and calls through any service are allowed
   */
  readonly viaServices?: string[];

  /**
   * Allow the request only from principals of this AWS account (`kms:CallerAccount`).
   *
   * @default - no caller-account condition
   */
  readonly callerAccount?: string;
}

/** The access model SecureKey turns into its key policy. */
export interface AccessModel {
  readonly keySpec: KeySpec;
  readonly keyUsage: KeyUsage;
  readonly accountRoot: iam.IPrincipal;
  readonly administrators: iam.IPrincipal[];
  readonly users: iam.IPrincipal[];
  readonly allowIamAdministration: boolean;
  readonly administratorsCanCreateGrants: boolean;
  readonly allowAwsServicesOnBehalfOfUsers: boolean;
  /** Already expanded `kms:ViaService` values; empty means users may call KMS directly. */
  readonly usersViaServices: string[];
  /**
   * Already expanded `kms:ViaService` values through which the account's IAM principals may use the key
   * (integrated services such as DynamoDB); empty for none.
   */
  readonly accountUseViaServices?: string[];
  /** The key's account, for `kms:CallerAccount` (needed with `accountUseViaServices`). */
  readonly account?: string;
}

/** The actions a key user needs for what the key's usage allows, and nothing administrative. */
export function usageActions(keySpec: KeySpec, keyUsage: KeyUsage): string[] {
  switch (keyUsage) {
    case KeyUsage.ENCRYPT_DECRYPT:
      return keySpec === KeySpec.SYMMETRIC_DEFAULT
        ? [...A.ENCRYPT_ACTIONS, ...A.DECRYPT_ACTIONS, ...A.GENERATE_DATA_KEY_ACTIONS, ...A.GENERATE_DATA_KEY_PAIR_ACTIONS, ...A.DESCRIBE_ACTIONS]
        : [...A.ENCRYPT_ACTIONS, ...A.DECRYPT_ACTIONS, ...A.PUBLIC_KEY_ACTIONS, ...A.DESCRIBE_ACTIONS];
    case KeyUsage.SIGN_VERIFY:
      return [...A.SIGN_ACTIONS, ...A.VERIFY_ACTIONS, ...A.PUBLIC_KEY_ACTIONS, ...A.DESCRIBE_ACTIONS];
    case KeyUsage.GENERATE_VERIFY_MAC:
      return [...A.GENERATE_MAC_ACTIONS, ...A.VERIFY_MAC_ACTIONS, ...A.DESCRIBE_ACTIONS];
    case KeyUsage.KEY_AGREEMENT:
      return [...A.KEY_AGREEMENT_ACTIONS, ...A.PUBLIC_KEY_ACTIONS, ...A.DESCRIBE_ACTIONS];
    default:
      return [...A.DESCRIBE_ACTIONS];
  }
}

/** The administrators' actions: manage, never use; CreateGrant only when asked for. */
export function adminActions(withCreateGrant: boolean): string[] {
  return withCreateGrant ? [...A.ADMIN_ACTIONS, ...A.CREATE_GRANT_ACTIONS] : [...A.ADMIN_ACTIONS];
}

/** `s3` -> `s3.<region>.amazonaws.com`; a value containing a dot is taken as a full ViaService name. */
export function viaServiceName(service: string, region: string): string {
  return service.includes('.') ? service : `${service}.${region}.amazonaws.com`;
}

/** Whether an expanded `kms:ViaService` value names a service that calls `kms:Encrypt` for its caller. */
export function encryptsThroughKms(viaService: string): boolean {
  return A.SERVICES_THAT_ENCRYPT.some((name) => viaService.startsWith(`${name}.`));
}

/** The condition block for a grant; undefined when there is nothing to condition on. */
export function grantConditions(options: KeyGrantOptions | undefined, region: string): Record<string, Record<string, unknown>> | undefined {
  if (!options) return undefined;
  const equals: Record<string, unknown> = {};
  const conditions: Record<string, Record<string, unknown>> = {};
  const context = options.encryptionContext ?? {};
  const contextKeys = Object.keys(context).sort();
  for (const k of contextKeys) equals[`kms:EncryptionContext:${k}`] = context[k];
  if (options.viaServices && options.viaServices.length > 0) {
    equals['kms:ViaService'] = options.viaServices.map((s) => viaServiceName(s, region));
  }
  if (options.callerAccount !== undefined) equals['kms:CallerAccount'] = options.callerAccount;
  if (Object.keys(equals).length > 0) conditions.StringEquals = equals;
  const required = options.requiredEncryptionContextKeys ?? [];
  if (contextKeys.length > 0) {
    // Exactly these pairs, plus the required keys (any value): no key outside that set. Leaving the
    // required keys out here would make the two conditions impossible to satisfy together.
    const allowedKeys = [...new Set([...contextKeys, ...required])].sort();
    conditions['ForAllValues:StringEquals'] = { 'kms:EncryptionContextKeys': allowedKeys };
  }
  if (required.length > 0) {
    conditions.Null = Object.fromEntries(required.map((k) => [`kms:EncryptionContext:${k}`, 'false']));
  }
  return Object.keys(conditions).length > 0 ? conditions : undefined;
}

/** The statements of the access model, in a fixed order (stable snapshots, readable policies). */
export function accessModelStatements(model: AccessModel): iam.PolicyStatement[] {
  const statements: iam.PolicyStatement[] = [];
  if (model.allowIamAdministration) {
    // The account may administer (never use) the key through IAM, so CloudFormation can update it
    // and deleting an administrator role cannot lock the key.
    statements.push(new iam.PolicyStatement({
      sid: 'AccountAdministersKeyThroughIam',
      principals: [model.accountRoot],
      actions: adminActions(false),
      resources: ['*'],
    }));
  }
  const accountVia = model.accountUseViaServices ?? [];
  if (accountVia.length > 0) {
    // The account's IAM principals (CloudFormation's role creating a table, an app reading it) may use the
    // key only through these services, from this account; their IAM policies must allow it too.
    const pinned = { 'kms:ViaService': accountVia, 'kms:CallerAccount': model.account };
    statements.push(new iam.PolicyStatement({
      sid: 'AccountUseViaServices',
      principals: [model.accountRoot],
      actions: A.ACCOUNT_VIA_SERVICE_USE_ACTIONS,
      resources: ['*'],
      conditions: { StringEquals: pinned },
    }));
    statements.push(new iam.PolicyStatement({
      sid: 'AccountGrantsViaServices',
      principals: [model.accountRoot],
      actions: A.ACCOUNT_VIA_SERVICE_GRANT_ACTIONS,
      resources: ['*'],
      conditions: { StringEquals: pinned, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }));
    // Encrypt only through the services that call it (Lambda's environment variables), not the others.
    const encryptVia = accountVia.filter(encryptsThroughKms);
    if (encryptVia.length > 0) {
      statements.push(new iam.PolicyStatement({
        sid: 'AccountEncryptsViaServices',
        principals: [model.accountRoot],
        actions: A.ACCOUNT_VIA_SERVICE_ENCRYPT_ACTIONS,
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': encryptVia, 'kms:CallerAccount': model.account } },
      }));
    }
  }
  if (model.administrators.length > 0) {
    statements.push(new iam.PolicyStatement({
      sid: 'KeyAdministrators',
      principals: model.administrators,
      actions: adminActions(model.administratorsCanCreateGrants),
      resources: ['*'],
    }));
  }
  if (model.users.length > 0) {
    const via = model.usersViaServices;
    statements.push(new iam.PolicyStatement({
      sid: 'KeyUsers',
      principals: model.users,
      actions: usageActions(model.keySpec, model.keyUsage),
      resources: ['*'],
      conditions: via.length > 0 ? { StringEquals: { 'kms:ViaService': via } } : undefined,
    }));
    if (model.allowAwsServicesOnBehalfOfUsers) {
      statements.push(new iam.PolicyStatement({
        sid: 'AwsServicesOnBehalfOfKeyUsers',
        principals: model.users,
        actions: A.SERVICE_GRANT_ACTIONS,
        resources: ['*'],
        // The users' own kms:ViaService limit applies to the grants services create for them too.
        conditions: via.length > 0
          ? { Bool: { 'kms:GrantIsForAWSResource': 'true' }, StringEquals: { 'kms:ViaService': via } }
          : { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }));
    }
  }
  return statements;
}

/** CloudWatch Logs, limited to log groups of one account and region by the logs encryption context. */
export function cloudWatchLogsStatement(logsPrincipal: iam.IPrincipal, logGroupArns: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'CloudWatchLogs',
    principals: [logsPrincipal],
    actions: A.LOGS_ACTIONS,
    resources: ['*'],
    conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logGroupArns } },
  });
}

/** CloudTrail: data keys for one trail's log files, and DescribeKey for that trail. */
export function cloudTrailStatements(trailArn: string, trailContextArn: string): iam.PolicyStatement[] {
  const principal = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
  return [
    new iam.PolicyStatement({
      sid: 'CloudTrailEncryptLogs',
      principals: [principal],
      actions: A.CLOUDTRAIL_ENCRYPT_ACTIONS,
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceArn': trailArn },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trailContextArn },
      },
    }),
    new iam.PolicyStatement({
      sid: 'CloudTrailDescribeKey',
      principals: [principal],
      actions: A.DESCRIBE_ACTIONS,
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceArn': trailArn } },
    }),
  ];
}

/** A service principal that publishes to an encrypted topic/queue, from one account (and optionally resources, services). */
export function serviceDataKeyStatement(
  sid: string, servicePrincipal: string, viaServices: string[], sourceAccount?: string, sourceArns?: string[],
): iam.PolicyStatement {
  const equals: Record<string, unknown> = {};
  if (viaServices.length > 0) equals['kms:ViaService'] = viaServices;
  if (sourceAccount !== undefined) equals['aws:SourceAccount'] = sourceAccount;
  const conditions: Record<string, Record<string, unknown>> = {};
  if (Object.keys(equals).length > 0) conditions.StringEquals = equals;
  if (sourceArns && sourceArns.length > 0) conditions.ArnLike = { 'aws:SourceArn': sourceArns };
  return new iam.PolicyStatement({
    sid,
    principals: [new iam.ServicePrincipal(servicePrincipal)],
    actions: A.SERVICE_DATA_KEY_ACTIONS,
    resources: ['*'],
    conditions: Object.keys(conditions).length > 0 ? conditions : undefined,
  });
}

/**
 * Exact actions for a list that may hold wildcards (`kms:GenerateDataKey*`), as CDK's own grants pass.
 * A wildcard never stands for the data-key-pair actions (`GenerateDataKeyPair*`): CDK means
 * `GenerateDataKey` and `GenerateDataKeyWithoutPlaintext`, and pairs are given only when named. Nor for
 * `CreateGrant`: CDK's administrator grant (`kms:Create*`) means CreateAlias, and a grant could hand its
 * creator use of the key; CreateGrant is given only when named.
 */
export function expandActions(actions: string[]): string[] {
  const out = new Set<string>();
  for (const action of actions) {
    if (!action.includes('*')) {
      out.add(action);
      continue;
    }
    const re = wildcardRegExp(action);
    const named = [...A.GENERATE_DATA_KEY_PAIR_ACTIONS, ...A.CREATE_GRANT_ACTIONS];
    const matches = A.ALL_KEY_ACTIONS.filter((a) => re.test(a) && !named.includes(a));
    // An unknown pattern is kept as is rather than silently dropped; the checks below still see it.
    if (matches.length === 0) out.add(action);
    for (const m of matches) out.add(m);
  }
  return [...out];
}

// Compiled once per pattern: the checks run over every statement of every key at synth.
const wildcardCache = new Map<string, RegExp>();

export function wildcardRegExp(pattern: string): RegExp {
  let re = wildcardCache.get(pattern);
  if (!re) {
    const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${escaped}$`, 'i');
    wildcardCache.set(pattern, re);
  }
  return re;
}

// The checks over the resolved policy live in src/private/policy/guard.ts, on the policy engine.
