/**
 * A MaterialsManager that shares data keys between messages through a DataKeyCache, within hard
 * limits: a required max age, and per data key a number of messages and of bytes. Usage is
 * reserved synchronously before a data key is handed out, so concurrent encrypts can never push a
 * key past a limit, and concurrent misses on the same cache key make one call to the underlying
 * manager (one KMS GenerateDataKey per burst), not one each.
 */
import { randomUUID } from 'node:crypto';
import { copyDataKey, copyEncryptionMaterials, DataKeyCache, MAX_MESSAGES_PER_DATA_KEY } from './data-key-cache';
import { ConfigurationError } from './errors';
import type {
  DecryptionMaterials, DecryptionMaterialsRequest, EncryptedDataKey, EncryptionContext, EncryptionMaterials,
  EncryptionMaterialsRequest, MaterialsManager,
} from './types';

export interface CachingMaterialsManagerOptions {
  /** Where materials come from on a miss, normally a DefaultMaterialsManager over a KMS key provider. */
  readonly underlying: MaterialsManager;
  readonly cache: DataKeyCache;
  /** How long a data key may be used after it was fetched, in seconds. Required: there is no safe default. */
  readonly maxAgeSeconds: number;
  /** Messages one data key may encrypt, 1 to 2^32. @default 2^32 */
  readonly maxMessagesEncrypted?: number;
  /** Plaintext bytes one data key may encrypt in total. @default Number.MAX_SAFE_INTEGER */
  readonly maxBytesEncrypted?: number;
  /**
   * Entries are only shared by managers with the same partition (and the same underlying key).
   * @default - a random partition: this manager shares entries with no other
   */
  readonly partition?: string;
}

/** Hit and miss counts of a CachingMaterialsManager. */
export interface CacheCounters {
  readonly encryptHits: number;
  readonly encryptMisses: number;
  /** Encrypt requests not served from the cache (unknown length, or larger than maxBytesEncrypted). */
  readonly encryptBypassed: number;
  readonly decryptHits: number;
  readonly decryptMisses: number;
}

const underlyingIds = new WeakMap<object, string>();

/** What identifies the key behind `underlying`: its `keyIdentity`, else an id unique to that object. */
function keyIdentity(underlying: MaterialsManager): string {
  if (underlying.keyIdentity) return `key:${underlying.keyIdentity}`;
  let id = underlyingIds.get(underlying);
  if (!id) {
    id = `object:${randomUUID()}`;
    underlyingIds.set(underlying, id);
  }
  return id;
}

function sortedContext(context: EncryptionContext): [string, string][] {
  return Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function edkCacheKeyPart(edk: EncryptedDataKey): string {
  return `${JSON.stringify(edk.providerId)}${JSON.stringify(edk.providerInfo)}${edk.encryptedDataKey.toString('base64')}`;
}

export class CachingMaterialsManager implements MaterialsManager {
  public readonly underlying: MaterialsManager;
  public readonly cache: DataKeyCache;
  public readonly maxAgeSeconds: number;
  public readonly maxMessagesEncrypted: number;
  public readonly maxBytesEncrypted: number;
  public readonly partition: string;
  private readonly identity: string;
  private readonly inflight = new Map<string, Promise<void>>();
  private counts = { encryptHits: 0, encryptMisses: 0, encryptBypassed: 0, decryptHits: 0, decryptMisses: 0 };

  constructor(options: CachingMaterialsManagerOptions) {
    const { underlying, cache, maxAgeSeconds } = options ?? ({} as CachingMaterialsManagerOptions);
    if (!underlying || typeof underlying.getEncryptionMaterials !== 'function' || typeof underlying.decryptMaterials !== 'function') {
      throw new ConfigurationError('CachingMaterialsManager needs underlying: a MaterialsManager (e.g. new DefaultMaterialsManager(keyProvider)).');
    }
    if (!(cache instanceof DataKeyCache)) {
      throw new ConfigurationError('CachingMaterialsManager needs cache: a DataKeyCache (new DataKeyCache({ capacity })).');
    }
    if (typeof maxAgeSeconds !== 'number' || !Number.isFinite(maxAgeSeconds) || maxAgeSeconds <= 0) {
      throw new ConfigurationError(`maxAgeSeconds must be a positive number of seconds; received ${String(maxAgeSeconds)}.`);
    }
    const maxMessages = options.maxMessagesEncrypted ?? MAX_MESSAGES_PER_DATA_KEY;
    if (!Number.isSafeInteger(maxMessages) || maxMessages < 1 || maxMessages > MAX_MESSAGES_PER_DATA_KEY) {
      throw new ConfigurationError(`maxMessagesEncrypted must be an integer from 1 to ${MAX_MESSAGES_PER_DATA_KEY} (2^32); received ${String(maxMessages)}.`);
    }
    const maxBytes = options.maxBytesEncrypted ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new ConfigurationError(`maxBytesEncrypted must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}; received ${String(maxBytes)}.`);
    }
    if (options.partition !== undefined && (typeof options.partition !== 'string' || options.partition.length === 0)) {
      throw new ConfigurationError('partition must be a non-empty string.');
    }
    this.underlying = underlying;
    this.cache = cache;
    this.maxAgeSeconds = maxAgeSeconds;
    this.maxMessagesEncrypted = maxMessages;
    this.maxBytesEncrypted = maxBytes;
    this.partition = options.partition ?? randomUUID();
    this.identity = keyIdentity(underlying);
  }

  public get counters(): CacheCounters {
    return { ...this.counts };
  }

  /** Encrypt requests served from the cache. */
  public get cacheHits(): number {
    return this.counts.encryptHits + this.counts.decryptHits;
  }

  /** Requests that had to call the underlying manager although they were cacheable. */
  public get cacheMisses(): number {
    return this.counts.encryptMisses + this.counts.decryptMisses;
  }

  public async getEncryptionMaterials(request: EncryptionMaterialsRequest): Promise<EncryptionMaterials> {
    const bytes = request.plaintextLength;
    // Without a stated length we cannot reserve bytes, and a key must never pass maxBytesEncrypted.
    if (bytes === undefined || bytes > this.maxBytesEncrypted) {
      this.counts.encryptBypassed++;
      const materials = await this.underlying.getEncryptionMaterials(request);
      return { ...materials, cacheHit: false };
    }
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new ConfigurationError(`plaintextLength must be a non-negative integer; received ${String(bytes)}.`);
    }
    const key = this.encryptionCacheKey(request);
    // Each round either reserves on a live entry, waits for the one call in flight, or makes it.
    // A waiter that finds the new entry already used up makes the next call itself.
    for (;;) {
      const cached = this.cache.reserveEncryptionMaterials(key, bytes);
      if (cached) {
        this.counts.encryptHits++;
        return { ...cached, cacheHit: true };
      }
      const pending = this.inflight.get(key);
      if (pending) {
        // A failed call fails its waiters too: a throttled KMS is not hit once per waiter.
        await pending;
        continue;
      }
      this.counts.encryptMisses++;
      const call = this.underlying.getEncryptionMaterials(request);
      this.share(key, call);
      let materials: EncryptionMaterials;
      try {
        materials = await call;
      } finally {
        this.inflight.delete(key);
      }
      const mine = copyEncryptionMaterials(materials);
      this.cache.putEncryptionMaterials(key, materials, this.maxAgeSeconds,
        { maxMessagesEncrypted: this.maxMessagesEncrypted, maxBytesEncrypted: this.maxBytesEncrypted },
        { messagesEncrypted: 1, bytesEncrypted: bytes });
      return { ...mine, cacheHit: false };
    }
  }

  public async decryptMaterials(request: DecryptionMaterialsRequest): Promise<DecryptionMaterials> {
    const key = this.decryptionCacheKey(request);
    for (;;) {
      const cached = this.cache.getDecryptionMaterials(key);
      if (cached) {
        this.counts.decryptHits++;
        return { ...cached, cacheHit: true };
      }
      const pending = this.inflight.get(key);
      if (pending) {
        await pending;
        continue;
      }
      this.counts.decryptMisses++;
      const call = this.underlying.decryptMaterials(request);
      this.share(key, call);
      let materials: DecryptionMaterials;
      try {
        materials = await call;
      } finally {
        this.inflight.delete(key);
      }
      const mine = { ...materials, plaintextDataKey: copyDataKey(materials.plaintextDataKey), cacheHit: false };
      this.cache.putDecryptionMaterials(key, materials, this.maxAgeSeconds);
      return mine;
    }
  }

  /** Lets concurrent requests for `key` wait for `call`, settling (or failing) with it. */
  private share(key: string, call: Promise<unknown>): void {
    const shared = call.then(() => undefined);
    // Handled here so a failure with no waiters is not an unhandled rejection.
    shared.catch(() => undefined);
    this.inflight.set(key, shared);
  }

  /**
   * Partition, key identity, suite and the sorted encryption context, as JSON (unambiguous: every
   * string is quoted and escaped). Used as the Map key as it is: hashing it first (SHA-512, as the
   * Encryption SDK's spec does for its shared caches) cost 3-5 us per message and protects nothing
   * in a cache private to this process.
   */
  private encryptionCacheKey(request: EncryptionMaterialsRequest): string {
    return JSON.stringify(['encrypt', this.partition, this.identity, request.suite, sortedContext(request.encryptionContext)]);
  }

  /**
   * As for encrypt, plus every encrypted data key, sorted so their order does not matter. Each key
   * is its provider id and info as JSON strings, then its bytes in base64: self-delimiting (a JSON
   * string ends at its unescaped quote, base64 has no quote), so the whole stays one-to-one without
   * JSON-escaping each key's JSON a second time (half the cost of a cache hit's key).
   */
  private decryptionCacheKey(request: DecryptionMaterialsRequest): string {
    const edks = request.encryptedDataKeys.map(edkCacheKeyPart);
    if (edks.length > 1) edks.sort();
    return `${JSON.stringify(['decrypt', this.partition, this.identity, request.suite, sortedContext(request.encryptionContext)])}${edks.join('')}`;
  }
}

