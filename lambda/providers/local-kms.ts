/**
 * LocalKms: an offline, in-memory (or file-backed) stand-in for AWS KMS. It takes and returns the
 * AWS SDK's input/output shapes (same field names), throws errors shaped like the SDK's service
 * exceptions (same `name`s), records every call as a CloudTrail event, and can be passed wherever
 * a `KMSClient` is expected (`send(command)`), without importing the SDK.
 *
 * It is a development and test tool: key material is kept in process memory, or in plain JSON in
 * the key store file. Never use it to protect real data.
 */
import * as crypto from 'node:crypto';
import { LocalKmsStore, type StoredKey, type StoredMaterial, type StoredAlias } from './local-kms-store';

export { LocalKmsStore } from './local-kms-store';

export type KmsKeySpec =
  | 'SYMMETRIC_DEFAULT'
  | 'RSA_2048' | 'RSA_3072' | 'RSA_4096'
  | 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1'
  | 'HMAC_224' | 'HMAC_256' | 'HMAC_384' | 'HMAC_512';
export type KmsKeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC';
export type KmsKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';
export type KmsEncryptionAlgorithm = 'SYMMETRIC_DEFAULT' | 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256';
export type KmsSigningAlgorithm =
  | 'RSASSA_PSS_SHA_256' | 'RSASSA_PSS_SHA_384' | 'RSASSA_PSS_SHA_512'
  | 'RSASSA_PKCS1_V1_5_SHA_256' | 'RSASSA_PKCS1_V1_5_SHA_384' | 'RSASSA_PKCS1_V1_5_SHA_512'
  | 'ECDSA_SHA_256' | 'ECDSA_SHA_384' | 'ECDSA_SHA_512';
export type KmsMacAlgorithm = 'HMAC_SHA_224' | 'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512';
export type KmsDataKeyPairSpec = 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1';
type KmsEncryptionContext = Record<string, string>;

/** The SDK's `MultiRegionConfiguration`. */
export interface KmsMultiRegionConfiguration {
  MultiRegionKeyType: 'PRIMARY' | 'REPLICA';
  PrimaryKey: { Arn: string; Region: string };
  ReplicaKeys: { Arn: string; Region: string }[];
}

/** The SDK's `KeyMetadata` (the fields LocalKms fills). */
export interface KmsKeyMetadata {
  AWSAccountId: string;
  KeyId: string;
  Arn: string;
  CreationDate: Date;
  Enabled: boolean;
  Description: string;
  KeyUsage: KmsKeyUsage;
  KeyState: KmsKeyState;
  DeletionDate?: Date;
  PendingDeletionWindowInDays?: number;
  Origin: 'AWS_KMS';
  KeyManager: 'CUSTOMER';
  CustomerMasterKeySpec: KmsKeySpec;
  KeySpec: KmsKeySpec;
  EncryptionAlgorithms?: KmsEncryptionAlgorithm[];
  SigningAlgorithms?: KmsSigningAlgorithm[];
  MacAlgorithms?: KmsMacAlgorithm[];
  MultiRegion: boolean;
  MultiRegionConfiguration?: KmsMultiRegionConfiguration;
  CurrentKeyMaterialId?: string;
}

export interface KmsTag { TagKey: string; TagValue: string }

export interface KmsCreateKeyInput {
  Description?: string;
  KeyUsage?: KmsKeyUsage;
  KeySpec?: KmsKeySpec;
  /** Deprecated SDK alias of KeySpec. */
  CustomerMasterKeySpec?: KmsKeySpec;
  MultiRegion?: boolean;
  Policy?: string;
  Tags?: KmsTag[];
  Origin?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
}
export interface KmsKeyIdInput { KeyId: string | undefined }
export interface KmsDescribeKeyInput extends KmsKeyIdInput { GrantTokens?: string[] }
export interface KmsAliasInput { AliasName: string | undefined; TargetKeyId: string | undefined }
export interface KmsListAliasesInput { KeyId?: string; Limit?: number; Marker?: string }
export interface KmsAliasListEntry { AliasName: string; AliasArn: string; TargetKeyId: string; CreationDate: Date; LastUpdatedDate: Date }
export interface KmsEncryptInput {
  KeyId: string | undefined;
  Plaintext: Uint8Array | undefined;
  EncryptionContext?: KmsEncryptionContext;
  GrantTokens?: string[];
  EncryptionAlgorithm?: KmsEncryptionAlgorithm;
  DryRun?: boolean;
}
export interface KmsDecryptInput {
  CiphertextBlob: Uint8Array | undefined;
  EncryptionContext?: KmsEncryptionContext;
  GrantTokens?: string[];
  KeyId?: string;
  EncryptionAlgorithm?: KmsEncryptionAlgorithm;
  DryRun?: boolean;
}
export interface KmsGenerateDataKeyInput {
  KeyId: string | undefined;
  EncryptionContext?: KmsEncryptionContext;
  NumberOfBytes?: number;
  KeySpec?: 'AES_128' | 'AES_256';
  GrantTokens?: string[];
  DryRun?: boolean;
}
export interface KmsGenerateDataKeyPairInput {
  KeyId: string | undefined;
  KeyPairSpec: KmsDataKeyPairSpec | undefined;
  EncryptionContext?: KmsEncryptionContext;
  GrantTokens?: string[];
  DryRun?: boolean;
}
export interface KmsReEncryptInput {
  CiphertextBlob: Uint8Array | undefined;
  SourceEncryptionContext?: KmsEncryptionContext;
  SourceKeyId?: string;
  DestinationKeyId: string | undefined;
  DestinationEncryptionContext?: KmsEncryptionContext;
  SourceEncryptionAlgorithm?: KmsEncryptionAlgorithm;
  DestinationEncryptionAlgorithm?: KmsEncryptionAlgorithm;
  GrantTokens?: string[];
  DryRun?: boolean;
}
export interface KmsSignInput {
  KeyId: string | undefined;
  Message: Uint8Array | undefined;
  MessageType?: 'RAW' | 'DIGEST';
  SigningAlgorithm: KmsSigningAlgorithm | undefined;
  GrantTokens?: string[];
}
export interface KmsVerifyInput extends KmsSignInput { Signature: Uint8Array | undefined }
export interface KmsGenerateMacInput {
  KeyId: string | undefined;
  Message: Uint8Array | undefined;
  MacAlgorithm: KmsMacAlgorithm | undefined;
  GrantTokens?: string[];
}
export interface KmsVerifyMacInput extends KmsGenerateMacInput { Mac: Uint8Array | undefined }
export interface KmsEnableKeyRotationInput extends KmsKeyIdInput { RotationPeriodInDays?: number }
export interface KmsScheduleKeyDeletionInput extends KmsKeyIdInput { PendingWindowInDays?: number }
export interface KmsReplicateKeyInput extends KmsKeyIdInput {
  ReplicaRegion: string | undefined;
  Description?: string;
  Policy?: string;
  Tags?: KmsTag[];
}
export interface KmsKeyRotationStatus { KeyId: string; KeyRotationEnabled: boolean; RotationPeriodInDays?: number; NextRotationDate?: Date }
export interface KmsKeyPolicyInput extends KmsKeyIdInput { PolicyName?: string }
export interface KmsPutKeyPolicyInput extends KmsKeyPolicyInput { Policy: string | undefined }

/** One CloudTrail event record, in the shape CloudTrail writes for KMS API calls. */
export interface CloudTrailEvent {
  eventVersion: string;
  userIdentity: {
    type: 'IAMUser' | 'AssumedRole' | 'Root' | 'AWSService' | 'AWSAccount';
    principalId: string;
    arn: string;
    accountId: string;
    accessKeyId?: string;
    userName?: string;
    invokedBy?: string;
  };
  eventTime: string;
  eventSource: 'kms.amazonaws.com';
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  resources: { ARN: string; type: 'AWS::KMS::Key'; accountId: string }[];
  eventType: 'AwsApiCall';
  managementEvent: boolean;
  recipientAccountId: string;
  eventCategory: 'Management';
}

/**
 * An error shaped like the AWS SDK's service exceptions: `name` is KMS's exception name
 * (`NotFoundException`, `DisabledException`, ...), `$fault` is `client` or `server`.
 */
export class LocalKmsError extends Error {
  public readonly $fault: 'client' | 'server';
  public readonly $metadata: { httpStatusCode: number; requestId: string; attempts: number; totalRetryDelay: number };
  public readonly $retryable?: { throttling: boolean };
  constructor(name: string, message: string, options: { fault?: 'client' | 'server'; httpStatusCode?: number; throttling?: boolean } = {}) {
    super(message);
    this.name = name;
    this.$fault = options.fault ?? 'client';
    this.$metadata = { httpStatusCode: options.httpStatusCode ?? (this.$fault === 'server' ? 500 : 400), requestId: crypto.randomUUID(), attempts: 1, totalRetryDelay: 0 };
    if (options.throttling !== undefined) this.$retryable = { throttling: options.throttling };
  }
}

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
}

const MAX_PLAINTEXT = 4096;
const SYMMETRIC_BLOB_MAGIC = Buffer.from('LKM1', 'ascii');
const MATERIAL_ID_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const DEFAULT_PENDING_WINDOW_DAYS = 30;
const MIN_PENDING_WINDOW_DAYS = 7;
const MAX_PENDING_WINDOW_DAYS = 30;
const DEFAULT_ROTATION_PERIOD_DAYS = 365;
const MIN_ROTATION_PERIOD_DAYS = 90;
const MAX_ROTATION_PERIOD_DAYS = 2560;
const MAX_DATA_KEY_BYTES = 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

const RSA_SPECS: Record<string, number> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };
const ECC_CURVES: Record<string, string> = { ECC_NIST_P256: 'prime256v1', ECC_NIST_P384: 'secp384r1', ECC_NIST_P521: 'secp521r1', ECC_SECG_P256K1: 'secp256k1' };
const HMAC_SPECS: Record<string, { bytes: number; algorithm: KmsMacAlgorithm; hash: string }> = {
  HMAC_224: { bytes: 28, algorithm: 'HMAC_SHA_224', hash: 'sha224' },
  HMAC_256: { bytes: 32, algorithm: 'HMAC_SHA_256', hash: 'sha256' },
  HMAC_384: { bytes: 48, algorithm: 'HMAC_SHA_384', hash: 'sha384' },
  HMAC_512: { bytes: 64, algorithm: 'HMAC_SHA_512', hash: 'sha512' },
};
const ECDSA_ALGORITHM: Record<string, KmsSigningAlgorithm> = {
  ECC_NIST_P256: 'ECDSA_SHA_256', ECC_NIST_P384: 'ECDSA_SHA_384', ECC_NIST_P521: 'ECDSA_SHA_512', ECC_SECG_P256K1: 'ECDSA_SHA_256',
};
const RSA_SIGNING: KmsSigningAlgorithm[] = [
  'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512',
];
const RSA_ENCRYPTION: KmsEncryptionAlgorithm[] = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];

/** SDK operation name -> LocalKms method, for `send()`. Read-only flag is CloudTrail's `readOnly`. */
const OPERATIONS: Record<string, { method: keyof LocalKms }> = {
  CreateKey: { method: 'createKey' },
  DescribeKey: { method: 'describeKey' },
  ListKeys: { method: 'listKeys' },
  CreateAlias: { method: 'createAlias' },
  UpdateAlias: { method: 'updateAlias' },
  DeleteAlias: { method: 'deleteAlias' },
  ListAliases: { method: 'listAliases' },
  Encrypt: { method: 'encrypt' },
  Decrypt: { method: 'decrypt' },
  GenerateDataKey: { method: 'generateDataKey' },
  GenerateDataKeyWithoutPlaintext: { method: 'generateDataKeyWithoutPlaintext' },
  GenerateDataKeyPair: { method: 'generateDataKeyPair' },
  GenerateDataKeyPairWithoutPlaintext: { method: 'generateDataKeyPairWithoutPlaintext' },
  GenerateRandom: { method: 'generateRandom' },
  ReEncrypt: { method: 'reEncrypt' },
  Sign: { method: 'sign' },
  Verify: { method: 'verify' },
  GenerateMac: { method: 'generateMac' },
  VerifyMac: { method: 'verifyMac' },
  GetPublicKey: { method: 'getPublicKey' },
  EnableKeyRotation: { method: 'enableKeyRotation' },
  DisableKeyRotation: { method: 'disableKeyRotation' },
  GetKeyRotationStatus: { method: 'getKeyRotationStatus' },
  RotateKeyOnDemand: { method: 'rotateKeyOnDemand' },
  DisableKey: { method: 'disableKey' },
  EnableKey: { method: 'enableKey' },
  ScheduleKeyDeletion: { method: 'scheduleKeyDeletion' },
  CancelKeyDeletion: { method: 'cancelKeyDeletion' },
  ReplicateKey: { method: 'replicateKey' },
  GetKeyPolicy: { method: 'getKeyPolicy' },
  PutKeyPolicy: { method: 'putKeyPolicy' },
};

/** Names of the KMS operations `send()` understands. */
export const LOCAL_KMS_OPERATIONS: readonly string[] = Object.keys(OPERATIONS);

interface CallContext {
  resources: string[];
  responseElements: Record<string, unknown> | null;
  keyMaterialId?: string;
}

function err(name: string, message: string): LocalKmsError {
  return new LocalKmsError(name, message);
}
function validation(message: string): LocalKmsError {
  return err('ValidationException', message);
}
function requireBytes(value: unknown, field: string): Buffer {
  if (!(value instanceof Uint8Array)) throw validation(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null and must be bytes (Uint8Array).`);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
function requireLength(buf: Buffer, field: string, min: number, max: number): void {
  if (buf.length < min || buf.length > max) {
    throw validation(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length between ${min} and ${max} (got ${buf.length}).`);
  }
}
/** A fresh Uint8Array, as the SDK returns (not a view into Node's shared Buffer pool). */
function out(buf: Buffer): Uint8Array {
  const copy = new Uint8Array(buf.length);
  copy.set(buf);
  return copy;
}
function canonicalContext(ctx: KmsEncryptionContext | undefined): Buffer {
  const entries = Object.entries(ctx ?? {});
  for (const [k, v] of entries) {
    if (typeof k !== 'string' || typeof v !== 'string') throw validation('EncryptionContext keys and values must be strings.');
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(entries), 'utf8');
}
function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
function camelKeys(input: object): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    // Never log secrets or blobs: CloudTrail records parameters, not data.
    if (v === undefined || v instanceof Uint8Array || k === 'Plaintext' || k === 'Message') continue;
    result[k.charAt(0).toLowerCase() + k.slice(1)] = v instanceof Date ? isoSeconds(v) : v;
  }
  return result;
}
function pseudoId(prefix: string, seed: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = crypto.createHash('sha256').update(seed).digest();
  let id = prefix;
  for (let i = 0; id.length < 21; i++) id += alphabet[digest[i] % alphabet.length];
  return id;
}

export class LocalKms {
  public readonly region: string;
  public readonly accountId: string;
  public readonly callerArn: string;
  public readonly store: LocalKmsStore;
  private readonly clock: () => Date;

  constructor(options: LocalKmsOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '111122223333';
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(this.region)) {
      throw new Error(`LocalKms region '${this.region}' is not a region name like 'us-east-1'.`);
    }
    if (!/^\d{12}$/.test(this.accountId)) {
      throw new Error(`LocalKms accountId '${this.accountId}' must be 12 digits.`);
    }
    this.callerArn = options.callerArn ?? `arn:aws:iam::${this.accountId}:user/local-kms-user`;
    this.clock = options.clock ?? (() => new Date());
    this.store = options.store ?? new LocalKmsStore({ path: options.storePath });
  }

  /** A LocalKms for another region of the same account, sharing keys (and MRK material) and the event log. */
  public forRegion(region: string): LocalKms {
    return new LocalKms({ region, accountId: this.accountId, callerArn: this.callerArn, clock: this.clock, store: this.store });
  }

  /** The same LocalKms (same region, keys, event log) acting as another caller in CloudTrail events. */
  public withCaller(callerArn: string): LocalKms {
    return new LocalKms({ region: this.region, accountId: this.accountId, callerArn, clock: this.clock, store: this.store });
  }

  /** CloudTrail event records of every call made through this store (all regions, all callers), oldest first. */
  public cloudTrailEvents(filter: { region?: string } = {}): CloudTrailEvent[] {
    return this.store.events
      .filter((e) => filter.region === undefined || e.awsRegion === filter.region)
      .map((e) => structuredClone(e));
  }

  /** `KMSClient.send` drop-in: dispatches the SDK's command objects by operation name. */
  public async send(command: { input?: unknown; constructor: { name: string } }): Promise<Record<string, unknown>> {
    const name = operationName(command);
    const op = Object.prototype.hasOwnProperty.call(OPERATIONS, name) ? OPERATIONS[name] : undefined;
    if (!op) {
      throw err('UnsupportedOperationException', `LocalKms does not implement the KMS operation '${name}'. Supported: ${LOCAL_KMS_OPERATIONS.join(', ')}. Use real KMS for it.`);
    }
    const fn = this[op.method] as unknown as (input: unknown) => Promise<Record<string, unknown>>;
    const result = await fn.call(this, command.input ?? {});
    return { ...result, $metadata: { httpStatusCode: 200, requestId: crypto.randomUUID(), attempts: 1, totalRetryDelay: 0 } };
  }

  /** KMSClient compatibility: nothing to release. */
  public destroy(): void {}

  // ---- key management -------------------------------------------------------------------

  public async createKey(input: KmsCreateKeyInput = {}): Promise<{ KeyMetadata: KmsKeyMetadata }> {
    return this.call('CreateKey', input, false, (ctx) => {
      const keySpec = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
      const keyUsage = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
      checkSpecUsage(keySpec, keyUsage);
      if (input.Origin !== undefined && input.Origin !== 'AWS_KMS') {
        throw err('UnsupportedOperationException', `LocalKms supports Origin AWS_KMS only (got '${input.Origin}').`);
      }
      const multiRegion = input.MultiRegion ?? false;
      const keyId = multiRegion ? `mrk-${crypto.randomBytes(16).toString('hex')}` : crypto.randomUUID();
      const now = this.clock();
      const materialId = crypto.randomUUID();
      this.store.materials[materialId] = [newMaterial(keySpec, now)];
      const key: StoredKey = {
        keyId,
        region: this.region,
        accountId: this.accountId,
        creationDate: now.toISOString(),
        description: input.Description ?? '',
        keyState: 'Enabled',
        keySpec,
        keyUsage,
        multiRegion,
        primaryRegion: multiRegion ? this.region : undefined,
        rotationEnabled: false,
        rotationPeriodInDays: undefined,
        lastRotation: now.toISOString(),
        policy: input.Policy ?? defaultPolicy(this.accountId),
        tags: input.Tags ?? [],
        materialId,
      };
      this.store.putKey(key);
      this.store.save();
      const metadata = this.metadata(key);
      ctx.resources.push(metadata.Arn);
      ctx.responseElements = { keyMetadata: camelKeys(metadata) };
      return { KeyMetadata: metadata };
    });
  }

  public async describeKey(input: KmsDescribeKeyInput): Promise<{ KeyMetadata: KmsKeyMetadata }> {
    return this.call('DescribeKey', input, true, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx);
      return { KeyMetadata: this.metadata(key) };
    });
  }

  public async listKeys(input: { Limit?: number; Marker?: string } = {}): Promise<{ Keys: { KeyId: string; KeyArn: string }[]; Truncated: boolean }> {
    return this.call('ListKeys', input, true, () => {
      this.purgeDeleted();
      const keys = this.store.keysInRegion(this.region).map((k) => ({ KeyId: k.keyId, KeyArn: this.arnOf(k) }));
      return { Keys: keys, Truncated: false };
    });
  }

  public async createAlias(input: KmsAliasInput): Promise<Record<string, never>> {
    return this.call('CreateAlias', input, false, (ctx) => {
      const name = checkAliasName(input.AliasName);
      if (this.store.getAlias(this.region, name)) {
        throw err('AlreadyExistsException', `An alias with the name ${this.aliasArn(name)} already exists.`);
      }
      const key = this.resolveKey(input.TargetKeyId, ctx, { allowAlias: false });
      const now = this.clock().toISOString();
      this.store.putAlias({ aliasName: name, region: this.region, targetKeyId: key.keyId, creationDate: now, lastUpdatedDate: now });
      this.store.save();
      return {};
    });
  }

  public async updateAlias(input: KmsAliasInput): Promise<Record<string, never>> {
    return this.call('UpdateAlias', input, false, (ctx) => {
      const name = checkAliasName(input.AliasName);
      const alias = this.store.getAlias(this.region, name);
      if (!alias) throw err('NotFoundException', `Alias ${this.aliasArn(name)} is not found.`);
      const key = this.resolveKey(input.TargetKeyId, ctx, { allowAlias: false });
      this.store.putAlias({ ...alias, targetKeyId: key.keyId, lastUpdatedDate: this.clock().toISOString() });
      this.store.save();
      return {};
    });
  }

  public async deleteAlias(input: { AliasName: string | undefined }): Promise<Record<string, never>> {
    return this.call('DeleteAlias', input, false, () => {
      const name = checkAliasName(input.AliasName);
      if (!this.store.deleteAlias(this.region, name)) throw err('NotFoundException', `Alias ${this.aliasArn(name)} is not found.`);
      this.store.save();
      return {};
    });
  }

  public async listAliases(input: KmsListAliasesInput = {}): Promise<{ Aliases: KmsAliasListEntry[]; Truncated: boolean }> {
    return this.call('ListAliases', input, true, (ctx) => {
      const keyId = input.KeyId !== undefined ? this.resolveKey(input.KeyId, ctx, { allowAlias: false }).keyId : undefined;
      const aliases = this.store.aliasesInRegion(this.region)
        .filter((a) => keyId === undefined || a.targetKeyId === keyId)
        .map((a) => ({
          AliasName: a.aliasName,
          AliasArn: this.aliasArn(a.aliasName),
          TargetKeyId: a.targetKeyId,
          CreationDate: new Date(a.creationDate),
          LastUpdatedDate: new Date(a.lastUpdatedDate),
        }));
      return { Aliases: aliases, Truncated: false };
    });
  }

  public async getKeyPolicy(input: KmsKeyPolicyInput): Promise<{ Policy: string; PolicyName: string }> {
    return this.call('GetKeyPolicy', input, true, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      return { Policy: key.policy, PolicyName: 'default' };
    });
  }

  public async putKeyPolicy(input: KmsPutKeyPolicyInput): Promise<Record<string, never>> {
    return this.call('PutKeyPolicy', input, false, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      if (typeof input.Policy !== 'string' || input.Policy.length === 0) throw validation('Policy must be a non-empty JSON string.');
      try {
        JSON.parse(input.Policy);
      } catch {
        throw err('MalformedPolicyDocumentException', 'The key policy is not valid JSON.');
      }
      key.policy = input.Policy;
      this.store.save();
      return {};
    });
  }

  public async enableKeyRotation(input: KmsEnableKeyRotationInput): Promise<Record<string, never>> {
    return this.call('EnableKeyRotation', input, false, (ctx) => {
      const key = this.rotatableKey(input.KeyId, ctx);
      const period = input.RotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
      if (!Number.isInteger(period) || period < MIN_ROTATION_PERIOD_DAYS || period > MAX_ROTATION_PERIOD_DAYS) {
        throw validation(`RotationPeriodInDays must be an integer between ${MIN_ROTATION_PERIOD_DAYS} and ${MAX_ROTATION_PERIOD_DAYS} (got ${period}).`);
      }
      key.rotationEnabled = true;
      key.rotationPeriodInDays = period;
      key.lastRotation = this.clock().toISOString();
      this.store.save();
      return {};
    });
  }

  public async disableKeyRotation(input: KmsKeyIdInput): Promise<Record<string, never>> {
    return this.call('DisableKeyRotation', input, false, (ctx) => {
      const key = this.rotatableKey(input.KeyId, ctx);
      key.rotationEnabled = false;
      this.store.save();
      return {};
    });
  }

  public async getKeyRotationStatus(input: KmsKeyIdInput): Promise<KmsKeyRotationStatus> {
    return this.call('GetKeyRotationStatus', input, true, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      const result: KmsKeyRotationStatus = {
        KeyId: this.arnOf(key),
        KeyRotationEnabled: key.rotationEnabled,
      };
      if (key.rotationEnabled && key.rotationPeriodInDays) {
        result.RotationPeriodInDays = key.rotationPeriodInDays;
        result.NextRotationDate = new Date(Date.parse(key.lastRotation) + key.rotationPeriodInDays * DAY_MS);
      }
      return result;
    });
  }

  /** Rotates now: new key material for new ciphertexts; every older version still decrypts. */
  public async rotateKeyOnDemand(input: KmsKeyIdInput): Promise<{ KeyId: string }> {
    return this.call('RotateKeyOnDemand', input, false, (ctx) => {
      const key = this.rotatableKey(input.KeyId, ctx);
      this.requireState(key);
      this.rotate(key);
      this.store.save();
      return { KeyId: this.arnOf(key) };
    });
  }

  public async disableKey(input: KmsKeyIdInput): Promise<Record<string, never>> {
    return this.call('DisableKey', input, false, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      if (key.keyState === 'PendingDeletion') throw this.pendingDeletion(key);
      key.keyState = 'Disabled';
      this.store.save();
      return {};
    });
  }

  public async enableKey(input: KmsKeyIdInput): Promise<Record<string, never>> {
    return this.call('EnableKey', input, false, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      if (key.keyState === 'PendingDeletion') throw this.pendingDeletion(key);
      key.keyState = 'Enabled';
      this.store.save();
      return {};
    });
  }

  public async scheduleKeyDeletion(input: KmsScheduleKeyDeletionInput): Promise<{ KeyId: string; DeletionDate: Date; KeyState: 'PendingDeletion'; PendingWindowInDays: number }> {
    return this.call('ScheduleKeyDeletion', input, false, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      const days = input.PendingWindowInDays ?? DEFAULT_PENDING_WINDOW_DAYS;
      if (!Number.isInteger(days) || days < MIN_PENDING_WINDOW_DAYS || days > MAX_PENDING_WINDOW_DAYS) {
        throw validation(`1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between ${MIN_PENDING_WINDOW_DAYS} and ${MAX_PENDING_WINDOW_DAYS}.`);
      }
      if (key.keyState === 'PendingDeletion') throw this.pendingDeletion(key);
      const deletionDate = new Date(this.clock().getTime() + days * DAY_MS);
      key.keyState = 'PendingDeletion';
      key.deletionDate = deletionDate.toISOString();
      key.pendingWindowInDays = days;
      this.store.save();
      const result = { KeyId: this.arnOf(key), DeletionDate: deletionDate, KeyState: 'PendingDeletion' as const, PendingWindowInDays: days };
      ctx.responseElements = camelKeys(result);
      return result;
    });
  }

  /** Cancels a scheduled deletion. As in KMS, the key is then Disabled until enabled again. */
  public async cancelKeyDeletion(input: KmsKeyIdInput): Promise<{ KeyId: string }> {
    return this.call('CancelKeyDeletion', input, false, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      if (key.keyState !== 'PendingDeletion') {
        throw err('KMSInvalidStateException', `${this.arnOf(key)} is not pending deletion (state ${key.keyState}).`);
      }
      key.keyState = 'Disabled';
      key.deletionDate = undefined;
      key.pendingWindowInDays = undefined;
      this.store.save();
      const result = { KeyId: this.arnOf(key) };
      ctx.responseElements = camelKeys(result);
      return result;
    });
  }

  /** Creates a replica of a multi-Region primary key in `ReplicaRegion`, sharing its key material. */
  public async replicateKey(input: KmsReplicateKeyInput): Promise<{
    ReplicaKeyMetadata: KmsKeyMetadata; ReplicaPolicy: string; ReplicaTags: KmsTag[];
  }> {
    return this.call('ReplicateKey', input, false, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx, { allowAlias: false });
      if (!key.multiRegion) {
        throw err('UnsupportedOperationException', `${this.arnOf(key)} is not a multi-Region key. Create the key with MultiRegion: true to replicate it.`);
      }
      if (key.primaryRegion !== key.region) {
        throw err('UnsupportedOperationException', `${this.arnOf(key)} is a replica key. Replicate its primary key in ${key.primaryRegion} instead.`);
      }
      this.requireState(key);
      const region = input.ReplicaRegion;
      if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw validation(`ReplicaRegion '${String(region)}' is not a region name.`);
      if (region === key.region) throw validation(`ReplicaRegion ${region} is the region of the primary key. Choose another region.`);
      if (this.store.getKey(region, key.keyId)) {
        throw err('AlreadyExistsException', `A replica of ${this.arnOf(key)} already exists in ${region}.`);
      }
      const replica: StoredKey = {
        ...key,
        region,
        creationDate: this.clock().toISOString(),
        description: input.Description ?? key.description,
        keyState: 'Enabled',
        policy: input.Policy ?? key.policy,
        tags: input.Tags ?? key.tags,
        deletionDate: undefined,
        pendingWindowInDays: undefined,
      };
      this.store.putKey(replica);
      this.store.save();
      const metadata = this.metadata(replica);
      ctx.resources.push(metadata.Arn);
      ctx.responseElements = { replicaKeyMetadata: camelKeys(metadata) };
      return { ReplicaKeyMetadata: metadata, ReplicaPolicy: replica.policy, ReplicaTags: replica.tags };
    });
  }

  // ---- cryptographic operations ------------------------------------------------------------

  public async encrypt(input: KmsEncryptInput): Promise<{ CiphertextBlob: Uint8Array; KeyId: string; EncryptionAlgorithm: KmsEncryptionAlgorithm }> {
    return this.call('Encrypt', input, true, (ctx) => {
      const plaintext = requireBytes(input.Plaintext, 'plaintext');
      requireLength(plaintext, 'plaintext', 1, MAX_PLAINTEXT);
      const key = this.usableKey(input.KeyId, ctx, 'ENCRYPT_DECRYPT');
      const algorithm = input.EncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT';
      const blob = this.encryptCore(key, plaintext, input.EncryptionContext, algorithm, ctx);
      return { CiphertextBlob: out(blob), KeyId: this.arnOf(key), EncryptionAlgorithm: algorithm };
    });
  }

  public async decrypt(input: KmsDecryptInput): Promise<{ KeyId: string; Plaintext: Uint8Array; EncryptionAlgorithm: KmsEncryptionAlgorithm }> {
    return this.call('Decrypt', input, true, (ctx) => {
      const { key, plaintext, algorithm } = this.decryptCore(
        input.CiphertextBlob, input.KeyId, input.EncryptionContext, input.EncryptionAlgorithm, ctx);
      return { KeyId: this.arnOf(key), Plaintext: out(plaintext), EncryptionAlgorithm: algorithm };
    });
  }

  public async generateDataKey(input: KmsGenerateDataKeyInput): Promise<{ CiphertextBlob: Uint8Array; Plaintext: Uint8Array; KeyId: string }> {
    return this.call('GenerateDataKey', input, true, (ctx) => {
      const { key, blob, dataKey } = this.dataKeyCore(input, ctx);
      const result = { CiphertextBlob: out(blob), Plaintext: out(dataKey), KeyId: this.arnOf(key) };
      dataKey.fill(0);
      return result;
    });
  }

  public async generateDataKeyWithoutPlaintext(input: KmsGenerateDataKeyInput): Promise<{ CiphertextBlob: Uint8Array; KeyId: string }> {
    return this.call('GenerateDataKeyWithoutPlaintext', input, true, (ctx) => {
      const { key, blob, dataKey } = this.dataKeyCore(input, ctx);
      dataKey.fill(0);
      return { CiphertextBlob: out(blob), KeyId: this.arnOf(key) };
    });
  }

  public async generateDataKeyPair(input: KmsGenerateDataKeyPairInput): Promise<{
    PrivateKeyCiphertextBlob: Uint8Array; PrivateKeyPlaintext: Uint8Array; PublicKey: Uint8Array; KeyId: string; KeyPairSpec: KmsDataKeyPairSpec;
  }> {
    return this.call('GenerateDataKeyPair', input, true, (ctx) => {
      const r = this.dataKeyPairCore(input, ctx);
      const result = {
        PrivateKeyCiphertextBlob: out(r.blob),
        PrivateKeyPlaintext: out(r.privateDer),
        PublicKey: out(r.publicDer),
        KeyId: this.arnOf(r.key),
        KeyPairSpec: r.spec,
      };
      r.privateDer.fill(0);
      return result;
    });
  }

  public async generateDataKeyPairWithoutPlaintext(input: KmsGenerateDataKeyPairInput): Promise<{
    PrivateKeyCiphertextBlob: Uint8Array; PublicKey: Uint8Array; KeyId: string; KeyPairSpec: KmsDataKeyPairSpec;
  }> {
    return this.call('GenerateDataKeyPairWithoutPlaintext', input, true, (ctx) => {
      const r = this.dataKeyPairCore(input, ctx);
      r.privateDer.fill(0);
      return { PrivateKeyCiphertextBlob: out(r.blob), PublicKey: out(r.publicDer), KeyId: this.arnOf(r.key), KeyPairSpec: r.spec };
    });
  }

  public async generateRandom(input: { NumberOfBytes?: number } = {}): Promise<{ Plaintext: Uint8Array }> {
    return this.call('GenerateRandom', input, true, () => {
      const n = input.NumberOfBytes;
      if (n === undefined || !Number.isInteger(n) || n < 1 || n > MAX_DATA_KEY_BYTES) {
        throw validation(`NumberOfBytes must be an integer between 1 and ${MAX_DATA_KEY_BYTES} (got ${String(n)}).`);
      }
      return { Plaintext: out(crypto.randomBytes(n)) };
    });
  }

  /** Decrypts under the source key and encrypts under the destination key; the plaintext never leaves LocalKms. */
  public async reEncrypt(input: KmsReEncryptInput): Promise<{
    CiphertextBlob: Uint8Array;
    SourceKeyId: string;
    KeyId: string;
    SourceEncryptionAlgorithm: KmsEncryptionAlgorithm;
    DestinationEncryptionAlgorithm: KmsEncryptionAlgorithm;
  }> {
    return this.call('ReEncrypt', input, true, (ctx) => {
      const source = this.decryptCore(input.CiphertextBlob, input.SourceKeyId, input.SourceEncryptionContext, input.SourceEncryptionAlgorithm, ctx);
      try {
        const destination = this.usableKey(input.DestinationKeyId, ctx, 'ENCRYPT_DECRYPT');
        const algorithm = input.DestinationEncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT';
        const blob = this.encryptCore(destination, source.plaintext, input.DestinationEncryptionContext, algorithm, ctx);
        return {
          CiphertextBlob: out(blob),
          SourceKeyId: this.arnOf(source.key),
          KeyId: this.arnOf(destination),
          SourceEncryptionAlgorithm: source.algorithm,
          DestinationEncryptionAlgorithm: algorithm,
        };
      } finally {
        source.plaintext.fill(0);
      }
    });
  }

  public async sign(input: KmsSignInput): Promise<{ KeyId: string; Signature: Uint8Array; SigningAlgorithm: KmsSigningAlgorithm }> {
    return this.call('Sign', input, true, (ctx) => {
      const { key, message, algorithm, hash, padding } = this.signingSetup(input, ctx);
      const material = this.currentMaterial(key);
      const privateKey = crypto.createPrivateKey({ key: Buffer.from(material.privateKeyDer!, 'base64'), format: 'der', type: 'pkcs8' });
      const signature = crypto.sign(hash, message, withPadding(privateKey, padding));
      return { KeyId: this.arnOf(key), Signature: out(signature), SigningAlgorithm: algorithm };
    });
  }

  public async verify(input: KmsVerifyInput): Promise<{ KeyId: string; SignatureValid: true; SigningAlgorithm: KmsSigningAlgorithm }> {
    return this.call('Verify', input, true, (ctx) => {
      const signature = requireBytes(input.Signature, 'signature');
      const { key, message, algorithm, hash, padding } = this.signingSetup(input, ctx);
      const material = this.currentMaterial(key);
      const publicKey = crypto.createPublicKey({ key: Buffer.from(material.publicKeyDer!, 'base64'), format: 'der', type: 'spki' });
      let valid = false;
      try {
        valid = crypto.verify(hash, message, withPadding(publicKey, padding), signature);
      } catch {
        valid = false;
      }
      if (!valid) throw err('KMSInvalidSignatureException', 'The signature is not valid for this message, key and signing algorithm.');
      return { KeyId: this.arnOf(key), SignatureValid: true as const, SigningAlgorithm: algorithm };
    });
  }

  public async generateMac(input: KmsGenerateMacInput): Promise<{ KeyId: string; Mac: Uint8Array; MacAlgorithm: KmsMacAlgorithm }> {
    return this.call('GenerateMac', input, true, (ctx) => {
      const { key, mac, algorithm } = this.macCore(input, ctx);
      return { KeyId: this.arnOf(key), Mac: out(mac), MacAlgorithm: algorithm };
    });
  }

  public async verifyMac(input: KmsVerifyMacInput): Promise<{ KeyId: string; MacValid: true; MacAlgorithm: KmsMacAlgorithm }> {
    return this.call('VerifyMac', input, true, (ctx) => {
      const given = requireBytes(input.Mac, 'mac');
      const { key, mac, algorithm } = this.macCore(input, ctx);
      if (given.length !== mac.length || !crypto.timingSafeEqual(given, mac)) {
        throw err('KMSInvalidMacException', 'The MAC is not valid for this message, key and MAC algorithm.');
      }
      return { KeyId: this.arnOf(key), MacValid: true as const, MacAlgorithm: algorithm };
    });
  }

  public async getPublicKey(input: KmsKeyIdInput & { GrantTokens?: string[] }): Promise<{
    KeyId: string;
    PublicKey: Uint8Array;
    KeySpec: KmsKeySpec;
    CustomerMasterKeySpec: KmsKeySpec;
    KeyUsage: KmsKeyUsage;
    EncryptionAlgorithms?: KmsEncryptionAlgorithm[];
    SigningAlgorithms?: KmsSigningAlgorithm[];
  }> {
    return this.call('GetPublicKey', input, true, (ctx) => {
      const key = this.resolveKey(input.KeyId, ctx);
      this.requireState(key);
      if (!isAsymmetric(key.keySpec)) {
        throw err('UnsupportedOperationException', `${this.arnOf(key)} is a ${key.keySpec} key and has no public key. GetPublicKey needs an RSA or ECC key.`);
      }
      const meta = this.metadata(key);
      return {
        KeyId: meta.Arn,
        PublicKey: out(Buffer.from(this.currentMaterial(key).publicKeyDer!, 'base64')),
        KeySpec: key.keySpec,
        CustomerMasterKeySpec: key.keySpec,
        KeyUsage: key.keyUsage,
        ...(meta.EncryptionAlgorithms ? { EncryptionAlgorithms: meta.EncryptionAlgorithms } : {}),
        ...(meta.SigningAlgorithms ? { SigningAlgorithms: meta.SigningAlgorithms } : {}),
      };
    });
  }

  // ---- internals -------------------------------------------------------------------------

  private async call<T>(eventName: string, input: object | undefined, readOnly: boolean, fn: (ctx: CallContext) => T): Promise<T> {
    const ctx: CallContext = { resources: [], responseElements: null };
    const when = this.clock();
    try {
      const result = fn(ctx);
      this.record(eventName, input ?? {}, readOnly, ctx, when);
      return result;
    } catch (e) {
      const error = e instanceof LocalKmsError ? e : new LocalKmsError('KMSInternalException', `LocalKms failed: ${(e as Error).message}`, { fault: 'server' });
      this.record(eventName, input ?? {}, readOnly, ctx, when, error);
      throw error;
    }
  }

  private record(eventName: string, input: object, readOnly: boolean, ctx: CallContext, when: Date, error?: LocalKmsError): void {
    const requestParameters = camelKeys(input);
    const event: CloudTrailEvent = {
      eventVersion: '1.11',
      userIdentity: this.userIdentity(),
      eventTime: isoSeconds(when),
      eventSource: 'kms.amazonaws.com',
      eventName,
      awsRegion: this.region,
      sourceIPAddress: '127.0.0.1',
      userAgent: 'cdk-secure-key/local-kms',
      ...(error ? { errorCode: error.name, errorMessage: error.message } : {}),
      requestParameters: Object.keys(requestParameters).length > 0 ? requestParameters : null,
      responseElements: error ? null : ctx.responseElements,
      ...(ctx.keyMaterialId && !error ? { additionalEventData: { keyMaterialId: ctx.keyMaterialId } } : {}),
      requestID: crypto.randomUUID(),
      eventID: crypto.randomUUID(),
      readOnly,
      resources: [...new Set(ctx.resources)].map((arn) => ({ ARN: arn, type: 'AWS::KMS::Key' as const, accountId: this.accountId })),
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: this.accountId,
      eventCategory: 'Management',
    };
    this.store.recordEvent(event);
  }

  private userIdentity(): CloudTrailEvent['userIdentity'] {
    const arn = this.callerArn;
    const accountId = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1] ?? this.accountId;
    if (/:root$/.test(arn)) return { type: 'Root', principalId: accountId, arn, accountId };
    const user = /^arn:[^:]+:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(arn);
    if (user) return { type: 'IAMUser', principalId: pseudoId('AIDA', arn), arn, accountId, accessKeyId: pseudoId('AKIA', arn), userName: user[1] };
    const assumed = /^arn:[^:]+:sts::\d{12}:assumed-role\/[^/]+\/(.+)$/.exec(arn);
    if (assumed) return { type: 'AssumedRole', principalId: `${pseudoId('AROA', arn.replace(/\/[^/]+$/, ''))}:${assumed[1]}`, arn, accountId, accessKeyId: pseudoId('ASIA', arn) };
    if (/\.amazonaws\.com$/.test(arn)) return { type: 'AWSService', principalId: arn, arn, accountId, invokedBy: arn };
    return { type: 'AssumedRole', principalId: pseudoId('AROA', arn), arn, accountId };
  }

  private arnOf(key: StoredKey): string {
    return `arn:aws:kms:${key.region}:${key.accountId}:key/${key.keyId}`;
  }

  private aliasArn(name: string): string {
    return `arn:aws:kms:${this.region}:${this.accountId}:${name}`;
  }

  private metadata(key: StoredKey): KmsKeyMetadata {
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

  private purgeDeleted(): void {
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
  private resolveKey(keyIdInput: string | undefined, ctx: CallContext, options: { allowAlias?: boolean } = {}): StoredKey {
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
    }
    const key = this.store.getKey(this.region, keyId);
    if (!key) throw err('NotFoundException', `Key 'arn:aws:kms:${this.region}:${this.accountId}:key/${keyId}' does not exist`);
    this.autoRotate(key);
    ctx.resources.push(this.arnOf(key));
    return key;
  }

  /** Automatic rotation, applied lazily when the clock passes the next rotation date. */
  private autoRotate(key: StoredKey): void {
    if (!key.rotationEnabled || !key.rotationPeriodInDays || key.primaryRegion !== undefined && key.primaryRegion !== key.region) return;
    const next = Date.parse(key.lastRotation) + key.rotationPeriodInDays * DAY_MS;
    if (this.clock().getTime() >= next) {
      this.rotate(key);
      this.store.save();
    }
  }

  private rotate(key: StoredKey): void {
    const now = this.clock();
    this.store.materials[key.materialId].push(newMaterial(key.keySpec, now));
    // Replicas share the material list, so they rotate with their primary, as in KMS.
    for (const k of this.store.keysWithId(key.keyId)) k.lastRotation = now.toISOString();
    key.lastRotation = now.toISOString();
  }

  private rotatableKey(keyIdInput: string | undefined, ctx: CallContext): StoredKey {
    const key = this.resolveKey(keyIdInput, ctx, { allowAlias: false });
    if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
      throw err('UnsupportedOperationException', `${this.arnOf(key)} is a ${key.keySpec} key; KMS rotates symmetric encryption keys only.`);
    }
    if (key.multiRegion && key.primaryRegion !== key.region) {
      throw err('UnsupportedOperationException', `${this.arnOf(key)} is a multi-Region replica; manage rotation on its primary key in ${key.primaryRegion}.`);
    }
    return key;
  }

  private pendingDeletion(key: StoredKey): LocalKmsError {
    return err('KMSInvalidStateException', `${this.arnOf(key)} is pending deletion.`);
  }

  private requireState(key: StoredKey): void {
    if (key.keyState === 'Disabled') throw err('DisabledException', `${this.arnOf(key)} is disabled.`);
    if (key.keyState === 'PendingDeletion') throw this.pendingDeletion(key);
  }

  private usableKey(keyIdInput: string | undefined, ctx: CallContext, usage: KmsKeyUsage): StoredKey {
    const key = this.resolveKey(keyIdInput, ctx);
    this.requireState(key);
    if (key.keyUsage !== usage) {
      throw err('InvalidKeyUsageException', `${this.arnOf(key)} key usage is ${key.keyUsage} which is not valid for this operation (needs ${usage}).`);
    }
    return key;
  }

  private currentMaterial(key: StoredKey): StoredMaterial {
    const versions = this.store.materials[key.materialId];
    return versions[versions.length - 1];
  }

  private symmetricKey(key: StoredKey, ctx: CallContext, operation: string): StoredKey {
    if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
      throw err('InvalidKeyUsageException', `${this.arnOf(key)} is a ${key.keySpec} key; ${operation} needs a symmetric encryption key.`);
    }
    void ctx;
    return key;
  }

  private encryptCore(
    key: StoredKey, plaintext: Buffer, context: KmsEncryptionContext | undefined, algorithm: KmsEncryptionAlgorithm, ctx: CallContext,
  ): Buffer {
    if (key.keySpec === 'SYMMETRIC_DEFAULT') {
      if (algorithm !== 'SYMMETRIC_DEFAULT') throw err('InvalidKeyUsageException', `EncryptionAlgorithm ${algorithm} is not valid for ${this.arnOf(key)}; use SYMMETRIC_DEFAULT.`);
      const material = this.currentMaterial(key);
      ctx.keyMaterialId = material.id;
      return sealSymmetric(key.keyId, material, plaintext, canonicalContext(context));
    }
    if (!RSA_ENCRYPTION.includes(algorithm)) {
      throw err('InvalidKeyUsageException', `EncryptionAlgorithm ${algorithm} is not valid for ${this.arnOf(key)}; use one of ${RSA_ENCRYPTION.join(', ')}.`);
    }
    if (context && Object.keys(context).length > 0) throw validation('EncryptionContext is not supported with asymmetric KMS keys.');
    const material = this.currentMaterial(key);
    const publicKey = crypto.createPublicKey({ key: Buffer.from(material.publicKeyDer!, 'base64'), format: 'der', type: 'spki' });
    try {
      return crypto.publicEncrypt({ key: publicKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256' }, plaintext);
    } catch {
      throw validation(`Plaintext is too long for ${key.keySpec} with ${algorithm}.`);
    }
  }

  private decryptCore(
    blobInput: Uint8Array | undefined, keyIdInput: string | undefined, context: KmsEncryptionContext | undefined,
    algorithmInput: KmsEncryptionAlgorithm | undefined, ctx: CallContext,
  ): { key: StoredKey; plaintext: Buffer; algorithm: KmsEncryptionAlgorithm } {
    const blob = requireBytes(blobInput, 'ciphertextBlob');
    requireLength(blob, 'ciphertextBlob', 1, 6144);
    const algorithm = algorithmInput ?? 'SYMMETRIC_DEFAULT';
    if (algorithm !== 'SYMMETRIC_DEFAULT') {
      // Asymmetric ciphertexts carry no key reference: KMS requires the KeyId.
      if (keyIdInput === undefined) throw validation('KeyId is required to decrypt with an asymmetric KMS key.');
      const key = this.usableKey(keyIdInput, ctx, 'ENCRYPT_DECRYPT');
      if (!RSA_ENCRYPTION.includes(algorithm) || !RSA_SPECS[key.keySpec]) {
        throw err('InvalidKeyUsageException', `EncryptionAlgorithm ${algorithm} is not valid for ${this.arnOf(key)}.`);
      }
      const material = this.currentMaterial(key);
      const privateKey = crypto.createPrivateKey({ key: Buffer.from(material.privateKeyDer!, 'base64'), format: 'der', type: 'pkcs8' });
      try {
        const plaintext = crypto.privateDecrypt({ key: privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256' }, blob);
        return { key, plaintext, algorithm };
      } catch {
        throw err('InvalidCiphertextException', 'The ciphertext is invalid for this key and encryption algorithm.');
      }
    }
    const parsed = parseSymmetricBlob(blob);
    if (!parsed) throw err('InvalidCiphertextException', 'The ciphertext is not a ciphertext blob made by KMS (malformed or truncated).');
    let key: StoredKey;
    if (keyIdInput !== undefined) {
      key = this.resolveKey(keyIdInput, ctx);
      if (key.keyId !== parsed.keyId) {
        throw err('IncorrectKeyException', `The key ID in the request does not identify the KMS key that encrypted the ciphertext (request: ${this.arnOf(key)}).`);
      }
    } else {
      key = this.resolveKey(parsed.keyId, ctx);
    }
    this.requireState(key);
    if (key.keyUsage !== 'ENCRYPT_DECRYPT') throw err('InvalidKeyUsageException', `${this.arnOf(key)} key usage is ${key.keyUsage}; Decrypt needs ENCRYPT_DECRYPT.`);
    const material = this.store.materials[key.materialId].find((m) => m.id === parsed.materialId);
    if (!material) throw err('InvalidCiphertextException', 'The ciphertext refers to key material this key does not have.');
    ctx.keyMaterialId = material.id;
    const plaintext = openSymmetric(parsed, material, canonicalContext(context));
    if (!plaintext) {
      throw err('InvalidCiphertextException', 'The ciphertext or its encryption context is wrong: authentication failed. Pass exactly the encryption context used to encrypt.');
    }
    return { key, plaintext, algorithm };
  }

  private dataKeyCore(input: KmsGenerateDataKeyInput, ctx: CallContext): { key: StoredKey; blob: Buffer; dataKey: Buffer } {
    const hasSpec = input.KeySpec !== undefined;
    const hasBytes = input.NumberOfBytes !== undefined;
    if (hasSpec === hasBytes) throw validation('Please specify either number of bytes or key spec (exactly one).');
    let n: number;
    if (hasSpec) {
      if (input.KeySpec !== 'AES_128' && input.KeySpec !== 'AES_256') {
        throw validation(`1 validation error detected: Value '${String(input.KeySpec)}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128].`);
      }
      n = input.KeySpec === 'AES_128' ? 16 : 32;
    } else {
      n = input.NumberOfBytes!;
      if (!Number.isInteger(n) || n < 1 || n > MAX_DATA_KEY_BYTES) {
        throw validation(`1 validation error detected: Value '${n}' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and ${MAX_DATA_KEY_BYTES}.`);
      }
    }
    const key = this.symmetricKey(this.usableKey(input.KeyId, ctx, 'ENCRYPT_DECRYPT'), ctx, 'GenerateDataKey');
    const dataKey = crypto.randomBytes(n);
    const blob = this.encryptCore(key, dataKey, input.EncryptionContext, 'SYMMETRIC_DEFAULT', ctx);
    return { key, blob, dataKey };
  }

  private dataKeyPairCore(input: KmsGenerateDataKeyPairInput, ctx: CallContext): {
    key: StoredKey; blob: Buffer; privateDer: Buffer; publicDer: Buffer; spec: KmsDataKeyPairSpec;
  } {
    const spec = input.KeyPairSpec;
    if (spec === undefined || (!RSA_SPECS[spec] && !ECC_CURVES[spec])) {
      throw validation(`KeyPairSpec '${String(spec)}' is not one of ${[...Object.keys(RSA_SPECS), ...Object.keys(ECC_CURVES)].join(', ')}.`);
    }
    const key = this.symmetricKey(this.usableKey(input.KeyId, ctx, 'ENCRYPT_DECRYPT'), ctx, 'GenerateDataKeyPair');
    const pair = RSA_SPECS[spec]
      ? crypto.generateKeyPairSync('rsa', { modulusLength: RSA_SPECS[spec] })
      : crypto.generateKeyPairSync('ec', { namedCurve: ECC_CURVES[spec] });
    const privateDer = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
    const publicDer = pair.publicKey.export({ format: 'der', type: 'spki' });
    const blob = this.encryptCore(key, privateDer, input.EncryptionContext, 'SYMMETRIC_DEFAULT', ctx);
    return { key, blob, privateDer, publicDer, spec };
  }

  private signingSetup(input: KmsSignInput, ctx: CallContext): {
    key: StoredKey; message: Buffer; algorithm: KmsSigningAlgorithm; hash: string; padding?: number;
  } {
    const message = requireBytes(input.Message, 'message');
    requireLength(message, 'message', 1, MAX_PLAINTEXT);
    const key = this.usableKey(input.KeyId, ctx, 'SIGN_VERIFY');
    const algorithm = input.SigningAlgorithm;
    const allowed = RSA_SPECS[key.keySpec] ? RSA_SIGNING : [ECDSA_ALGORITHM[key.keySpec]];
    if (algorithm === undefined || !allowed.includes(algorithm)) {
      throw err('InvalidKeyUsageException', `SigningAlgorithm ${String(algorithm)} is not valid for ${this.arnOf(key)} (${key.keySpec}); use one of ${allowed.join(', ')}.`);
    }
    if ((input.MessageType ?? 'RAW') !== 'RAW') {
      throw err('UnsupportedOperationException', 'LocalKms signs MessageType RAW only; pass the message, not its digest.');
    }
    const hash = `sha${algorithm.slice(-3)}`;
    const padding = algorithm.startsWith('RSASSA_PSS') ? crypto.constants.RSA_PKCS1_PSS_PADDING
      : algorithm.startsWith('RSASSA_PKCS1') ? crypto.constants.RSA_PKCS1_PADDING : undefined;
    ctx.keyMaterialId = this.currentMaterial(key).id;
    return { key, message, algorithm, hash, padding };
  }

  private macCore(input: KmsGenerateMacInput, ctx: CallContext): { key: StoredKey; mac: Buffer; algorithm: KmsMacAlgorithm } {
    const message = requireBytes(input.Message, 'message');
    requireLength(message, 'message', 1, MAX_PLAINTEXT);
    const key = this.usableKey(input.KeyId, ctx, 'GENERATE_VERIFY_MAC');
    const spec = HMAC_SPECS[key.keySpec];
    if (input.MacAlgorithm !== spec.algorithm) {
      throw err('InvalidKeyUsageException', `MacAlgorithm ${String(input.MacAlgorithm)} is not valid for ${this.arnOf(key)} (${key.keySpec}); use ${spec.algorithm}.`);
    }
    const material = this.currentMaterial(key);
    ctx.keyMaterialId = material.id;
    const mac = crypto.createHmac(spec.hash, Buffer.from(material.secret!, 'base64')).update(message).digest();
    return { key, mac, algorithm: spec.algorithm };
  }
}

function operationName(command: { constructor: { name: string } }): string {
  // The SDK's command schema carries the operation name, which survives minification; the class
  // name is the fallback.
  const schema = (command as { schema?: unknown }).schema;
  if (Array.isArray(schema) && typeof schema[2] === 'string') return schema[2];
  return command.constructor.name.replace(/Command$/, '');
}

/** The key as node:crypto sign/verify take it: with RSA padding (PSS salt = digest length, as KMS) when given. */
function withPadding(key: crypto.KeyObject, padding: number | undefined): crypto.KeyObject | crypto.SignKeyObjectInput {
  return padding === undefined ? key : { key, padding, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST };
}

function isAsymmetric(spec: KmsKeySpec): boolean {
  return RSA_SPECS[spec] !== undefined || ECC_CURVES[spec] !== undefined;
}

function checkSpecUsage(spec: KmsKeySpec, usage: KmsKeyUsage): void {
  const allowed: KmsKeyUsage[] | undefined = spec === 'SYMMETRIC_DEFAULT' ? ['ENCRYPT_DECRYPT']
    : RSA_SPECS[spec] ? ['ENCRYPT_DECRYPT', 'SIGN_VERIFY']
      : ECC_CURVES[spec] ? ['SIGN_VERIFY']
        : HMAC_SPECS[spec] ? ['GENERATE_VERIFY_MAC'] : undefined;
  if (!allowed) throw validation(`KeySpec '${String(spec)}' is not supported. Use SYMMETRIC_DEFAULT, RSA_*, ECC_* or HMAC_*.`);
  if (!allowed.includes(usage)) {
    throw validation(`KeyUsage ${String(usage)} is not compatible with KeySpec ${spec}; allowed: ${allowed.join(', ')}.`);
  }
}

function checkAliasName(name: string | undefined): string {
  if (typeof name !== 'string' || !/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(name)) {
    throw validation(`AliasName '${String(name)}' must start with 'alias/' followed by letters, digits, '/', '_' or '-'.`);
  }
  if (name.startsWith('alias/aws/')) {
    throw err('NotAuthorizedException', `AliasName ${name} is reserved for AWS managed keys.`);
  }
  return name;
}

function defaultPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
  });
}

function newMaterial(spec: KmsKeySpec, now: Date): StoredMaterial {
  const id = crypto.randomBytes(MATERIAL_ID_BYTES).toString('hex');
  const createdAt = now.toISOString();
  if (spec === 'SYMMETRIC_DEFAULT') return { id, createdAt, secret: crypto.randomBytes(32).toString('base64') };
  if (HMAC_SPECS[spec]) return { id, createdAt, secret: crypto.randomBytes(HMAC_SPECS[spec].bytes).toString('base64') };
  const pair = RSA_SPECS[spec]
    ? crypto.generateKeyPairSync('rsa', { modulusLength: RSA_SPECS[spec] })
    : crypto.generateKeyPairSync('ec', { namedCurve: ECC_CURVES[spec] });
  return {
    id,
    createdAt,
    privateKeyDer: pair.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKeyDer: pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

interface ParsedBlob { keyId: string; materialId: string; header: Buffer; iv: Buffer; ciphertext: Buffer; tag: Buffer }

// Blob layout: "LKM1" | keyId length (1) | keyId | material id (32) | IV (12) | ciphertext | tag (16).
// The header is authenticated with the encryption context, so the blob is bound to its key.
function sealSymmetric(keyId: string, material: StoredMaterial, plaintext: Buffer, context: Buffer): Buffer {
  const keyIdBytes = Buffer.from(keyId, 'utf8');
  const header = Buffer.concat([SYMMETRIC_BLOB_MAGIC, Buffer.from([keyIdBytes.length]), keyIdBytes, Buffer.from(material.id, 'hex')]);
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', Buffer.from(material.secret!, 'base64'), iv);
  cipher.setAAD(Buffer.concat([header, context]));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, ciphertext, cipher.getAuthTag()]);
}

function parseSymmetricBlob(blob: Buffer): ParsedBlob | undefined {
  if (blob.length < SYMMETRIC_BLOB_MAGIC.length + 1 || !blob.subarray(0, 4).equals(SYMMETRIC_BLOB_MAGIC)) return undefined;
  const idLength = blob[4];
  const headerLength = 5 + idLength + MATERIAL_ID_BYTES;
  if (blob.length < headerLength + IV_BYTES + TAG_BYTES) return undefined;
  return {
    keyId: blob.subarray(5, 5 + idLength).toString('utf8'),
    materialId: blob.subarray(5 + idLength, headerLength).toString('hex'),
    header: blob.subarray(0, headerLength),
    iv: blob.subarray(headerLength, headerLength + IV_BYTES),
    ciphertext: blob.subarray(headerLength + IV_BYTES, blob.length - TAG_BYTES),
    tag: blob.subarray(blob.length - TAG_BYTES),
  };
}

function openSymmetric(parsed: ParsedBlob, material: StoredMaterial, context: Buffer): Buffer | undefined {
  const decipher = crypto.createDecipheriv('aes-256-gcm', Buffer.from(material.secret!, 'base64'), parsed.iv);
  decipher.setAAD(Buffer.concat([parsed.header, context]));
  decipher.setAuthTag(parsed.tag);
  try {
    return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

export type { StoredKey, StoredMaterial, StoredAlias };
