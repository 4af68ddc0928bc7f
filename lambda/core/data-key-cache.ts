/**
 * A bounded LRU store of data-key materials with hard limits, used by CachingMaterialsManager.
 * The cache owns the plaintext data key of every entry and zeroes it when the entry leaves
 * (eviction, expiry, exhausted limits, clear). Callers never get the cache's own buffer: they get
 * copies (see `copyEncryptionMaterials`), so zeroing an entry never breaks an encrypt in flight.
 */
import { ConfigurationError } from './errors';
import type { DecryptionMaterials, EncryptionMaterials } from './types';

export interface DataKeyCacheOptions {
  /** Maximum number of entries (encrypt and decrypt together); the least recently used goes first. */
  readonly capacity: number;
  /** Current time, in epoch milliseconds or as a Date. @default Date.now */
  readonly clock?: () => number | Date;
}

/** Usage of an encryption entry, counted when reserved (before use). */
export interface EncryptionUsage {
  readonly messagesEncrypted: number;
  readonly bytesEncrypted: number;
}

/** Hard limits on one encryption entry. */
export interface EncryptionLimits {
  readonly maxMessagesEncrypted: number;
  readonly maxBytesEncrypted: number;
}

interface BaseEntry {
  readonly key: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  timer?: NodeJS.Timeout;
}
interface EncryptionEntry extends BaseEntry {
  readonly kind: 'encrypt';
  readonly materials: EncryptionMaterials;
  readonly limits: EncryptionLimits;
  messagesEncrypted: number;
  bytesEncrypted: number;
}
interface DecryptionEntry extends BaseEntry {
  readonly kind: 'decrypt';
  readonly materials: DecryptionMaterials;
}
type Entry = EncryptionEntry | DecryptionEntry;

/** Counters of what the cache did, for logs and tests. */
export interface DataKeyCacheStats {
  readonly size: number;
  /** Entries removed for capacity (least recently used). */
  readonly evictedForCapacity: number;
  /** Entries removed because their max age passed. */
  readonly expired: number;
  /** Entries removed because a message or byte limit was reached. */
  readonly exhausted: number;
}

/** Largest `maxMessagesEncrypted` (2^32), as in the AWS Encryption SDK. */
export const MAX_MESSAGES_PER_DATA_KEY = 2 ** 32;

export class DataKeyCache {
  public readonly capacity: number;
  private readonly clock: () => number | Date;
  private readonly entries = new Map<string, Entry>();
  private counters = { evictedForCapacity: 0, expired: 0, exhausted: 0 };

  constructor(options: DataKeyCacheOptions) {
    const capacity = options?.capacity;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new ConfigurationError(`DataKeyCache capacity must be a positive integer; received ${String(capacity)}.`);
    }
    if (options.clock !== undefined && typeof options.clock !== 'function') {
      throw new ConfigurationError('DataKeyCache clock must be a function returning epoch milliseconds or a Date.');
    }
    this.capacity = capacity;
    this.clock = options.clock ?? Date.now;
  }

  public get size(): number {
    return this.entries.size;
  }

  public get stats(): DataKeyCacheStats {
    return { size: this.entries.size, ...this.counters };
  }

  /**
   * Stores encryption materials (the cache takes ownership of `materials.plaintextDataKey`) with
   * `initialUsage` already reserved for the caller that fetched them. Replaces any entry under `key`.
   */
  public putEncryptionMaterials(
    key: string, materials: EncryptionMaterials, maxAgeSeconds: number, limits: EncryptionLimits, initialUsage: EncryptionUsage,
  ): void {
    const now = this.now();
    const entry: EncryptionEntry = {
      kind: 'encrypt',
      key,
      materials,
      limits,
      createdAt: now,
      expiresAt: now + maxAgeSeconds * 1000,
      messagesEncrypted: initialUsage.messagesEncrypted,
      bytesEncrypted: initialUsage.bytesEncrypted,
    };
    this.insert(entry, maxAgeSeconds);
    if (this.isExhausted(entry)) this.remove(entry, 'exhausted');
  }

  /**
   * Reserves one message of `bytes` bytes on the entry under `key` and returns a copy of its
   * materials, or undefined when there is no live entry or the reservation would pass a limit (the
   * entry is then removed). Synchronous, so concurrent callers can never over-reserve.
   */
  public reserveEncryptionMaterials(key: string, bytes: number): EncryptionMaterials | undefined {
    const entry = this.live(key);
    if (!entry || entry.kind !== 'encrypt') return undefined;
    if (entry.messagesEncrypted + 1 > entry.limits.maxMessagesEncrypted || entry.bytesEncrypted + bytes > entry.limits.maxBytesEncrypted) {
      this.remove(entry, 'exhausted');
      return undefined;
    }
    entry.messagesEncrypted += 1;
    entry.bytesEncrypted += bytes;
    const copy = copyEncryptionMaterials(entry.materials);
    if (this.isExhausted(entry)) this.remove(entry, 'exhausted');
    return copy;
  }

  /** Usage reserved so far on the entry under `key`, if it is live. */
  public encryptionUsage(key: string): EncryptionUsage | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.kind !== 'encrypt' || this.now() >= entry.expiresAt) return undefined;
    return { messagesEncrypted: entry.messagesEncrypted, bytesEncrypted: entry.bytesEncrypted };
  }

  /** Stores decryption materials (taking ownership of the plaintext data key). */
  public putDecryptionMaterials(key: string, materials: DecryptionMaterials, maxAgeSeconds: number): void {
    const now = this.now();
    this.insert({ kind: 'decrypt', key, materials, createdAt: now, expiresAt: now + maxAgeSeconds * 1000 }, maxAgeSeconds);
  }

  /** A copy of the live decryption materials under `key`, or undefined. */
  public getDecryptionMaterials(key: string): DecryptionMaterials | undefined {
    const entry = this.live(key);
    if (!entry || entry.kind !== 'decrypt') return undefined;
    return { ...entry.materials, plaintextDataKey: copyDataKey(entry.materials.plaintextDataKey) };
  }

  /** Removes the entry under `key` (zeroing its data key). */
  public delete(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.remove(entry);
    return true;
  }

  /** Removes every entry whose max age has passed. Runs by itself on unref'd timers too. */
  public sweep(): void {
    const now = this.now();
    for (const entry of [...this.entries.values()]) {
      if (now >= entry.expiresAt) this.remove(entry, 'expired');
    }
  }

  /** Removes all entries, zeroing their data keys and stopping their timers. */
  public clear(): void {
    for (const entry of [...this.entries.values()]) this.remove(entry);
  }

  private now(): number {
    const t = this.clock();
    return typeof t === 'number' ? t : t.getTime();
  }

  /** The entry under `key` if it has not expired, marked most recently used. */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.remove(entry, 'expired');
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  private insert(entry: Entry, maxAgeSeconds: number): void {
    const existing = this.entries.get(entry.key);
    if (existing) this.remove(existing);
    while (this.entries.size >= this.capacity) {
      const oldest = this.entries.values().next().value as Entry;
      this.remove(oldest, 'evictedForCapacity');
    }
    this.entries.set(entry.key, entry);
    // Zero expired keys even if nobody asks again; unref'd so a Lambda container can freeze
    // and a Node process can exit.
    entry.timer = setTimeout(() => this.sweep(), Math.min(maxAgeSeconds * 1000 + 1, 2 ** 31 - 1));
    entry.timer.unref();
  }

  private isExhausted(entry: EncryptionEntry): boolean {
    return entry.messagesEncrypted >= entry.limits.maxMessagesEncrypted || entry.bytesEncrypted >= entry.limits.maxBytesEncrypted;
  }

  private remove(entry: Entry, reason?: keyof typeof this.counters): void {
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    if (entry.timer) clearTimeout(entry.timer);
    entry.materials.plaintextDataKey.fill(0);
    if (reason) this.counters[reason]++;
  }
}

/** A copy of a data key in its own (unpooled) memory. */
export function copyDataKey(key: Buffer): Buffer {
  // Buffer.alloc never hands out a slice of Node's shared pool.
  const copy = Buffer.alloc(key.length);
  key.copy(copy);
  return copy;
}

/** Materials the caller may use and zero freely: same fields, own copy of the data key. */
export function copyEncryptionMaterials(materials: EncryptionMaterials): EncryptionMaterials {
  return { ...materials, plaintextDataKey: copyDataKey(materials.plaintextDataKey) };
}
