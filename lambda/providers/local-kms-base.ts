/**
 * What every LocalKms operation shares: options, key resolution and state, and the call wrapper.
 */
import type { LocalKmsApp } from './local-kms-app';
import {
  accessDeniedMessage, decideKmsRequest, type KmsAuthorizationDecision, type LocalKmsCallOrigin, type LocalKmsPrincipal,
} from './local-kms-authorization';
import { cloudTrailEvent, type CloudTrailCall } from './local-kms-cloudtrail';
import { err, LocalKmsError, validation } from './local-kms-errors';
import { grantFor } from './local-kms-grants';
import { ECDSA_ALGORITHM, HMAC_SPECS, newMaterial, RSA_ENCRYPTION, RSA_SIGNING, RSA_SPECS } from './local-kms-material';
import { LocalKmsStore, type StoredGrant, type StoredKey, type StoredMaterial } from './local-kms-store';
import type { KmsKeyMetadata, KmsKeyUsage } from './local-kms-types';

export interface LocalKmsOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '111122223333' */
  readonly accountId?: string;
  /** The IAM principal recorded as the caller in CloudTrail events. @default `arn:aws:iam::ACCOUNT:user/local-kms-user` */
  readonly callerArn?: string;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** Persist keys to this JSON file (plain key material: development only). @default - keys live in memory */
  readonly storePath?: string;
  /**
   * The key store shared by LocalKms instances of several regions (multi-Region keys and their
   * replicas share key material through it). `forRegion()` passes it on.
   * @default - a new store (loaded from `storePath` when given)
   */
  readonly store?: LocalKmsStore;
  /**
   * Authorize every call on a key as KMS does: the key policy, the caller's IAM policies and the
   * key's grants, decided by the project's policy engine; a denied call throws
   * AccessDeniedException. `LocalKms.fromCloudAssembly` and `fromTemplate` turn it on.
   * @default false - every caller may use every key (no policy is evaluated)
   */
  readonly enforcePolicies?: boolean;
  /**
   * The caller, with its identity policies, when policies are enforced. Its ARN is also the
   * CloudTrail caller.
   * @default - `callerArn` (or the account root, when policies are enforced) with no IAM policies
   */
  readonly principal?: LocalKmsPrincipal;
  /** How the caller calls: through a service (`kms:ViaService`), for a source resource. @default - a direct call */
  readonly origin?: LocalKmsCallOrigin;
  /** The synthesized app the keys were loaded from; `as()` finds its principals. @default - none */
  readonly app?: LocalKmsApp;
}

/** Environment variables that say the process runs in AWS (Lambda, ECS, ...), where LocalKms has no place. */
export const AWS_RUNTIME_VARIABLES = ['AWS_LAMBDA_FUNCTION_NAME', 'AWS_EXECUTION_ENV'] as const;
let warnedInAwsRuntime = false;

/** A one-time process warning when LocalKms is constructed inside an AWS runtime. */
function warnIfInAwsRuntime(): void {
  const found = AWS_RUNTIME_VARIABLES.filter((v) => process.env[v]);
  if (found.length === 0 || warnedInAwsRuntime) return;
  warnedInAwsRuntime = true;
  process.emitWarning(
    `LocalKms is running where ${found.join(' and ')} ${found.length > 1 ? 'are' : 'is'} set (an AWS runtime). LocalKms keeps key material in plain memory or a JSON file and its keys are not AWS KMS keys: use it only for development and tests, and real KMS (AwsKmsKeyProvider) in deployed code.`,
    { code: 'SECUREKEY_LOCAL_KMS_IN_AWS' },
  );
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** What one call collects for its CloudTrail record. */
export interface CallContext {
  resources: string[];
  responseElements: Record<string, unknown> | null;
  keyMaterialId?: string;
  /**
   * The permission the next key lookup is authorized for (`kms:Decrypt`); `undefined` skips
   * authorization (operations KMS does not authorize by policy, such as RetireGrant).
   */
  action?: string;
  /** The encryption context the next key lookup is authorized with. */
  encryptionContext?: Record<string, string>;
  /** Extra condition keys of the request (CreateGrant's `kms:GrantOperations`, ...). */
  conditionContext?: Record<string, string | string[]>;
  /** The grant that authorized the last key lookup, when a grant (not a policy) did. */
  grant?: StoredGrant;
}

/** Operations whose requests carry `kms:EncryptionAlgorithm`. */
const ENCRYPTION_OPERATIONS = new Set([
  'Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
]);

/** KMS's limit on GrantTokens per request. */
export const MAX_GRANT_TOKENS = 10;

/**
 * The state and shared steps of every LocalKms operation: which region, account and caller it acts
 * as, how a key id or alias resolves to a stored key, the key-state checks, lazy rotation, key
 * metadata, and `call()`, which runs one operation and records its CloudTrail event.
 */
export abstract class LocalKmsBase {
  public readonly region: string;
  public readonly accountId: string;
  public readonly callerArn: string;
  public readonly store: LocalKmsStore;
  /** Whether calls are authorized against key policies, IAM policies and grants. */
  public readonly enforcePolicies: boolean;
  /** The caller LocalKms authorizes (when `enforcePolicies`). */
  public readonly principal: LocalKmsPrincipal;
  public readonly origin: LocalKmsCallOrigin;
  /** The synthesized app this LocalKms was loaded from, if any. */
  public readonly app?: LocalKmsApp;
  protected readonly clock: () => Date;

  constructor(options: LocalKmsOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '111122223333';
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(this.region)) {
      throw new Error(`LocalKms region '${this.region}' is not a region name like 'us-east-1'.`);
    }
    if (!/^\d{12}$/.test(this.accountId)) {
      throw new Error(`LocalKms accountId '${this.accountId}' must be 12 digits.`);
    }
    this.enforcePolicies = options.enforcePolicies ?? false;
    const defaultCaller = this.enforcePolicies ? `arn:aws:iam::${this.accountId}:root` : `arn:aws:iam::${this.accountId}:user/local-kms-user`;
    this.callerArn = options.principal?.arn ?? options.callerArn ?? defaultCaller;
    this.principal = options.principal ?? {
      arn: this.callerArn,
      account: /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(this.callerArn)?.[1] ?? this.accountId,
      iamStatements: [],
    };
    this.origin = options.origin ?? {};
    this.app = options.app;
    this.clock = options.clock ?? (() => new Date());
    this.store = options.store ?? new LocalKmsStore({ path: options.storePath });
    warnIfInAwsRuntime();
  }

  protected async call<T>(eventName: string, input: object | undefined, readOnly: boolean, fn: (ctx: CallContext) => T): Promise<T> {
    const encryptionContext = (input as { EncryptionContext?: Record<string, string> } | undefined)?.EncryptionContext;
    const algorithm = (input as { EncryptionAlgorithm?: string } | undefined)?.EncryptionAlgorithm;
    const ctx: CallContext = {
      resources: [],
      responseElements: null,
      action: `kms:${eventName}`,
      encryptionContext,
      ...(ENCRYPTION_OPERATIONS.has(eventName) ? { conditionContext: { 'kms:EncryptionAlgorithm': algorithm ?? 'SYMMETRIC_DEFAULT' } } : {}),
    };
    const when = this.clock();
    const record = (error?: LocalKmsError) => this.record({
      eventName,
      input: input ?? {},
      readOnly,
      when,
      error,
      resources: ctx.resources,
      responseElements: ctx.responseElements,
      keyMaterialId: ctx.keyMaterialId,
    });
    try {
      this.checkGrantTokens((input as { GrantTokens?: unknown } | undefined)?.GrantTokens);
      const result = fn(ctx);
      record();
      return result;
    } catch (e) {
      const error = e instanceof LocalKmsError ? e : new LocalKmsError('KMSInternalException', `LocalKms failed: ${(e as Error).message}`, { fault: 'server' });
      record(error);
      throw error;
    }
  }

  /**
   * Grants take effect at once here, so a grant token only has to name a grant that exists; that is
   * checked when policies are enforced (without enforcement grants decide nothing, and any token passes).
   */
  private checkGrantTokens(tokens: unknown): void {
    if (tokens === undefined) return;
    if (!Array.isArray(tokens) || tokens.length > MAX_GRANT_TOKENS || tokens.some((t) => typeof t !== 'string')) {
      throw validation(`GrantTokens must be a list of at most ${MAX_GRANT_TOKENS} grant tokens (strings).`);
    }
    if (!this.enforcePolicies) return;
    const known = new Set(this.store.allGrants().map((g) => g.grantToken));
    for (const t of tokens as string[]) {
      if (!known.has(t)) throw err('InvalidGrantTokenException', 'A grant token in GrantTokens is not the token of an existing grant.');
    }
  }

  /**
   * Authorizes `ctx.action` on a key for this caller, when policies are enforced: an explicit deny in
   * the key policy or the caller's IAM policies refuses; otherwise the policies or a grant must allow.
   */
  protected authorizeKey(key: StoredKey, ctx: CallContext): StoredGrant | undefined {
    if (!this.enforcePolicies || ctx.action === undefined) return undefined;
    const { decision, grant } = this.decide(key, ctx.action, ctx.encryptionContext, ctx.conditionContext);
    if (decision.allowed) return undefined;
    if (grant) {
      ctx.grant = grant;
      return grant;
    }
    throw err('AccessDeniedException', accessDeniedMessage(this.principal.arn, ctx.action, this.arnOf(key), decision));
  }

  /** The engine's decision for this caller, and the grant that allows what the policies do not (never past an explicit deny). */
  protected decide(
    key: StoredKey, action: string, encryptionContext: Record<string, string> | undefined, conditionContext?: Record<string, string | string[]>,
  ): { decision: KmsAuthorizationDecision; grant?: StoredGrant } {
    const { context: declared, ...origin } = this.origin;
    const decision = decideKmsRequest({
      principal: this.principal,
      action,
      keyArn: this.arnOf(key),
      keyAccount: key.accountId,
      keyPolicy: key.policy,
      encryptionContext,
      ...origin,
      ...(origin.viaService !== undefined && action === 'kms:CreateGrant' ? { grantIsForAwsResource: true } : {}),
      // AWS sets aws:PrincipalIsAWSService on every request; the principal's own keys (its organization) next.
      context: {
        ...this.keyConditionContext(key),
        'aws:PrincipalIsAWSService': String(this.principal.service !== undefined),
        ...this.principal.context,
        ...declared,
        ...conditionContext,
      },
    });
    if (decision.allowed || decision.decision === 'explicit-deny') return { decision };
    const grant = grantFor(this.store.grantsOfKey(key.region, key.keyId), this.principal.arn, action.replace(/^kms:/, ''), encryptionContext);
    return grant ? { decision, grant } : { decision };
  }

  /** Condition keys KMS derives from the key and the moment of the request. */
  private keyConditionContext(key: StoredKey): Record<string, string | string[]> {
    const now = this.clock();
    const aliases = this.store.aliasesInRegion(key.region).filter((a) => a.targetKeyId === key.keyId).map((a) => a.aliasName);
    return {
      'kms:KeySpec': key.keySpec,
      'kms:KeyUsage': key.keyUsage,
      'kms:KeyOrigin': 'AWS_KMS',
      'kms:MultiRegion': String(key.multiRegion),
      ...(key.multiRegion ? { 'kms:MultiRegionKeyType': key.primaryRegion === key.region ? 'PRIMARY' : 'REPLICA' } : {}),
      ...(aliases.length > 0 ? { 'kms:ResourceAliases': aliases } : {}),
      'aws:SecureTransport': 'true',
      'aws:CurrentTime': now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
    };
  }

  /**
   * Whether this caller may perform `action` on a key, and why, without calling the operation or
   * recording an event: the policy engine's decision (deciding statements, reason) and the grant
   * that allows it when the policies do not. Decided even when `enforcePolicies` is off.
   */
  public explain(input: { action: string; keyId: string; encryptionContext?: Record<string, string> }): KmsAuthorizationDecision & {
    grantId?: string;
  } {
    const ctx: CallContext = { resources: [], responseElements: null };
    const key = this.resolveKey(input.keyId, ctx);
    const action = input.action.includes(':') ? input.action : `kms:${input.action}`;
    const { decision, grant } = this.decide(key, action, input.encryptionContext);
    if (!grant) return decision;
    return { ...decision, allowed: true, decision: 'allowed', grantId: grant.grantId, reason: `${this.principal.arn}: ${action} allowed by grant ${grant.grantId}` };
  }

  private record(call: Omit<CloudTrailCall, 'region' | 'accountId' | 'callerArn'>): void {
    this.store.recordEvent(cloudTrailEvent({ ...call, region: this.region, accountId: this.accountId, callerArn: this.callerArn }));
  }

  protected arnOf(key: StoredKey): string {
    return `arn:aws:kms:${key.region}:${key.accountId}:key/${key.keyId}`;
  }

  protected aliasArn(name: string): string {
    return `arn:aws:kms:${this.region}:${this.accountId}:${name}`;
  }

  protected metadata(key: StoredKey): KmsKeyMetadata {
    const arn = this.arnOf(key);
    const meta: KmsKeyMetadata = {
      AWSAccountId: key.accountId,
      KeyId: key.keyId,
      Arn: arn,
      CreationDate: new Date(key.creationDate),
      Enabled: key.keyState === 'Enabled',
      Description: key.description,
      KeyUsage: key.keyUsage,
      KeyState: key.keyState,
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      CustomerMasterKeySpec: key.keySpec,
      KeySpec: key.keySpec,
      MultiRegion: key.multiRegion,
      CurrentKeyMaterialId: this.currentMaterial(key).id,
    };
    if (key.deletionDate) {
      meta.DeletionDate = new Date(key.deletionDate);
      meta.PendingDeletionWindowInDays = key.pendingWindowInDays;
    }
    if (key.keyUsage === 'ENCRYPT_DECRYPT') meta.EncryptionAlgorithms = key.keySpec === 'SYMMETRIC_DEFAULT' ? ['SYMMETRIC_DEFAULT'] : [...RSA_ENCRYPTION];
    if (key.keyUsage === 'SIGN_VERIFY') meta.SigningAlgorithms = RSA_SPECS[key.keySpec] ? [...RSA_SIGNING] : [ECDSA_ALGORITHM[key.keySpec]];
    if (key.keyUsage === 'GENERATE_VERIFY_MAC') meta.MacAlgorithms = [HMAC_SPECS[key.keySpec].algorithm];
    if (key.multiRegion && key.primaryRegion) {
      const primary = this.store.getKey(key.primaryRegion, key.keyId);
      const replicas = this.store.keysWithId(key.keyId).filter((k) => k.region !== key.primaryRegion);
      meta.MultiRegionConfiguration = {
        MultiRegionKeyType: key.region === key.primaryRegion ? 'PRIMARY' : 'REPLICA',
        PrimaryKey: { Arn: primary ? this.arnOf(primary) : `arn:aws:kms:${key.primaryRegion}:${key.accountId}:key/${key.keyId}`, Region: key.primaryRegion },
        ReplicaKeys: replicas.map((r) => ({ Arn: this.arnOf(r), Region: r.region })),
      };
    }
    return meta;
  }

  protected purgeDeleted(): void {
    const now = this.clock().getTime();
    for (const key of this.store.keysInRegion(this.region)) {
      if (key.keyState === 'PendingDeletion' && key.deletionDate && Date.parse(key.deletionDate) <= now) {
        this.store.deleteKey(key.region, key.keyId);
        for (const alias of this.store.aliasesInRegion(key.region)) {
          if (alias.targetKeyId === key.keyId) this.store.deleteAlias(key.region, alias.aliasName);
        }
        this.store.save();
      }
    }
  }

  /** Finds a key by id, key ARN, alias name or alias ARN in this region and account. */
  protected resolveKey(keyIdInput: string | undefined, ctx: CallContext, options: { allowAlias?: boolean } = {}): StoredKey {
    if (typeof keyIdInput !== 'string' || keyIdInput.length === 0) {
      throw validation("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null.");
    }
    this.purgeDeleted();
    let keyId = keyIdInput;
    let aliasName: string | undefined;
    if (keyIdInput.startsWith('arn:')) {
      const m = /^arn:aws:kms:([^:]+):(\d{12}):(key|alias)\/(.+)$/.exec(keyIdInput);
      if (!m) throw err('NotFoundException', `Invalid keyId ${keyIdInput}`);
      if (m[1] !== this.region || m[2] !== this.accountId) {
        throw err('NotFoundException', `Key '${keyIdInput}' does not exist in this account and region (${this.accountId}, ${this.region}).`);
      }
      if (m[3] === 'alias') aliasName = `alias/${m[4]}`;
      else keyId = m[4];
    } else if (keyIdInput.startsWith('alias/')) {
      aliasName = keyIdInput;
    }
    if (aliasName !== undefined) {
      if (options.allowAlias === false) throw validation(`This operation needs a key id or key ARN, not an alias (got ${aliasName}).`);
      const alias = this.store.getAlias(this.region, aliasName);
      if (!alias) throw err('NotFoundException', `Alias ${this.aliasArn(aliasName)} is not found.`);
      keyId = alias.targetKeyId;
      ctx.conditionContext = { ...ctx.conditionContext, 'kms:RequestAlias': aliasName };
    }
    const key = this.store.getKey(this.region, keyId);
    if (!key) throw err('NotFoundException', `Key 'arn:aws:kms:${this.region}:${this.accountId}:key/${keyId}' does not exist`);
    this.autoRotate(key);
    ctx.resources.push(this.arnOf(key));
    this.authorizeKey(key, ctx);
    return key;
  }

  /** Automatic rotation, applied lazily when the clock passes the next rotation date. */
  protected autoRotate(key: StoredKey): void {
    if (!key.rotationEnabled || !key.rotationPeriodInDays || key.primaryRegion !== undefined && key.primaryRegion !== key.region) return;
    const next = Date.parse(key.lastRotation) + key.rotationPeriodInDays * DAY_MS;
    if (this.clock().getTime() >= next) {
      this.rotate(key);
      this.store.save();
    }
  }

  protected rotate(key: StoredKey): void {
    const now = this.clock();
    this.store.materials[key.materialId].push(newMaterial(key.keySpec, now));
    // Replicas share the material list, so they rotate with their primary, as in KMS.
    for (const k of this.store.keysWithId(key.keyId)) k.lastRotation = now.toISOString();
    key.lastRotation = now.toISOString();
  }

  protected rotatableKey(keyIdInput: string | undefined, ctx: CallContext): StoredKey {
    const key = this.resolveKey(keyIdInput, ctx, { allowAlias: false });
    if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
      throw err('UnsupportedOperationException', `${this.arnOf(key)} is a ${key.keySpec} key; KMS rotates symmetric encryption keys only.`);
    }
    if (key.multiRegion && key.primaryRegion !== key.region) {
      throw err('UnsupportedOperationException', `${this.arnOf(key)} is a multi-Region replica; manage rotation on its primary key in ${key.primaryRegion}.`);
    }
    return key;
  }

  protected pendingDeletion(key: StoredKey): LocalKmsError {
    return err('KMSInvalidStateException', `${this.arnOf(key)} is pending deletion.`);
  }

  protected requireState(key: StoredKey): void {
    if (key.keyState === 'Disabled') throw err('DisabledException', `${this.arnOf(key)} is disabled.`);
    if (key.keyState === 'PendingDeletion') throw this.pendingDeletion(key);
  }

  protected usableKey(keyIdInput: string | undefined, ctx: CallContext, usage: KmsKeyUsage): StoredKey {
    const key = this.resolveKey(keyIdInput, ctx);
    this.requireState(key);
    if (key.keyUsage !== usage) {
      throw err('InvalidKeyUsageException', `${this.arnOf(key)} key usage is ${key.keyUsage} which is not valid for this operation (needs ${usage}).`);
    }
    return key;
  }

  protected currentMaterial(key: StoredKey): StoredMaterial {
    const versions = this.store.materials[key.materialId];
    return versions[versions.length - 1];
  }

  protected symmetricKey(key: StoredKey, ctx: CallContext, operation: string): StoredKey {
    if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
      throw err('InvalidKeyUsageException', `${this.arnOf(key)} is a ${key.keySpec} key; ${operation} needs a symmetric encryption key.`);
    }
    void ctx;
    return key;
  }

}

export function checkAliasName(name: string | undefined): string {
  if (typeof name !== 'string' || !/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(name)) {
    throw validation(`AliasName '${String(name)}' must start with 'alias/' followed by letters, digits, '/', '_' or '-'.`);
  }
  if (name.startsWith('alias/aws/')) {
    throw err('NotAuthorizedException', `AliasName ${name} is reserved for AWS managed keys.`);
  }
  return name;
}

export function defaultPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
  });
}
