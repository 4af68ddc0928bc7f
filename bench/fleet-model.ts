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
 * of the data keys it read within maxAge (its Decrypt calls per second times maxAge). When that working set W exceeds the capacity C, a lookup
 * finds its entry with probability about C / W (least-recently-used eviction under uniform access);
 * the rest each cost a KMS call.
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

/** E[min(M, 1 + N)] for N ~ Poisson(mean): messages one data key serves. Bounded loop. */
export function messagesPerDataKey(mean: number, maxMessages: number): number {
  if (maxMessages <= 1) return 1;
  if (mean === 0) return 1;
  // Beyond mean + 12 sd (and at least 50 terms) the Poisson tail is negligible.
  const last = Math.min(maxMessages - 2, Math.ceil(mean + 12 * Math.sqrt(mean) + 50));
  let p = Math.exp(-mean);
  let logP = -mean;
  let expected = 0;
  let below = 0;
  for (let k = 0; k <= last; k++) {
    if (k > 0) {
      logP += Math.log(mean / k);
      p = Math.exp(logP);
    }
    expected += p * (k + 1);
    below += p;
  }
  // min(M, 1 + N) = M whenever N >= M - 1.
  return expected + Math.max(0, 1 - below) * (last >= maxMessages - 2 ? maxMessages : last + 2);
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
    const served = perStream > 0 ? messagesPerDataKey(perStream * w.cache.maxAgeSeconds, w.cache.maxMessagesEncrypted) : 1;
    const life = perStream > 0 ? served / perStream : Infinity;
    gdk = perStream > 0 ? streams * perStream / served : 0;
    const perPair = streams > 0 ? decryptRate / streams : 0;
    const fetchesPerKey = Number.isFinite(life) ? 1 - Math.exp(-perPair * life) : 0;
    dec = Number.isFinite(life) ? w.containers * streams * fetchesPerKey / life : 0;
    // Working set of one container: its encrypt entries, and (Little's law) its Decrypt calls per
    // second times the maxAge each decrypt entry lives.
    const decryptEntries = dec / w.containers * w.cache.maxAgeSeconds;
    const workingSet = (encryptRate > 0 ? w.contexts : 0) + decryptEntries;
    if (workingSet > w.cache.capacity) {
      const found = w.cache.capacity / workingSet;
      gdk = w.containers * encryptRate * (1 - found) + gdk * found;
      dec = w.containers * decryptRate * (1 - found) + dec * found;
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
