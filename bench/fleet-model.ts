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
