/**
 * The KeyProvider behaviour shared by the AWS KMS provider (over a KMSClient) and the LocalKms
 * provider: which encrypted data keys it may decrypt (MRK-aware), which key id each call uses,
 * response checks, call counters and the mapping of KMS errors to KmsError. The two providers
 * differ only in how they reach KMS, so they behave alike by construction.
 */
import { isMultiRegionKeyIdentifier, keyIdOf, mrkArnInRegion, mrkMatch, parseKmsArn } from './mrk';
import { ConfigurationError, KmsError, SecureKeyError } from '../core/errors';
import type {
  DecryptDataKeyInput, EncryptedDataKey, EncryptionContext, GenerateDataKeyInput, GenerateDataKeyOutput,
  KeyProvider, ReEncryptDataKeyInput,
} from '../core/types';

/** Provider id of encrypted data keys wrapped by AWS KMS, as the AWS Encryption SDK writes them. */
export const KMS_PROVIDER_ID = 'aws-kms';

/** The three KMS calls a KeyProvider makes, in the SDK's input/output shapes. */
export interface KmsDataKeyOperations {
  generateDataKey(input: {
    KeyId: string; NumberOfBytes: number; EncryptionContext: Record<string, string>; GrantTokens?: string[];
  }): Promise<{ KeyId?: string; Plaintext?: Uint8Array; CiphertextBlob?: Uint8Array }>;
  decrypt(input: {
    KeyId: string; CiphertextBlob: Uint8Array; EncryptionContext: Record<string, string>; GrantTokens?: string[];
  }): Promise<{ KeyId?: string; Plaintext?: Uint8Array }>;
  reEncrypt(input: {
    CiphertextBlob: Uint8Array;
    SourceKeyId: string;
    SourceEncryptionContext: Record<string, string>;
    DestinationKeyId: string;
    DestinationEncryptionContext: Record<string, string>;
    GrantTokens?: string[];
  }): Promise<{ KeyId?: string; CiphertextBlob?: Uint8Array }>;
}

/**
 * Decrypt any `aws-kms` data key the caller may use, instead of one configured key (the
 * Encryption SDK's MRK-aware discovery keyring).
 */
export interface KmsDiscoveryOptions {
  /**
   * The region the client calls. Data keys wrapped under a multi-Region key in another region are
   * unwrapped with its replica here; other keys from other regions are skipped.
   */
  readonly region: string;
  /** Only keys in these accounts. @default - any account */
  readonly accountIds?: readonly string[];
  /** Only keys in this partition. @default 'aws' */
  readonly partition?: string;
}

export interface KmsKeyProviderCommonOptions {
  /**
   * The KMS key new data keys are generated under: key ARN (recommended: decrypt then matches
   * exactly), key id or alias. A multi-Region key ARN also decrypts data keys wrapped by its
   * replicas in other regions.
   */
  readonly keyId: string;
  /**
   * The key ARN an alias (or bare key id) in `keyId` must resolve to. KMS names the key it used in
   * every answer; with this set, an answer from any other key (an administrator pointed the alias
   * at another key) is refused before its data key is used.
   * @default - whatever key the alias points to at the time of each call
   */
  readonly expectedKeyArn?: string;
  /** Grant tokens passed on every call. @default - none */
  readonly grantTokens?: readonly string[];
  /** Decrypt data keys of any KMS key (filtered), not only `keyId`. @default - only `keyId` */
  readonly discovery?: KmsDiscoveryOptions;
}

/** Calls made by a provider, for logs and for showing what a data-key cache saves. */
export interface KmsCallStats {
  generateDataKey: number;
  decrypt: number;
  reEncrypt: number;
  /** Calls that failed (included in the counts above). */
  failures: number;
}

const RETRYABLE_NAMES = new Set([
  'ThrottlingException', 'KMSInternalException', 'DependencyTimeoutException', 'KeyUnavailableException',
  'RequestTimeout', 'RequestTimeoutException', 'TimeoutError', 'ServiceUnavailable', 'InternalFailure',
]);
/** Node's codes for a KMS endpoint that could not be resolved (DNS). */
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN']);
/** Node's codes for a KMS endpoint that resolved but did not answer. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
// Every failure to reach the endpoint is retryable: a DNS answer or a connection can come back (a
// resolver hiccup, an endpoint restarting), and a caller's bounded backoff costs little when it does not.
const RETRYABLE_CODES = new Set([...DNS_CODES, ...CONNECTION_CODES]);
const CHECK_ENDPOINT = 'Check the endpoint (the client\'s endpoint, AWS_ENDPOINT_URL_KMS), the region and the network '
  + '(in a VPC: DNS resolution and a KMS interface endpoint or NAT route), then retry with backoff.';

const HINTS: Record<string, string> = {
  NotFoundException: 'Check the key id, ARN or alias and the client region.',
  DisabledException: 'Enable the key (EnableKey) or use another key.',
  KMSInvalidStateException: 'The key is pending deletion or otherwise unusable; cancel the deletion or use another key.',
  AccessDeniedException: 'Grant the caller this KMS action on the key (key policy or IAM).',
  InvalidCiphertextException: 'The encrypted data key was altered or the encryption context differs from the one used to encrypt.',
  IncorrectKeyException: 'The data key was wrapped by another KMS key.',
  InvalidKeyUsageException: 'Use a symmetric ENCRYPT_DECRYPT key.',
  ThrottlingException: 'Retry with backoff, or cache data keys to make fewer calls.',
  InvalidGrantTokenException: 'Check the grant tokens.',
};

/** Maps an error from KMS (SDK service exception, LocalKmsError or network error) to KmsError. */
export function toKmsError(error: unknown, operation: string, keyId: string): SecureKeyError {
  if (error instanceof SecureKeyError) return error;
  const e = (error ?? {}) as {
    name?: string;
    message?: string;
    code?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
    hostname?: string;
    address?: string;
    port?: number;
  };
  const code = typeof e.code === 'string' ? e.code : undefined;
  // Node's network errors are plain Errors (AggregateErrors when every address of a host refused) with a code.
  const generic = e.name === undefined || e.name === 'Error' || e.name === 'AggregateError';
  const fallback = typeof e.name === 'string' && e.name !== 'Error' ? e.name : 'UnknownError';
  const name = typeof e.name === 'string' && !generic ? e.name : (code ?? fallback);
  const status = e.$metadata?.httpStatusCode;
  const retryable = RETRYABLE_NAMES.has(name) || RETRYABLE_CODES.has(code ?? '') || e.$retryable !== undefined
    || e.$fault === 'server' || (status !== undefined && status >= 500);
  const hint = HINTS[name] ?? networkHint(code, e) ?? (retryable ? 'The failure is transient; retry with backoff.' : '');
  // KMS's own message text (which can name the caller's role, session and account) stays on `cause`
  // for the caller's debugging; the message, which may be returned to other callers, carries only
  // the exception name and what to do.
  return new KmsError(name, `KMS ${operation} with key ${keyId} failed.${hint ? ` ${hint}` : ''}`, { cause: error, retryable });
}

/** What to do when the endpoint could not be reached: names the host (never secret) and what to check. */
function networkHint(code: string | undefined, e: { hostname?: string; address?: string; port?: number }): string | undefined {
  if (code === undefined) return undefined;
  if (DNS_CODES.has(code)) {
    const host = typeof e.hostname === 'string' ? ` ${e.hostname}` : '';
    const how = code === 'EAI_AGAIN' ? 'could not be resolved right now (temporary DNS failure)' : 'did not resolve (DNS)';
    return `The KMS endpoint's host name${host} ${how}. ${CHECK_ENDPOINT}`;
  }
  if (CONNECTION_CODES.has(code)) {
    const at = typeof e.address === 'string' ? ` at ${e.address}${typeof e.port === 'number' ? `:${e.port}` : ''}` : '';
    return `The KMS endpoint${at} could not be reached (${code}). ${CHECK_ENDPOINT}`;
  }
  return undefined;
}

/** Copies a KMS plaintext into an unpooled Buffer and zeroes the original. */
function takePlaintext(value: Uint8Array | undefined, operation: string, keyId: string): Buffer {
  if (!(value instanceof Uint8Array)) {
    throw new KmsError('MalformedResponse', `KMS ${operation} with key ${keyId} returned no Plaintext.`);
  }
  const copy = Buffer.alloc(value.length);
  copy.set(value);
  value.fill(0);
  return copy;
}

function blob(value: Uint8Array | undefined, operation: string, keyId: string): Buffer {
  if (!(value instanceof Uint8Array) || value.length === 0) {
    throw new KmsError('MalformedResponse', `KMS ${operation} with key ${keyId} returned no CiphertextBlob.`);
  }
  return Buffer.from(value);
}

function mutableContext(ctx: EncryptionContext): Record<string, string> {
  return { ...ctx };
}

export class KmsKeyProviderBase implements KeyProvider {
  public readonly providerId = KMS_PROVIDER_ID;
  public readonly keyId: string;
  public readonly grantTokens?: readonly string[];
  public readonly discovery?: KmsDiscoveryOptions;
  /** The key ARN `keyId` must resolve to, when pinned. */
  public readonly expectedKeyArn?: string;
  private readonly counters: KmsCallStats = { generateDataKey: 0, decrypt: 0, reEncrypt: 0, failures: 0 };
  /** The key ARN KMS reported, once a call succeeded (useful when `keyId` is an alias or bare id). */
  private learnedArn?: string;

  protected constructor(private readonly ops: KmsDataKeyOperations, options: KmsKeyProviderCommonOptions) {
    if (typeof options?.keyId !== 'string' || options.keyId.length === 0) {
      throw new ConfigurationError('A KMS key provider needs keyId: a key ARN (recommended), key id or alias.');
    }
    if (options.keyId.startsWith('arn:') && !parseKmsArn(options.keyId)) {
      throw new ConfigurationError(`keyId '${options.keyId}' is not a KMS key or alias ARN (arn:aws:kms:REGION:ACCOUNT:key/ID).`);
    }
    if (options.grantTokens !== undefined && (!Array.isArray(options.grantTokens) || options.grantTokens.some((t) => typeof t !== 'string'))) {
      throw new ConfigurationError('grantTokens must be an array of strings.');
    }
    if (options.discovery !== undefined && (typeof options.discovery.region !== 'string' || options.discovery.region.length === 0)) {
      throw new ConfigurationError('discovery.region is required: the region the KMS client calls.');
    }
    if (options.expectedKeyArn !== undefined) {
      if (parseKmsArn(options.expectedKeyArn)?.resourceType !== 'key') {
        throw new ConfigurationError(`expectedKeyArn '${String(options.expectedKeyArn)}' is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID).`);
      }
      if (parseKmsArn(options.keyId)?.resourceType === 'key' && options.keyId !== options.expectedKeyArn) {
        throw new ConfigurationError(`keyId ${options.keyId} and expectedKeyArn ${options.expectedKeyArn} name different keys.`);
      }
    }
    this.keyId = options.keyId;
    this.expectedKeyArn = options.expectedKeyArn;
    this.grantTokens = options.grantTokens ? Object.freeze([...options.grantTokens]) : undefined;
    this.discovery = options.discovery;
  }

  /** Calls made so far, by operation. */
  public get stats(): Readonly<KmsCallStats> {
    return { ...this.counters };
  }

  /** Total KMS calls made so far. */
  public get calls(): number {
    return this.counters.generateDataKey + this.counters.decrypt + this.counters.reEncrypt;
  }

  /** The key ARN, when `keyId` is one or once KMS has reported it. */
  public get keyArn(): string | undefined {
    return parseKmsArn(this.keyId)?.resourceType === 'key' ? this.keyId : this.learnedArn;
  }

  public async generateDataKey(input: GenerateDataKeyInput): Promise<GenerateDataKeyOutput> {
    const n = input.numberOfBytes;
    if (!Number.isInteger(n) || n < 1 || n > 1024) {
      throw new ConfigurationError(`numberOfBytes must be an integer from 1 to 1024; received ${String(n)}.`);
    }
    const response = await this.run('generateDataKey', 'GenerateDataKey', this.keyId, () => this.ops.generateDataKey({
      KeyId: this.keyId, NumberOfBytes: n, EncryptionContext: mutableContext(input.encryptionContext), ...this.tokens(),
    }));
    const arn = this.checkResponseKeyId(response.KeyId, 'GenerateDataKey');
    const ciphertext = blob(response.CiphertextBlob, 'GenerateDataKey', this.keyId);
    const plaintextDataKey = takePlaintext(response.Plaintext, 'GenerateDataKey', this.keyId);
    if (plaintextDataKey.length !== n) {
      plaintextDataKey.fill(0);
      throw new KmsError('MalformedResponse', `KMS GenerateDataKey with key ${this.keyId} returned ${plaintextDataKey.length} bytes; ${n} were asked for.`);
    }
    return { plaintextDataKey, encryptedDataKey: { providerId: KMS_PROVIDER_ID, providerInfo: arn, encryptedDataKey: ciphertext } };
  }

  public async decryptDataKey(input: DecryptDataKeyInput): Promise<Buffer> {
    const edk = input.encryptedDataKey;
    if (!this.canDecrypt(edk)) {
      throw new ConfigurationError(`This provider (key ${this.keyId}) cannot decrypt a data key of provider '${edk.providerId}' wrapped by ${edk.providerInfo}; check canDecrypt() first.`);
    }
    const requestKeyId = this.decryptKeyId(edk.providerInfo);
    const response = await this.run('decrypt', 'Decrypt', requestKeyId, () => this.ops.decrypt({
      KeyId: requestKeyId, CiphertextBlob: edk.encryptedDataKey, EncryptionContext: mutableContext(input.encryptionContext), ...this.tokens(),
    }));
    const plaintext = takePlaintext(response.Plaintext, 'Decrypt', requestKeyId);
    // KMS must say it used the key we asked for (the Encryption SDK's check).
    if (typeof response.KeyId !== 'string' || !this.sameKey(requestKeyId, response.KeyId)) {
      plaintext.fill(0);
      throw new KmsError('MalformedResponse', `KMS Decrypt answered for key ${String(response.KeyId)} instead of ${requestKeyId}; refusing the data key.`);
    }
    return plaintext;
  }

  public async reEncryptDataKey(input: ReEncryptDataKeyInput): Promise<EncryptedDataKey> {
    const edk = input.encryptedDataKey;
    if (edk.providerId !== KMS_PROVIDER_ID) {
      throw new ConfigurationError(`Only '${KMS_PROVIDER_ID}' data keys can be re-encrypted by KMS; this one is '${edk.providerId}'.`);
    }
    if (!this.canDecrypt(edk)) {
      // Never send KMS a source key named by the (untrusted) message.
      throw new ConfigurationError(`This provider's key ${this.keyId} did not wrap the data key (wrapped by ${edk.providerInfo}); re-encrypt it with a provider for that key.`);
    }
    const source = this.decryptKeyId(edk.providerInfo);
    const context = mutableContext(input.encryptionContext);
    const response = await this.run('reEncrypt', 'ReEncrypt', source, () => this.ops.reEncrypt({
      CiphertextBlob: edk.encryptedDataKey,
      SourceKeyId: source,
      SourceEncryptionContext: context,
      DestinationKeyId: input.destinationKeyId,
      DestinationEncryptionContext: context,
      ...this.tokens(),
    }));
    const arn = response.KeyId;
    if (typeof arn !== 'string' || parseKmsArn(arn)?.resourceType !== 'key') {
      throw new KmsError('MalformedResponse', `KMS ReEncrypt returned key id ${String(arn)}, not a key ARN.`);
    }
    if (!this.sameKey(input.destinationKeyId, arn)) {
      throw new KmsError('MalformedResponse', `KMS ReEncrypt answered for key ${arn} instead of the destination ${input.destinationKeyId}; refusing the data key.`);
    }
    return { providerId: KMS_PROVIDER_ID, providerInfo: arn, encryptedDataKey: blob(response.CiphertextBlob, 'ReEncrypt', input.destinationKeyId) };
  }

  public canDecrypt(edk: EncryptedDataKey): boolean {
    if (edk.providerId !== KMS_PROVIDER_ID) return false;
    const arn = parseKmsArn(edk.providerInfo);
    if (!arn || arn.resourceType !== 'key') return false;
    if (this.discovery) {
      const d = this.discovery;
      if (arn.partition !== (d.partition ?? 'aws')) return false;
      if (d.accountIds && !d.accountIds.includes(arn.accountId)) return false;
      return arn.region === d.region || isMultiRegionKeyIdentifier(edk.providerInfo);
    }
    if (this.expectedKeyArn !== undefined) return mrkMatch(this.expectedKeyArn, edk.providerInfo);
    const configured = parseKmsArn(this.keyId);
    if (configured?.resourceType === 'key') return mrkMatch(this.keyId, edk.providerInfo);
    if (configured?.resourceType === 'alias') {
      // KMS itself checks the alias's key wrapped the data key (IncorrectKeyException otherwise).
      return configured.partition === arn.partition && configured.accountId === arn.accountId;
    }
    if (this.keyId.startsWith('alias/')) return true;
    return keyIdOf(this.keyId) === arn.resourceId;
  }

  /** The key id a Decrypt call names: the configured key (MRK-aware) or, in discovery, the data key's own key. */
  private decryptKeyId(providerInfo: string): string {
    if (this.discovery) {
      return parseKmsArn(providerInfo)!.region === this.discovery.region ? providerInfo : mrkArnInRegion(providerInfo, this.discovery.region);
    }
    return this.keyId;
  }

  private sameKey(requested: string, answered: string): boolean {
    // A pinned alias (or key id) must resolve to exactly the expected key.
    if (requested === this.keyId && this.expectedKeyArn !== undefined) return answered === this.expectedKeyArn;
    if (requested === answered) return true;
    const requestedArn = parseKmsArn(requested);
    if (requestedArn?.resourceType === 'key') return false;
    if (requestedArn?.resourceType === 'alias' || requested.startsWith('alias/')) return parseKmsArn(answered)?.resourceType === 'key';
    return keyIdOf(answered) === requested;
  }

  private checkResponseKeyId(keyId: string | undefined, operation: string): string {
    if (typeof keyId !== 'string' || parseKmsArn(keyId)?.resourceType !== 'key') {
      throw new KmsError('MalformedResponse', `KMS ${operation} returned key id ${String(keyId)}, not a key ARN.`);
    }
    if (!this.sameKey(this.keyId, keyId)) {
      const pinned = this.expectedKeyArn !== undefined ? ` (expected ${this.expectedKeyArn}: has ${this.keyId} been pointed at another key?)` : '';
      throw new KmsError('MalformedResponse', `KMS ${operation} answered for key ${keyId} instead of ${this.keyId}${pinned}.`);
    }
    this.learnedArn = keyId;
    return keyId;
  }

  private tokens(): { GrantTokens?: string[] } {
    return this.grantTokens ? { GrantTokens: [...this.grantTokens] } : {};
  }

  private async run<T>(counter: 'generateDataKey' | 'decrypt' | 'reEncrypt', operation: string, keyId: string, fn: () => Promise<T>): Promise<T> {
    this.counters[counter]++;
    try {
      return await fn();
    } catch (error) {
      this.counters.failures++;
      throw toKmsError(error, operation, keyId);
    }
  }
}
