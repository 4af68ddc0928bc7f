/**
 * A cache of decrypted branch keys: entries live at most `ttlSeconds`, at most `capacity` of them
 * (least recently used evicted first), concurrent misses for one key share a single load, and every
 * evicted or expired key is zeroed. Callers get a copy of the key and zero it when done, so an
 * eviction never pulls a key out from under a caller.
 */
import type { BranchKeyMaterials } from './branch-key-store-client';
import { ConfigurationError } from '../core/errors';

export interface BranchKeyCacheOptions {
  /** Seconds a branch key may be used after it was loaded; greater than zero. */
  readonly ttlSeconds: number;
  /** @default 1000 (the specification's default) */
  readonly capacity?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

export interface BranchKeyCacheStats {
  hits: number;
  misses: number;
  /** Loads that were shared with a concurrent miss for the same key. */
  joined: number;
  evictions: number;
}

interface Entry {
  readonly materials: BranchKeyMaterials;
  readonly expiresAt: number;
}

export const DEFAULT_BRANCH_KEY_CACHE_CAPACITY = 1000;
const MAX_TTL_SECONDS = 365 * 24 * 3600;

export class BranchKeyCache {
  public readonly ttlSeconds: number;
  public readonly capacity: number;
  public readonly stats: BranchKeyCacheStats = { hits: 0, misses: 0, joined: 0, evictions: 0 };
  private readonly clock: () => number;
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<BranchKeyMaterials>>();

  constructor(options: BranchKeyCacheOptions) {
    const ttl = options?.ttlSeconds;
    if (typeof ttl !== 'number' || !(ttl > 0) || ttl > MAX_TTL_SECONDS) {
      throw new ConfigurationError(`BranchKeyCache ttlSeconds must be a number of seconds above 0 and at most ${MAX_TTL_SECONDS}; received ${String(ttl)}.`);
    }
    const capacity = options.capacity ?? DEFAULT_BRANCH_KEY_CACHE_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new ConfigurationError(`BranchKeyCache capacity must be an integer of at least 1; received ${String(capacity)}.`);
    }
    this.ttlSeconds = ttl;
    this.capacity = capacity;
    this.clock = options.clock ?? Date.now;
  }

  public get size(): number {
    return this.entries.size;
  }

  /**
   * The materials under `cacheKey`, loading them with `load` on a miss. Returns a copy of the key,
   * which the caller zeroes.
   */
  public async get(cacheKey: string, load: () => Promise<BranchKeyMaterials>): Promise<BranchKeyMaterials> {
    const entry = this.entries.get(cacheKey);
    if (entry && this.clock() < entry.expiresAt) {
      this.entries.delete(cacheKey);
      this.entries.set(cacheKey, entry);
      this.stats.hits++;
      return copy(entry.materials);
    }
    if (entry) this.evict(cacheKey);
    let pending = this.loading.get(cacheKey);
    if (pending) {
      this.stats.joined++;
    } else {
      this.stats.misses++;
      pending = this.load(cacheKey, load);
      this.loading.set(cacheKey, pending);
    }
    return copy(await pending);
  }

  /** Zeroes and drops every entry. */
  public clear(): void {
    for (const key of [...this.entries.keys()]) this.evict(key);
  }

  private async load(cacheKey: string, load: () => Promise<BranchKeyMaterials>): Promise<BranchKeyMaterials> {
    try {
      const materials = await load();
      const expiresAt = this.clock() + this.ttlSeconds * 1000;
      if (this.entries.has(cacheKey)) this.evict(cacheKey);
      this.entries.set(cacheKey, { materials: copy(materials), expiresAt });
      // Waiters copy the loaded key in microtasks; zero this one once they all have.
      setImmediate(() => materials.branchKey.fill(0));
      while (this.entries.size > this.capacity) {
        this.evict(this.entries.keys().next().value as string);
      }
      return materials;
    } finally {
      this.loading.delete(cacheKey);
    }
  }

  private evict(cacheKey: string): void {
    const entry = this.entries.get(cacheKey);
    if (!entry) return;
    this.entries.delete(cacheKey);
    entry.materials.branchKey.fill(0);
    this.stats.evictions++;
  }
}

function copy(m: BranchKeyMaterials): BranchKeyMaterials {
  return { ...m, branchKey: Buffer.from(m.branchKey) };
}
