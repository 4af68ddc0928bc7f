/**
 * A model of the KMS requests a fleet of Lambda containers makes, each with its own data-key cache
 * (one CachingMaterialsManager per container, as the envelope Lambda wires it). Pure arithmetic;
 * bench/fleet.bench.ts checks it against a simulation over a counting LocalKms, and
 * docs/scaling.md explains it.
 *
 * Traffic: every container receives requests as a Poisson stream of `requestsPerSecond`, a share
 * `encryptShare` of them encrypts; each encrypt uses one of `contexts` encryption contexts, chosen
 * uniformly; each decrypt reads a message freshly written by any container of the fleet (a uniform
 * choice of the fleet's container x context streams, the message of that stream's current data key).
 *
 * Encrypt: a (container, context) stream fetches a data key on a request, which then serves the
 * stream until it is `maxAgeSeconds` old or has encrypted `maxMessagesEncrypted` messages; the next
 * request fetches again. With arrivals at rate l per stream, a data key serves
 * J = min(M, 1 + Poisson(l * A)) messages (exact for Poisson arrivals), so the stream makes l / E[J]
 * GenerateDataKey calls per second and a data key is current for E[J] / l seconds on average.
 *
 * Decrypt: a container caches the data key of each message it decrypts for `maxAgeSeconds`, keyed by
 * the encrypted data key: every container must call Decrypt once for every data key of the fleet it
 * reads. For one (container, stream) pair, decrypts arrive at d = decrypt rate / (N x contexts); over
 * a data key's current life L the container calls Decrypt 1 - exp(-d L) times on average, so the pair
 * makes (1 - exp(-d L)) / L Decrypt calls per second (L taken at its mean).
 *
 * Capacity: a container's cache holds its encrypt entries (one per context) and the decrypt entries
 * of the fleet's data keys it reads. When they do not all fit, least-recently-used eviction is
 * modelled with Che's approximation: an entry survives while it is used again within a
 * characteristic time T, where T solves capacity = sum over entries of (1 - exp(-rate x T)); an
 * encrypt key then also ends at the first gap between its uses longer than T, and a decrypt hit also
 * needs the previous read of that key within T.
 */

/** Cache settings of one container (the envelope Lambda's SECUREKEY_CACHE_* variables). */
export interface FleetCacheSettings {
  /** false: no data-key cache, one KMS call per request. */
  readonly enabled: boolean;
  readonly maxAgeSeconds: number;
  readonly maxMessagesEncrypted: number;
  readonly capacity: number;
}

export interface FleetWorkload {
  readonly containers: number;
  /** Requests per second each container serves (encrypt and decrypt together). */
  readonly requestsPerSecond: number;
  /** Share of requests that encrypt (0 to 1); the rest decrypt. */
  readonly encryptShare: number;
  /** Distinct encryption contexts, used uniformly. */
  readonly contexts: number;
  readonly cache: FleetCacheSettings;
}

export interface FleetEstimate {
  readonly generateDataKeyPerSecond: number;
  readonly decryptPerSecond: number;
  readonly kmsRequestsPerSecond: number;
  /** 30-day month at the modelled rate. */
  readonly monthlyRequests: number;
  readonly monthlyCostUsd: number;
  /** Share of requests that make no KMS call. */
  readonly cacheHitRatio: number;
  /** The fleet's share of each Region tier's symmetric cryptographic-operation quota. */
  readonly quotaShare: Record<string, number>;
}

/** USD per 10,000 KMS requests (symmetric cryptographic operations). */
export const KMS_USD_PER_10K_REQUESTS = 0.03;
/** Default shared quota for symmetric cryptographic operations, requests per second, by Region tier. */
export const KMS_SYMMETRIC_QUOTAS = [5_500, 10_000, 20_000, 50_000, 100_000] as const;
export const SECONDS_PER_MONTH = 30 * 24 * 3600;

/**
 * Expected messages one data key serves: E[min(M, 1 + N, G)] for N ~ Poisson(mean) (arrivals within
 * the max age) and G the first of its uses followed by a gap long enough to be evicted (each gap with
 * probability `evictPerGap`). Sums P(served > k) term by term; bounded loop.
 */
export function messagesPerDataKey(mean: number, maxMessages: number, evictPerGap = 0): number {
  const keep = 1 - evictPerGap;
  // P(served > k) = P(N >= k) * keep^k for k < M. Beyond mean + 12 sd (and 50 terms) and once
  // keep^k is negligible, nothing is left to add.
  const last = Math.min(maxMessages - 1, Math.ceil(mean + 12 * Math.sqrt(mean) + 50));
  let logP = -mean; // log P(N = k)
  let atLeast = 1; // P(N >= k)
  let expected = 0;
  let keepPow = 1;
  for (let k = 0; k <= last; k++) {
    if (k > 0) {
      atLeast -= Math.exp(logP);
      logP += Math.log(mean / k);
      keepPow *= keep;
    }
    const term = Math.max(0, atLeast) * keepPow;
    expected += term;
    if (term < 1e-12 && k > mean) break;
  }
  return expected;
}

/**
 * Che's characteristic time of an LRU cache of `capacity` entries under independent references:
 * the T with capacity = sum of count x (1 - exp(-rate x T)) over the item classes. Infinity when
 * everything fits. Bisection on a bounded number of steps.
 */
export function characteristicTime(capacity: number, classes: ReadonlyArray<{ count: number; rate: number }>): number {
  const filled = (t: number) => classes.reduce((n, c) => n + c.count * (1 - Math.exp(-c.rate * t)), 0);
  const everything = classes.reduce((n, c) => n + (c.rate > 0 ? c.count : 0), 0);
  if (everything <= capacity) return Infinity;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200 && filled(hi) < capacity; i++) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (filled(mid) < capacity) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export function estimateFleet(w: FleetWorkload): FleetEstimate {
  const encryptRate = w.requestsPerSecond * w.encryptShare;
  const decryptRate = w.requestsPerSecond * (1 - w.encryptShare);
  let gdk: number;
  let dec: number;
  if (!w.cache.enabled) {
    gdk = w.containers * encryptRate;
    dec = w.containers * decryptRate;
  } else {
    const streams = w.containers * w.contexts;
    const perStream = encryptRate / w.contexts;
    const perPair = streams > 0 ? decryptRate / streams : 0;
    // Per container: its contexts' encrypt entries, and one decrypt entry per fleet stream's key.
    const t = characteristicTime(w.cache.capacity, [
      { count: w.contexts, rate: perStream },
      { count: streams, rate: perPair },
    ]);
    const evictPerGap = (rate: number) => (Number.isFinite(t) ? Math.exp(-rate * t) : 0);
    const served = perStream > 0 ? messagesPerDataKey(perStream * w.cache.maxAgeSeconds, w.cache.maxMessagesEncrypted, evictPerGap(perStream)) : 1;
    const life = perStream > 0 ? served / perStream : Infinity;
    gdk = perStream > 0 ? streams * perStream / served : 0;
    if (Number.isFinite(life) && perPair > 0) {
      // Without eviction a pair calls Decrypt 1 - exp(-d L) times per key life L; each of the other
      // reads is a hit only if the previous read of that key came within T.
      const fetches = 1 - Math.exp(-perPair * life);
      const reads = perPair * life;
      const hits = (reads - fetches) * (1 - evictPerGap(perPair));
      dec = w.containers * streams * (reads - hits) / life;
    } else {
      dec = w.containers * decryptRate;
    }
  }
  const total = gdk + dec;
  const requests = w.containers * w.requestsPerSecond;
  return {
    generateDataKeyPerSecond: gdk,
    decryptPerSecond: dec,
    kmsRequestsPerSecond: total,
    monthlyRequests: total * SECONDS_PER_MONTH,
    monthlyCostUsd: total * SECONDS_PER_MONTH / 10_000 * KMS_USD_PER_10K_REQUESTS,
    cacheHitRatio: requests > 0 ? Math.max(0, 1 - total / requests) : 0,
    quotaShare: Object.fromEntries(KMS_SYMMETRIC_QUOTAS.map((q) => [String(q), total / q])),
  };
}

/*
 * The hierarchical keyring (lambda/hierarchy): every container has its own BranchKeyCache. A request
 * for tenant t needs one branch key entry: encrypts the ACTIVE entry of t's branch key, decrypts the
 * entry of the version that wrapped the message (the cache keys differ, as in the specification, so a
 * container that both encrypts and decrypts for t holds two entries). A miss is one store read: one
 * DynamoDB GetItem (eventually consistent) and one KMS Decrypt. An entry lives `ttlSeconds` from its
 * load, whoever wrote the message: unlike data keys, branch keys are shared by the whole fleet, so
 * decrypts do not fan out over the writers. With requests for an entry at rate l (Poisson), an
 * entry serves 1 + Poisson(l x TTL) requests per load, so it costs l / (1 + l TTL) reads per second
 * (messagesPerDataKey with no message limit); LRU eviction above `capacity` as for the data-key cache
 * (Che's characteristic time). VersionKey of a branch key adds 3 KMS calls (ReEncrypt to authenticate
 * the ACTIVE item, GenerateDataKeyWithoutPlaintext, ReEncrypt), one strongly consistent GetItem and one
 * TransactWriteItems of 2 items.
 */

/** USD per million on-demand read request units, DynamoDB Standard table class, US East (N. Virginia). */
export const DYNAMODB_USD_PER_MILLION_READ_UNITS = 0.125;
/** USD per million on-demand write request units, same table class and Region. */
export const DYNAMODB_USD_PER_MILLION_WRITE_UNITS = 0.625;
/** Read request units of one eventually consistent GetItem of an item up to 4 KB (a branch key item is well under). */
export const READ_UNITS_PER_GETITEM = 0.5;
/** KMS calls, read units and write units of one VersionKey (2 transactional writes of items up to 1 KB). */
export const VERSION_KEY_COST = { kmsCalls: 3, readUnits: 1, writeUnits: 4 } as const;

export interface HierarchicalCacheSettings {
  /** The provider's `cacheTtlSeconds`. */
  readonly ttlSeconds: number;
  /** The provider's `cacheCapacity` (versions count separately). */
  readonly capacity: number;
}

export interface HierarchicalFleetWorkload {
  readonly containers: number;
  /** Requests per second each container serves (encrypt and decrypt together). */
  readonly requestsPerSecond: number;
  /** Share of requests that encrypt (0 to 1); the rest decrypt fresh messages. */
  readonly encryptShare: number;
  /** Branch keys, one per tenant, used uniformly. */
  readonly tenants: number;
  readonly cache: HierarchicalCacheSettings;
  /** Days between two VersionKey of each branch key. @default - never versioned */
  readonly rotationDays?: number;
}

export interface HierarchicalFleetEstimate {
  /** Branch key reads (cache misses) of the fleet: each one GetItem and one KMS Decrypt. */
  readonly storeReadsPerSecond: number;
  /** KMS calls of VersionKey, averaged over the rotation period. */
  readonly versioningKmsPerSecond: number;
  readonly kmsRequestsPerSecond: number;
  readonly getItemPerSecond: number;
  readonly readUnitsPerSecond: number;
  readonly monthlyKmsCostUsd: number;
  readonly monthlyDynamoDbCostUsd: number;
  readonly monthlyCostUsd: number;
  /** Share of requests that read nothing from the store (and call no KMS). */
  readonly cacheHitRatio: number;
  readonly quotaShare: Record<string, number>;
}

/** Reads per second one cache entry costs: requests at `rate`, TTL, LRU characteristic time `t`. */
export function branchKeyReadsPerSecond(rate: number, ttlSeconds: number, t = Infinity): number {
  if (!(rate > 0)) return 0;
  const evictPerGap = Number.isFinite(t) ? Math.exp(-rate * t) : 0;
  return rate / messagesPerDataKey(rate * ttlSeconds, Infinity, evictPerGap);
}

export function estimateHierarchicalFleet(w: HierarchicalFleetWorkload): HierarchicalFleetEstimate {
  const perActive = w.requestsPerSecond * w.encryptShare / w.tenants;
  const perVersion = w.requestsPerSecond * (1 - w.encryptShare) / w.tenants;
  const t = characteristicTime(w.cache.capacity, [
    { count: w.tenants, rate: perActive },
    { count: w.tenants, rate: perVersion },
  ]);
  const entryReads = (rate: number) => branchKeyReadsPerSecond(rate, w.cache.ttlSeconds, t);
  const perContainer = w.tenants * (entryReads(perActive) + entryReads(perVersion));
  const reads = w.containers * perContainer;
  const rotations = w.rotationDays && w.rotationDays > 0 ? w.tenants / (w.rotationDays * 86_400) : 0;
  const versioningKms = rotations * VERSION_KEY_COST.kmsCalls;
  const kms = reads + versioningKms;
  const readUnits = reads * READ_UNITS_PER_GETITEM + rotations * VERSION_KEY_COST.readUnits;
  const monthlyKmsCostUsd = kms * SECONDS_PER_MONTH / 10_000 * KMS_USD_PER_10K_REQUESTS;
  const writeUnits = rotations * VERSION_KEY_COST.writeUnits;
  const dynamoDbUsdPerSecond = (readUnits * DYNAMODB_USD_PER_MILLION_READ_UNITS + writeUnits * DYNAMODB_USD_PER_MILLION_WRITE_UNITS) / 1e6;
  const monthlyDynamoDbCostUsd = dynamoDbUsdPerSecond * SECONDS_PER_MONTH;
  const requests = w.containers * w.requestsPerSecond;
  return {
    storeReadsPerSecond: reads,
    versioningKmsPerSecond: versioningKms,
    kmsRequestsPerSecond: kms,
    getItemPerSecond: reads + rotations,
    readUnitsPerSecond: readUnits,
    monthlyKmsCostUsd,
    monthlyDynamoDbCostUsd,
    monthlyCostUsd: monthlyKmsCostUsd + monthlyDynamoDbCostUsd,
    cacheHitRatio: requests > 0 ? Math.max(0, 1 - reads / requests) : 0,
    quotaShare: Object.fromEntries(KMS_SYMMETRIC_QUOTAS.map((q) => [String(q), kms / q])),
  };
}
