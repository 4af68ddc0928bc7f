/**
 * A branch key store client as the specification defines it: CreateKey, VersionKey,
 * GetActiveBranchKey, GetBranchKeyVersion and GetBeaconKey over a DynamoDB table and a KMS key.
 * It talks to both through small injected interfaces (the DynamoDB and KMS adapters in
 * lambda/providers build them from SDK clients; tests pass in-memory ones), so this file never
 * imports the AWS SDK.
 */
import { randomUUID } from 'node:crypto';
import {
  ATTR_BRANCH_KEY_ID, ATTR_ENC, BranchKeyItem, BranchKeyItemFields, BranchKeyItemKind, createTimeOf, itemForFields,
  kmsContextForFields, parseBranchKeyItem, sortKeyOf, TYPE_ACTIVE, TYPE_BEACON, TYPE_VERSION_PREFIX, ATTR_TYPE,
  BranchKeyAttributeValue,
} from './branch-key-items';
import { ConfigurationError, KmsError } from '../core/errors';

/** Condition on the Put of a new item: nothing with this key exists yet. */
export const CONDITION_NEW_ITEM = 'attribute_not_exists(#bkid)';
/** Condition on replacing `branch:ACTIVE`: it still holds the `enc` read before (no racing VersionKey). */
export const CONDITION_ACTIVE_UNCHANGED = 'attribute_exists(#bkid) AND #enc = :encOld';

export interface BranchKeyTablePut {
  readonly TableName: string;
  readonly Item: Record<string, BranchKeyAttributeValue>;
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, BranchKeyAttributeValue>;
}

/** The DynamoDB calls the store makes, in the low-level client's input and output shapes. */
export interface BranchKeyTable {
  getItem(input: {
    TableName: string;
    Key: Record<string, BranchKeyAttributeValue>;
    ConsistentRead: boolean;
  }): Promise<{ Item?: BranchKeyItem }>;
  /** All puts succeed together or none do; a failed condition rejects the whole call. */
  transactWriteItems(input: { TransactItems: Array<{ Put: BranchKeyTablePut }> }): Promise<unknown>;
}

/** The KMS calls the store makes, in the SDK's input and output shapes. */
export interface BranchKeyKms {
  generateDataKeyWithoutPlaintext(input: {
    KeyId: string; NumberOfBytes: number; EncryptionContext: Record<string, string>; GrantTokens?: string[];
  }): Promise<{ CiphertextBlob?: Uint8Array }>;
  reEncrypt(input: {
    CiphertextBlob: Uint8Array;
    SourceKeyId: string;
    SourceEncryptionContext: Record<string, string>;
    DestinationKeyId: string;
    DestinationEncryptionContext: Record<string, string>;
    GrantTokens?: string[];
  }): Promise<{ CiphertextBlob?: Uint8Array }>;
  decrypt(input: {
    KeyId: string; CiphertextBlob: Uint8Array; EncryptionContext: Record<string, string>; GrantTokens?: string[];
  }): Promise<{ Plaintext?: Uint8Array }>;
}

export interface BranchKeyStoreClientOptions {
  /** The DynamoDB table name. */
  readonly tableName: string;
  /**
   * The name bound into every key's KMS encryption context (`tablename`); one per table, kept when a
   * table is restored under another name. Often the table name.
   */
  readonly logicalKeyStoreName: string;
  /** ARN of the KMS key that wraps branch keys (not an alias). */
  readonly kmsKeyArn: string;
  readonly table: BranchKeyTable;
  readonly kms: BranchKeyKms;
  /** @default - none */
  readonly grantTokens?: readonly string[];
  /** @default - the system clock */
  readonly now?: () => Date;
}

/** A decrypted branch key. The caller owns `branchKey` and zeroes it when done. */
export interface BranchKeyMaterials {
  readonly branchKeyId: string;
  /** The version, a UUID string. */
  readonly branchKeyVersion: string;
  /** 32 bytes. */
  readonly branchKey: Buffer;
  /** The branch key's custom encryption context (without the `aws-crypto-ec:` prefix). */
  readonly encryptionContext: Readonly<Record<string, string>>;
}

/** A decrypted beacon key. The caller owns `beaconKey`. */
export interface BeaconKeyMaterials {
  readonly branchKeyId: string;
  readonly beaconKey: Buffer;
  readonly encryptionContext: Readonly<Record<string, string>>;
}

export interface CreateBranchKeyInput {
  /** @default - a new version 4 UUID */
  readonly branchKeyId?: string;
  /**
   * Custom encryption context bound to every version (stored as `aws-crypto-ec:<key>`). The
   * specification requires one when `branchKeyId` is given.
   * @default - none
   */
  readonly encryptionContext?: Readonly<Record<string, string>>;
}

const KEY_LENGTH = 32;
const ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[^/]+$/;

export class BranchKeyStoreClient {
  public readonly tableName: string;
  public readonly logicalKeyStoreName: string;
  public readonly kmsKeyArn: string;
  private readonly table: BranchKeyTable;
  private readonly kms: BranchKeyKms;
  private readonly grantTokens?: string[];
  private readonly now: () => Date;

  constructor(options: BranchKeyStoreClientOptions) {
    if (!options || typeof options.tableName !== 'string' || options.tableName.length === 0) {
      throw new ConfigurationError('BranchKeyStoreClient needs tableName: the DynamoDB table holding branch keys.');
    }
    if (typeof options.logicalKeyStoreName !== 'string' || options.logicalKeyStoreName.length === 0) {
      throw new ConfigurationError('BranchKeyStoreClient needs logicalKeyStoreName: the name bound to every branch key (often the table name).');
    }
    if (typeof options.kmsKeyArn !== 'string' || !ARN_PATTERN.test(options.kmsKeyArn)) {
      throw new ConfigurationError(`BranchKeyStoreClient kmsKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias or key id; received "${options.kmsKeyArn}".`);
    }
    if (!options.table || typeof options.table.getItem !== 'function' || typeof options.table.transactWriteItems !== 'function') {
      throw new ConfigurationError('BranchKeyStoreClient needs table: an object with getItem and transactWriteItems (see dynamoDbBranchKeyTable).');
    }
    if (!options.kms || typeof options.kms.decrypt !== 'function') {
      throw new ConfigurationError('BranchKeyStoreClient needs kms: an object with generateDataKeyWithoutPlaintext, reEncrypt and decrypt (see kmsBranchKeyOperations).');
    }
    this.tableName = options.tableName;
    this.logicalKeyStoreName = options.logicalKeyStoreName;
    this.kmsKeyArn = options.kmsKeyArn;
    this.table = options.table;
    this.kms = options.kms;
    this.grantTokens = options.grantTokens ? [...options.grantTokens] : undefined;
    this.now = options.now ?? (() => new Date());
  }

  /** Creates a branch key (its first version, ACTIVE copy and beacon key); returns its id. */
  public async createKey(input: CreateBranchKeyInput = {}): Promise<string> {
    if (input.branchKeyId !== undefined && input.encryptionContext === undefined) {
      throw new ConfigurationError(`createKey with branchKeyId "${input.branchKeyId}" needs an encryptionContext too (the specification requires one for caller-chosen ids); pass e.g. { tenant: "<id>" }.`);
    }
    if (input.branchKeyId !== undefined && (typeof input.branchKeyId !== 'string' || input.branchKeyId.length === 0)) {
      throw new ConfigurationError('createKey branchKeyId must be a non-empty string.');
    }
    const branchKeyId = input.branchKeyId ?? randomUUID();
    const customContext = { ...(input.encryptionContext ?? {}) };
    const createTime = createTimeOf(this.now());
    const base = { branchKeyId, kmsArn: this.kmsKeyArn, createTime, customContext };
    const [decryptOnly, active] = await this.newBranchKeyVersion(base);
    const beaconFields: BranchKeyItemFields = { ...base, type: TYPE_BEACON };
    const beaconEnc = await this.generateWrapped(beaconFields);
    await this.write([
      this.put(decryptOnly.fields, decryptOnly.enc),
      this.put(active.fields, active.enc),
      this.put(beaconFields, beaconEnc),
    ]);
    return branchKeyId;
  }

  /** Makes a new version ACTIVE; the old versions stay readable for decrypt. Returns the new version. */
  public async versionKey(branchKeyId: string): Promise<string> {
    this.checkId(branchKeyId);
    const out = await this.table.getItem({ TableName: this.tableName, Key: this.keyOf(branchKeyId, { kind: 'active' }), ConsistentRead: true });
    const current = parseBranchKeyItem(out.Item, branchKeyId, { kind: 'active' }, this.logicalKeyStoreName);
    this.checkArn(current.fields.kmsArn, branchKeyId);
    // Authenticate the item before building on it: ReEncrypt to itself fails unless every attribute is intact.
    await this.kmsCall('ReEncrypt', () => this.kms.reEncrypt({
      CiphertextBlob: current.enc,
      SourceKeyId: this.kmsKeyArn,
      SourceEncryptionContext: current.kmsContext,
      DestinationKeyId: this.kmsKeyArn,
      DestinationEncryptionContext: current.kmsContext,
      GrantTokens: this.grantTokens,
    }));
    const base = { branchKeyId, kmsArn: current.fields.kmsArn, createTime: createTimeOf(this.now()), customContext: current.fields.customContext };
    const [decryptOnly, active, version] = await this.newBranchKeyVersion(base);
    const replaceActive = this.put(active.fields, active.enc);
    await this.write([
      this.put(decryptOnly.fields, decryptOnly.enc),
      {
        ...replaceActive,
        ConditionExpression: CONDITION_ACTIVE_UNCHANGED,
        ExpressionAttributeNames: { '#bkid': ATTR_BRANCH_KEY_ID, '#enc': ATTR_ENC },
        ExpressionAttributeValues: { ':encOld': { B: current.enc } },
      },
    ]);
    return version;
  }

  public async getActiveBranchKey(branchKeyId: string): Promise<BranchKeyMaterials> {
    return this.branchKey(branchKeyId, { kind: 'active' });
  }

  public async getBranchKeyVersion(branchKeyId: string, branchKeyVersion: string): Promise<BranchKeyMaterials> {
    if (typeof branchKeyVersion !== 'string' || branchKeyVersion.length === 0) {
      throw new ConfigurationError('getBranchKeyVersion needs a branchKeyVersion (a UUID string).');
    }
    return this.branchKey(branchKeyId, { kind: 'version', version: branchKeyVersion });
  }

  public async getBeaconKey(branchKeyId: string): Promise<BeaconKeyMaterials> {
    const { plaintext, parsed } = await this.read(branchKeyId, { kind: 'beacon' });
    return { branchKeyId, beaconKey: plaintext, encryptionContext: parsed.fields.customContext };
  }

  private async branchKey(branchKeyId: string, which: BranchKeyItemKind): Promise<BranchKeyMaterials> {
    const { plaintext, parsed } = await this.read(branchKeyId, which);
    return {
      branchKeyId, branchKeyVersion: parsed.branchKeyVersion!, branchKey: plaintext, encryptionContext: parsed.fields.customContext,
    };
  }

  private async read(branchKeyId: string, which: BranchKeyItemKind) {
    this.checkId(branchKeyId);
    const out = await this.table.getItem({ TableName: this.tableName, Key: this.keyOf(branchKeyId, which), ConsistentRead: false });
    const parsed = parseBranchKeyItem(out.Item, branchKeyId, which, this.logicalKeyStoreName);
    this.checkArn(parsed.fields.kmsArn, branchKeyId);
    const result = await this.kmsCall('Decrypt', () => this.kms.decrypt({
      KeyId: this.kmsKeyArn, CiphertextBlob: parsed.enc, EncryptionContext: parsed.kmsContext, GrantTokens: this.grantTokens,
    }));
    const plaintext = result.Plaintext;
    if (!(plaintext instanceof Uint8Array) || plaintext.length !== KEY_LENGTH) {
      if (plaintext instanceof Uint8Array) plaintext.fill(0);
      throw new KmsError('InvalidResponse', `KMS Decrypt of branch key "${branchKeyId}" (${sortKeyOf(which)}) returned no ${KEY_LENGTH}-byte key.`);
    }
    const key = Buffer.from(plaintext);
    plaintext.fill(0);
    return { plaintext: key, parsed };
  }

  /** DECRYPT_ONLY (GenerateDataKeyWithoutPlaintext) and its ACTIVE copy (ReEncrypt) for a new version. */
  private async newBranchKeyVersion(base: Omit<BranchKeyItemFields, 'type' | 'version'>) {
    const version = randomUUID();
    const decryptOnlyFields: BranchKeyItemFields = { ...base, type: TYPE_VERSION_PREFIX + version };
    const activeFields: BranchKeyItemFields = { ...base, type: TYPE_ACTIVE, version: TYPE_VERSION_PREFIX + version };
    const decryptOnlyEnc = await this.generateWrapped(decryptOnlyFields);
    const out = await this.kmsCall('ReEncrypt', () => this.kms.reEncrypt({
      CiphertextBlob: decryptOnlyEnc,
      SourceKeyId: this.kmsKeyArn,
      SourceEncryptionContext: kmsContextForFields(decryptOnlyFields, this.logicalKeyStoreName),
      DestinationKeyId: this.kmsKeyArn,
      DestinationEncryptionContext: kmsContextForFields(activeFields, this.logicalKeyStoreName),
      GrantTokens: this.grantTokens,
    }));
    const activeEnc = requireBlob(out.CiphertextBlob, 'ReEncrypt');
    return [
      { fields: decryptOnlyFields, enc: decryptOnlyEnc },
      { fields: activeFields, enc: activeEnc },
      version,
    ] as const;
  }

  private async generateWrapped(fields: BranchKeyItemFields): Promise<Uint8Array> {
    const out = await this.kmsCall('GenerateDataKeyWithoutPlaintext', () => this.kms.generateDataKeyWithoutPlaintext({
      KeyId: this.kmsKeyArn,
      NumberOfBytes: KEY_LENGTH,
      EncryptionContext: kmsContextForFields(fields, this.logicalKeyStoreName),
      GrantTokens: this.grantTokens,
    }));
    return requireBlob(out.CiphertextBlob, 'GenerateDataKeyWithoutPlaintext');
  }

  private put(fields: BranchKeyItemFields, enc: Uint8Array): BranchKeyTablePut {
    return {
      TableName: this.tableName,
      Item: itemForFields(fields, enc),
      ConditionExpression: CONDITION_NEW_ITEM,
      ExpressionAttributeNames: { '#bkid': ATTR_BRANCH_KEY_ID },
    };
  }

  private async write(puts: BranchKeyTablePut[]): Promise<void> {
    await this.table.transactWriteItems({ TransactItems: puts.map((Put) => ({ Put })) });
  }

  private keyOf(branchKeyId: string, which: BranchKeyItemKind): Record<string, BranchKeyAttributeValue> {
    return { [ATTR_BRANCH_KEY_ID]: { S: branchKeyId }, [ATTR_TYPE]: { S: sortKeyOf(which) } };
  }

  private checkId(branchKeyId: string): void {
    if (typeof branchKeyId !== 'string' || branchKeyId.length === 0) {
      throw new ConfigurationError('A branch key id must be a non-empty string.');
    }
  }

  private checkArn(stored: string, branchKeyId: string): void {
    if (stored !== this.kmsKeyArn) {
      throw new ConfigurationError(`Branch key "${branchKeyId}" is wrapped by KMS key ${stored}, not this store's ${this.kmsKeyArn}; configure the store with that key.`);
    }
  }

  private async kmsCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof KmsError) throw err;
      const name = (err as { name?: string })?.name ?? 'Error';
      const retryable = name === 'ThrottlingException' || name === 'KMSInternalException' || name === 'DependencyTimeoutException';
      throw new KmsError(name, `KMS ${operation} for branch key store "${this.logicalKeyStoreName}" failed: the item may have been altered, `
        + `or the key policy does not allow this caller with encryption context tablename=${this.logicalKeyStoreName}.`, { cause: err, retryable });
    }
  }
}

function requireBlob(blob: Uint8Array | undefined, operation: string): Uint8Array {
  if (!(blob instanceof Uint8Array) || blob.length === 0) {
    throw new KmsError('InvalidResponse', `KMS ${operation} returned no CiphertextBlob.`);
  }
  return blob;
}
