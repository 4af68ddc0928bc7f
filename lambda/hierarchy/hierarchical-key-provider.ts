/**
 * A KeyProvider for EnvelopeClient that works like the AWS KMS hierarchical keyring: every message
 * gets a fresh random data key, wrapped under a branch key from a branch key store with a key derived
 * per message (see branch-key-wrapping.ts). KMS is called only when a branch key is not in the cache,
 * so KMS calls follow the number of branch keys and the cache window, not the traffic.
 */
import { randomBytes } from 'node:crypto';
import { BranchKeyCache } from './branch-key-cache';
import type { BranchKeyMaterials, BranchKeyStoreClient } from './branch-key-store-client';
import {
  ContextSortOrder, HIERARCHY_PROVIDER_ID, parseWrappedKey, unwrapDataKey, wrapDataKey,
} from './branch-key-wrapping';
import { ConfigurationError, InvalidMessageError } from '../core/errors';
import { DATA_KEY_LENGTH } from '../core/suites';
import type {
  DecryptDataKeyInput, EncryptedDataKey, EncryptionContext, GenerateDataKeyInput, GenerateDataKeyOutput, KeyProvider,
  ReEncryptDataKeyInput,
} from '../core/types';

/** Chooses the branch key for a message from its encryption context (e.g. one branch key per tenant). */
export type BranchKeyIdSupplier = (encryptionContext: EncryptionContext) => string;

/** The store operations the provider uses; a BranchKeyStoreClient fits. */
export type BranchKeySource = Pick<BranchKeyStoreClient, 'getActiveBranchKey' | 'getBranchKeyVersion' | 'logicalKeyStoreName'>;

export interface HierarchicalKeyProviderOptions {
  readonly keyStore: BranchKeySource;
  /** One branch key for every message. Give this or `branchKeyIdSupplier`. */
  readonly branchKeyId?: string;
  /** A branch key per message, chosen from its encryption context. Give this or `branchKeyId`. */
  readonly branchKeyIdSupplier?: BranchKeyIdSupplier;
  /** Seconds a decrypted branch key is reused before it is read from the store (and KMS) again. */
  readonly cacheTtlSeconds: number;
  /** @default 1000 branch keys (versions count separately) */
  readonly cacheCapacity?: number;
  /** A cache shared by several providers over the same store. @default - a cache of this provider's own */
  readonly cache?: BranchKeyCache;
  /**
   * Also accept data keys whose wrapping AAD orders the encryption context by
   * `String.prototype.localeCompare`, as the Encryption SDK for JavaScript's hierarchical keyring
   * writes them by default (`utf8Sorting: false`). New data keys always follow the specification's
   * UTF-8 byte order. Tried only when the two orders differ for the message's context, after the
   * byte order fails: one extra AES-GCM attempt, no extra KMS call.
   * @default true
   */
  readonly acceptLocaleSortedContext?: boolean;
}

/** Branch key reads, for logs and for showing what the cache saves. */
export interface HierarchicalProviderStats {
  storeReads: number;
}

export class HierarchicalKeyProvider implements KeyProvider {
  public readonly providerId = HIERARCHY_PROVIDER_ID;
  /** The configured branch key id, or `supplier` when it is chosen per message. */
  public readonly keyId: string;
  public readonly cache: BranchKeyCache;
  public readonly stats: HierarchicalProviderStats = { storeReads: 0 };
  private readonly keyStore: BranchKeySource;
  private readonly supplier: BranchKeyIdSupplier;
  private readonly fixedId?: string;
  private readonly decryptOrders: readonly ContextSortOrder[];

  constructor(options: HierarchicalKeyProviderOptions) {
    if (!options?.keyStore || typeof options.keyStore.getActiveBranchKey !== 'function') {
      throw new ConfigurationError('HierarchicalKeyProvider needs keyStore: a BranchKeyStoreClient.');
    }
    const hasId = options.branchKeyId !== undefined;
    const hasSupplier = options.branchKeyIdSupplier !== undefined;
    if (hasId === hasSupplier) {
      throw new ConfigurationError('HierarchicalKeyProvider needs exactly one of branchKeyId (one branch key) and branchKeyIdSupplier (a branch key per message).');
    }
    if (hasId && (typeof options.branchKeyId !== 'string' || options.branchKeyId.length === 0)) {
      throw new ConfigurationError('HierarchicalKeyProvider branchKeyId must be a non-empty string.');
    }
    if (hasSupplier && typeof options.branchKeyIdSupplier !== 'function') {
      throw new ConfigurationError('HierarchicalKeyProvider branchKeyIdSupplier must be a function of the encryption context.');
    }
    this.keyStore = options.keyStore;
    this.fixedId = options.branchKeyId;
    this.keyId = options.branchKeyId ?? 'supplier';
    this.supplier = options.branchKeyIdSupplier ?? (() => options.branchKeyId!);
    this.cache = options.cache ?? new BranchKeyCache({ ttlSeconds: options.cacheTtlSeconds, capacity: options.cacheCapacity });
    this.decryptOrders = options.acceptLocaleSortedContext === false
      ? [ContextSortOrder.UTF8_BYTES]
      : [ContextSortOrder.UTF8_BYTES, ContextSortOrder.LOCALE];
  }

  public async generateDataKey(input: GenerateDataKeyInput): Promise<GenerateDataKeyOutput> {
    const branchKeyId = this.branchKeyIdFor(input.encryptionContext);
    const branch = await this.cache.get(this.cacheKey(branchKeyId), () => this.read(() => this.keyStore.getActiveBranchKey(branchKeyId)));
    const plaintextDataKey = randomBytes(input.numberOfBytes);
    try {
      const ciphertext = wrapDataKey(plaintextDataKey, branch, input.encryptionContext);
      return {
        plaintextDataKey,
        encryptedDataKey: { providerId: HIERARCHY_PROVIDER_ID, providerInfo: branchKeyId, encryptedDataKey: ciphertext },
      };
    } catch (err) {
      plaintextDataKey.fill(0);
      throw err;
    } finally {
      branch.branchKey.fill(0);
    }
  }

  public async decryptDataKey(input: DecryptDataKeyInput): Promise<Buffer> {
    const edk = input.encryptedDataKey;
    if (edk.providerId !== HIERARCHY_PROVIDER_ID) {
      throw new ConfigurationError(`HierarchicalKeyProvider decrypts only "${HIERARCHY_PROVIDER_ID}" data keys; received provider id "${edk.providerId}".`);
    }
    const branchKeyId = this.branchKeyIdFor(input.encryptionContext);
    if (edk.providerInfo !== branchKeyId) {
      throw new InvalidMessageError(`The data key is wrapped by branch key "${edk.providerInfo}", but this message's branch key is "${branchKeyId}".`);
    }
    const parsed = parseWrappedKey(edk.encryptedDataKey, DATA_KEY_LENGTH);
    const branch = await this.cache.get(
      this.cacheKey(branchKeyId, parsed.branchKeyVersion),
      () => this.read(() => this.keyStore.getBranchKeyVersion(branchKeyId, parsed.branchKeyVersion)),
    );
    try {
      return unwrapDataKey(parsed, branch, input.encryptionContext, this.decryptOrders);
    } finally {
      branch.branchKey.fill(0);
    }
  }

  /** Re-wraps a data key under the active version of `destinationKeyId` (a branch key id). */
  public async reEncryptDataKey(input: ReEncryptDataKeyInput): Promise<EncryptedDataKey> {
    const dataKey = await this.decryptDataKey(input);
    try {
      const destination = input.destinationKeyId;
      const branch = await this.cache.get(this.cacheKey(destination), () => this.read(() => this.keyStore.getActiveBranchKey(destination)));
      try {
        const encryptedDataKey = wrapDataKey(dataKey, branch, input.encryptionContext);
        return { providerId: HIERARCHY_PROVIDER_ID, providerInfo: destination, encryptedDataKey };
      } finally {
        branch.branchKey.fill(0);
      }
    } finally {
      dataKey.fill(0);
    }
  }

  public canDecrypt(edk: EncryptedDataKey): boolean {
    return edk.providerId === HIERARCHY_PROVIDER_ID && (this.fixedId === undefined || edk.providerInfo === this.fixedId);
  }

  private branchKeyIdFor(context: EncryptionContext): string {
    const id = this.supplier(context);
    if (typeof id !== 'string' || id.length === 0) {
      throw new ConfigurationError('The branchKeyIdSupplier returned no branch key id for this encryption context; it must return a non-empty string.');
    }
    return id;
  }

  private async read(load: () => Promise<BranchKeyMaterials>): Promise<BranchKeyMaterials> {
    this.stats.storeReads++;
    return load();
  }

  /** Keys are scoped by logical key store name, so one shared cache can serve several stores. */
  private cacheKey(branchKeyId: string, version?: string): string {
    return `${this.keyStore.logicalKeyStoreName}\u0000${branchKeyId}\u0000${version ?? 'ACTIVE'}`;
  }
}

/** A supplier that takes the branch key id from one encryption context key (e.g. `tenant`). */
export function branchKeyIdFromContext(contextKey: string, map: (value: string) => string = (v) => v): BranchKeyIdSupplier {
  if (typeof contextKey !== 'string' || contextKey.length === 0) {
    throw new ConfigurationError('branchKeyIdFromContext needs the name of an encryption context key, e.g. "tenant".');
  }
  return (context) => {
    const value = context[contextKey];
    if (value === undefined) {
      throw new ConfigurationError(`The encryption context has no "${contextKey}" key, which chooses the branch key; add it to every message.`);
    }
    return map(value);
  };
}
