/**
 * The fleet model's pure functions (bench/fleet-model.ts) against closed forms and the properties
 * docs/scaling.md relies on. The simulation that checks the model against real caches is in the
 * bench (`npm run bench -- --only fleet`), not here.
 */
import {
  branchKeyReadsPerSecond, characteristicTime, DYNAMODB_USD_PER_MILLION_READ_UNITS, estimateFleet, estimateHierarchicalFleet,
  HierarchicalFleetWorkload, KMS_SYMMETRIC_QUOTAS, KMS_USD_PER_10K_REQUESTS, messagesPerDataKey, READ_UNITS_PER_GETITEM,
  SECONDS_PER_MONTH, VERSION_KEY_COST,
} from '../../bench/fleet-model';

const workload = (over: Partial<HierarchicalFleetWorkload> = {}): HierarchicalFleetWorkload => ({
  containers: 100, requestsPerSecond: 10, encryptShare: 0.5, tenants: 50, cache: { ttlSeconds: 300, capacity: 1000 }, ...over,
});

describe('messagesPerDataKey and characteristicTime', () => {
  test.each([0.1, 1, 7.5, 40, 900])('without a message limit a key serves 1 + mean messages (mean %p)', (mean) => {
    expect(messagesPerDataKey(mean, Infinity)).toBeCloseTo(1 + mean, 6);
  });

  test('a message limit caps what a key serves', () => {
    expect(messagesPerDataKey(500, 10)).toBeCloseTo(10, 6);
    expect(messagesPerDataKey(2, 3)).toBeLessThan(3);
  });

  test('Che\'s characteristic time fills the cache exactly, and is infinite when everything fits', () => {
    const classes = [{ count: 40, rate: 0.5 }, { count: 400, rate: 0.01 }];
    const t = characteristicTime(100, classes);
    const filled = classes.reduce((n, c) => n + c.count * (1 - Math.exp(-c.rate * t)), 0);
    expect(filled).toBeCloseTo(100, 6);
    expect(characteristicTime(440, classes)).toBe(Infinity);
  });
});

describe('branchKeyReadsPerSecond', () => {
  test.each([[0.01, 300], [0.2, 60], [5, 300], [100, 10]])('one entry at rate %p, TTL %p s: l / (1 + l TTL)', (rate, ttl) => {
    expect(branchKeyReadsPerSecond(rate, ttl)).toBeCloseTo(rate / (1 + rate * ttl), 9);
  });

  test('no requests, no reads; LRU eviction only adds reads', () => {
    expect(branchKeyReadsPerSecond(0, 300)).toBe(0);
    expect(branchKeyReadsPerSecond(0.1, 300, 5)).toBeGreaterThan(branchKeyReadsPerSecond(0.1, 300));
    // An entry evicted before every reuse is read on every request.
    expect(branchKeyReadsPerSecond(0.1, 300, 1e-9)).toBeCloseTo(0.1, 6);
  });
});

describe('estimateHierarchicalFleet', () => {
  test('store reads grow linearly with containers: no decrypt fan-out over the writers', () => {
    const one = estimateHierarchicalFleet(workload({ containers: 1 }));
    for (const n of [10, 100, 2000]) {
      expect(estimateHierarchicalFleet(workload({ containers: n })).storeReadsPerSecond).toBeCloseTo(n * one.storeReadsPerSecond, 6);
    }
  });

  test('per container, each tenant costs an ACTIVE entry and a version entry, each l / (1 + l TTL)', () => {
    const w = workload({ containers: 7, requestsPerSecond: 12, encryptShare: 0.25, tenants: 30 });
    const enc = 12 * 0.25 / 30;
    const dec = 12 * 0.75 / 30;
    const expected = 7 * 30 * (enc / (1 + enc * 300) + dec / (1 + dec * 300));
    const e = estimateHierarchicalFleet(w);
    expect(e.storeReadsPerSecond).toBeCloseTo(expected, 9);
    expect(e.kmsRequestsPerSecond).toBeCloseTo(expected, 9);
    expect(e.getItemPerSecond).toBeCloseTo(expected, 9);
    expect(e.cacheHitRatio).toBeCloseTo(1 - expected / (7 * 12), 9);
  });

  test('hot branch keys: about containers x entries / TTL, whatever the traffic', () => {
    const both = estimateHierarchicalFleet(workload({ requestsPerSecond: 1e4, tenants: 10, cache: { ttlSeconds: 60, capacity: 1000 } }));
    expect(both.kmsRequestsPerSecond).toBeCloseTo(100 * 2 * 10 / 60, 2);
    const encryptOnly = estimateHierarchicalFleet(workload({
      requestsPerSecond: 1e4, encryptShare: 1, tenants: 10, cache: { ttlSeconds: 60, capacity: 1000 },
    }));
    expect(encryptOnly.kmsRequestsPerSecond).toBeCloseTo(100 * 10 / 60, 2);
  });

  test('a capacity below two entries per tenant costs more reads; at or above it, nothing changes', () => {
    const fits = estimateHierarchicalFleet(workload({ cache: { ttlSeconds: 300, capacity: 100 } }));
    const large = estimateHierarchicalFleet(workload({ cache: { ttlSeconds: 300, capacity: 100_000 } }));
    const small = estimateHierarchicalFleet(workload({ cache: { ttlSeconds: 300, capacity: 40 } }));
    expect(fits.storeReadsPerSecond).toBeCloseTo(large.storeReadsPerSecond, 9);
    expect(small.storeReadsPerSecond).toBeGreaterThan(fits.storeReadsPerSecond * 1.05);
  });

  test('cost: KMS at USD 0.03 per 10,000, DynamoDB reads at half a read unit per GetItem; quota shares', () => {
    const e = estimateHierarchicalFleet(workload());
    expect(KMS_USD_PER_10K_REQUESTS).toBe(0.03);
    expect(e.monthlyKmsCostUsd).toBeCloseTo(e.kmsRequestsPerSecond * SECONDS_PER_MONTH * 0.03 / 10_000, 6);
    expect(e.readUnitsPerSecond).toBeCloseTo(e.getItemPerSecond * READ_UNITS_PER_GETITEM, 9);
    expect(e.monthlyDynamoDbCostUsd).toBeCloseTo(e.readUnitsPerSecond * SECONDS_PER_MONTH * DYNAMODB_USD_PER_MILLION_READ_UNITS / 1e6, 6);
    expect(e.monthlyCostUsd).toBeCloseTo(e.monthlyKmsCostUsd + e.monthlyDynamoDbCostUsd, 6);
    for (const q of KMS_SYMMETRIC_QUOTAS) expect(e.quotaShare[String(q)]).toBeCloseTo(e.kmsRequestsPerSecond / q, 12);
  });

  test('versioning every branch key adds 3 KMS calls per branch key per rotation', () => {
    const plain = estimateHierarchicalFleet(workload());
    const rotated = estimateHierarchicalFleet(workload({ rotationDays: 30 }));
    expect(rotated.versioningKmsPerSecond).toBeCloseTo(VERSION_KEY_COST.kmsCalls * 50 / (30 * 86_400), 12);
    expect(rotated.kmsRequestsPerSecond - plain.kmsRequestsPerSecond).toBeCloseTo(rotated.versioningKmsPerSecond, 12);
    expect(rotated.monthlyDynamoDbCostUsd).toBeGreaterThan(plain.monthlyDynamoDbCostUsd);
  });

  test('at 1,000 containers with few tenants the hierarchical keyring needs a fraction of the data-key cache\'s KMS calls', () => {
    const fleet = { containers: 1000, requestsPerSecond: 10, encryptShare: 0.5 };
    const dataKeyCache = estimateFleet({
      ...fleet, contexts: 10, cache: { enabled: true, maxAgeSeconds: 300, maxMessagesEncrypted: 2 ** 32, capacity: 20_000 },
    });
    const hierarchical = estimateHierarchicalFleet({ ...fleet, tenants: 10, cache: { ttlSeconds: 300, capacity: 1000 } });
    expect(hierarchical.kmsRequestsPerSecond * 20).toBeLessThan(dataKeyCache.kmsRequestsPerSecond);
  });
});
