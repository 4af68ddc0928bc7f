import type { KeyObject } from 'node:crypto';

/**
 * Encryption context: non-secret key/value pairs bound to a message (authenticated, not encrypted).
 * Serialized into the message header and passed to KMS as the KMS encryption context.
 */
export type EncryptionContext = Readonly<Record<string, string>>;

/** Committing algorithm suites of the AWS Encryption SDK message format v2. */
export enum AlgorithmSuiteId {
  /** AES-256-GCM, HKDF-SHA512, key commitment, no signature. The default. */
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY = 0x0478,
  /** AES-256-GCM, HKDF-SHA512, key commitment, ECDSA P-384 signature. */
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 = 0x0578,
}

/** One wrapped copy of a message's data key, as stored in the message header. */
export interface EncryptedDataKey {
  /** Key provider id; `aws-kms` for AWS KMS (and the local stand-in). */
  readonly providerId: string;
  /** Key provider info; for `aws-kms`, the ARN of the KMS key that wrapped the data key. */
  readonly providerInfo: string;
  /** The wrapped data key (for KMS, the ciphertext blob). */
  readonly encryptedDataKey: Buffer;
}

export interface GenerateDataKeyInput {
  readonly numberOfBytes: number;
  readonly encryptionContext: EncryptionContext;
}

export interface GenerateDataKeyOutput {
  /** The plaintext data key. The caller owns it and zeroes it when done. */
  readonly plaintextDataKey: Buffer;
  readonly encryptedDataKey: EncryptedDataKey;
}

export interface DecryptDataKeyInput {
  readonly encryptedDataKey: EncryptedDataKey;
  readonly encryptionContext: EncryptionContext;
}

export interface ReEncryptDataKeyInput {
  readonly encryptedDataKey: EncryptedDataKey;
  readonly encryptionContext: EncryptionContext;
  /** Key id, ARN or alias of the key to re-wrap under. */
  readonly destinationKeyId: string;
}

/**
 * The small surface the envelope core needs from a key service. The core never imports the
 * AWS SDK: adapters (AWS KMS over a KMSClient, the local KMS) implement this.
 */
export interface KeyProvider {
  /** Provider id written into encrypted data keys, e.g. `aws-kms`. */
  readonly providerId: string;
  /** The key (ARN, id or alias) new data keys are generated under. */
  readonly keyId: string;
  generateDataKey(input: GenerateDataKeyInput): Promise<GenerateDataKeyOutput>;
  decryptDataKey(input: DecryptDataKeyInput): Promise<Buffer>;
  reEncryptDataKey(input: ReEncryptDataKeyInput): Promise<EncryptedDataKey>;
  /** True when this provider should attempt to decrypt `edk` (provider id and key match). */
  canDecrypt(edk: EncryptedDataKey): boolean;
}

/** What encrypting one message needs. */
export interface EncryptionMaterials {
  readonly suite: AlgorithmSuiteId;
  /** The encryption context to write into the header (for signed suites it includes `aws-crypto-public-key`). */
  readonly encryptionContext: EncryptionContext;
  /**
   * The plaintext data key. The consumer (EnvelopeClient) owns it and zeroes it once the content key is
   * derived; a cache hands out copies and zeroes its own on eviction.
   */
  readonly plaintextDataKey: Buffer;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  /** ECDSA P-384 private key for signed suites. */
  readonly signingKey?: KeyObject;
  /** True when served from a data-key cache rather than a fresh key-provider call. */
  readonly cacheHit?: boolean;
}

/** What decrypting one message needs. */
export interface DecryptionMaterials {
  readonly suite: AlgorithmSuiteId;
  readonly encryptionContext: EncryptionContext;
  readonly plaintextDataKey: Buffer;
  /** ECDSA P-384 public key for signed suites. */
  readonly verificationKey?: KeyObject;
  readonly cacheHit?: boolean;
}

export interface EncryptionMaterialsRequest {
  readonly suite: AlgorithmSuiteId;
  readonly encryptionContext: EncryptionContext;
  /** Plaintext length when known; undefined for streams of unknown length. */
  readonly plaintextLength?: number;
}

export interface DecryptionMaterialsRequest {
  readonly suite: AlgorithmSuiteId;
  /** The encryption context from the message header (including `aws-crypto-public-key` for signed suites). */
  readonly encryptionContext: EncryptionContext;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
}

/** Produces materials for each message: directly from a KeyProvider, or through a data-key cache. */
export interface MaterialsManager {
  /**
   * Names the key(s) behind this manager (e.g. `aws-kms:<key ARN>`), so a data-key cache never
   * serves one key's materials for another. Managers without one are told apart by object identity.
   */
  readonly keyIdentity?: string;
  getEncryptionMaterials(request: EncryptionMaterialsRequest): Promise<EncryptionMaterials>;
  decryptMaterials(request: DecryptionMaterialsRequest): Promise<DecryptionMaterials>;
}
