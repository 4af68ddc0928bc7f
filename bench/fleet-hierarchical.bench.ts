/**
 * KMS at fleet scale with the hierarchical keyring: the model of bench/fleet-model.ts
 * (estimateHierarchicalFleet) checked against a simulation, and the comparison with the data-key
 * cache that docs/scaling.md quotes. Runs in the bench child, as part of the `fleet` part.
 *
 * The simulation runs one real HierarchicalKeyProvider (with its own BranchKeyCache) per container,
 * all over one BranchKeyStoreClient over an in-memory branch key table that counts GetItem and one
 * LocalKms that counts Decrypt. Time is fake (the caches and LocalKms read the simulation's clock),
 * traffic is a seeded Poisson stream, requests in the same 10 ms tick run concurrently (so the
 * cache's single-flight loads are exercised), and store reads are counted after a warm-up of 1.2 TTLs.
 * Each request wraps or unwraps a real data key (GenerateDataKey / DecryptDataKey of the provider);
 * decrypts unwrap a data key freshly wrapped by any container for that tenant.
 */
import {
  estimateFleet, estimateHierarchicalFleet, FleetEstimate, HierarchicalFleetEstimate, HierarchicalFleetWorkload,
} from './fleet-model';
import { runPoissonTraffic } from './fleet-traffic';
import { prng } from './support';
import { EncryptedDataKey } from '../lambda/core/types';
import { BranchKeyCache } from '../lambda/hierarchy/branch-key-cache';
import { BranchKeyKms, BranchKeyStoreClient } from '../lambda/hierarchy/branch-key-store-client';
import { branchKeyIdFromContext, HierarchicalKeyProvider } from '../lambda/hierarchy/hierarchical-key-provider';
import { InMemoryBranchKeyTable } from '../lambda/hierarchy/in-memory-branch-key-table';
import { LocalKms } from '../lambda/providers/local-kms';

export interface HierarchicalSimulationCase {
  readonly name: string;
  readonly workload: HierarchicalFleetWorkload;
  /** Simulated seconds, warm-up included. */
  readonly seconds: number;
}

export interface HierarchicalSimulationResult {
  readonly name: string;
  readonly workload: HierarchicalFleetWorkload;
  readonly measuredSeconds: number;
  readonly requests: number;
  readonly simulated: { kmsDecryptPerSecond: number; getItemPerSecond: number };
  readonly model: HierarchicalFleetEstimate;
  /** (model - simulated) / simulated, of the KMS request rate. */
  readonly relativeError: number;
}

const TICK_MS = 10;
const MAX_REQUESTS = 250_000;
const DATA_KEY_BYTES = 32;

export async function simulateHierarchical(c: HierarchicalSimulationCase, seed = 1): Promise<HierarchicalSimulationResult> {
  const w = c.workload;
  const expected = w.containers * w.requestsPerSecond * c.seconds;
  if (expected > MAX_REQUESTS) throw new Error(`hierarchical fleet case ${c.name}: ${Math.round(expected)} requests is above the bound of ${MAX_REQUESTS}.`);
  if (w.rotationDays) throw new Error(`hierarchical fleet case ${c.name}: the simulation does not version branch keys; leave rotationDays out.`);
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const local = new LocalKms({ clock: () => new Date(now) });
  const counts = { decrypt: 0 };
  const kms: BranchKeyKms = {
    generateDataKeyWithoutPlaintext: (input) => local.generateDataKeyWithoutPlaintext(input),
    reEncrypt: (input) => local.reEncrypt(input),
    decrypt: (input) => {
      counts.decrypt++;
      return local.decrypt(input);
    },
  };
  const kmsKeyArn = (await local.createKey({ Description: 'branch keys' })).KeyMetadata.Arn;
  const table = new InMemoryBranchKeyTable();
  const store = new BranchKeyStoreClient({
    tableName: 'branch-keys', logicalKeyStoreName: 'fleet', kmsKeyArn, table, kms, now: () => new Date(now),
  });
  const tenants = Array.from({ length: w.tenants }, (_, i) => Object.freeze({ tenant: `t${i}` }));
  for (const ctx of tenants) await store.createKey({ branchKeyId: ctx.tenant, encryptionContext: ctx });
  const containers = Array.from({ length: w.containers }, () => new HierarchicalKeyProvider({
    keyStore: store,
    branchKeyIdSupplier: branchKeyIdFromContext('tenant'),
    cacheTtlSeconds: w.cache.ttlSeconds,
    cache: new BranchKeyCache({ ttlSeconds: w.cache.ttlSeconds, capacity: w.cache.capacity, clock }),
  }));
  /** The latest data key wrapped for each tenant, by any container. */
  const latest = new Map<number, EncryptedDataKey>();
  const random = prng(seed);
  const start = now;
  const warmupMs = Math.ceil(w.cache.ttlSeconds * 1000 * 1.2);
  const endMs = c.seconds * 1000;
  if (endMs <= warmupMs) throw new Error(`hierarchical fleet case ${c.name}: ${c.seconds} s leaves nothing after the ${warmupMs / 1000} s warm-up.`);
  let base = { decrypt: 0, getItem: 0 };
  const requests = await runPoissonTraffic({
    random,
    requestsPerMs: w.containers * w.requestsPerSecond / 1000,
    endMs,
    warmupMs,
    tickMs: TICK_MS,
    advance: (offsetMs) => { now = start + offsetMs; },
    onWarm: () => { base = { decrypt: counts.decrypt, getItem: table.calls.getItem }; },
    request: () => {
      const provider = containers[Math.floor(random() * w.containers)];
      const tenant = Math.floor(random() * w.tenants);
      const encryptionContext = tenants[tenant];
      if (random() < w.encryptShare) {
        return async () => {
          const out = await provider.generateDataKey({ numberOfBytes: DATA_KEY_BYTES, encryptionContext });
          latest.set(tenant, out.encryptedDataKey);
          out.plaintextDataKey.fill(0);
        };
      }
      return async () => {
        const encryptedDataKey = latest.get(tenant);
        if (!encryptedDataKey) return; // nothing written for that tenant yet (warm-up only)
        (await provider.decryptDataKey({ encryptedDataKey, encryptionContext })).fill(0);
      };
    },
  });
  for (const p of containers) p.cache.clear();
  const measuredSeconds = (endMs - Math.ceil(warmupMs / TICK_MS) * TICK_MS) / 1000;
  const kmsDecryptPerSecond = (counts.decrypt - base.decrypt) / measuredSeconds;
  const getItemPerSecond = (table.calls.getItem - base.getItem) / measuredSeconds;
  const model = estimateHierarchicalFleet(w);
  return {
    name: c.name,
    workload: w,
    measuredSeconds,
    requests,
    simulated: { kmsDecryptPerSecond, getItemPerSecond },
    model,
    relativeError: (model.kmsRequestsPerSecond - kmsDecryptPerSecond) / kmsDecryptPerSecond,
  };
}

const ttl = (ttlSeconds: number, capacity = 1000) => ({ ttlSeconds, capacity });

/** Cases for each part of the model: TTL-bound hot keys, sparse tenants, encrypt or decrypt only, capacity. */
export const HIERARCHICAL_SIMULATION_CASES: readonly HierarchicalSimulationCase[] = [
  { name: '1 container, 4 tenants, encrypt only, TTL 10 s', seconds: 1200, workload: { containers: 1, requestsPerSecond: 100, encryptShare: 1, tenants: 4, cache: ttl(10) } },
  { name: '10 containers, 10 tenants, half decrypts, TTL 20 s', seconds: 1200, workload: { containers: 10, requestsPerSecond: 5, encryptShare: 0.5, tenants: 10, cache: ttl(20) } },
  { name: '100 containers, 100 tenants, sparse', seconds: 400, workload: { containers: 100, requestsPerSecond: 2, encryptShare: 0.5, tenants: 100, cache: ttl(60) } },
  { name: '1,000 containers, 20 tenants, decrypt heavy', seconds: 300, workload: { containers: 1000, requestsPerSecond: 0.4, encryptShare: 0.2, tenants: 20, cache: ttl(60) } },
  { name: '2,000 containers, 5 tenants, TTL 120 s', seconds: 500, workload: { containers: 2000, requestsPerSecond: 0.1, encryptShare: 0.5, tenants: 5, cache: ttl(120) } },
  { name: '10 containers, tenants above capacity', seconds: 200, workload: { containers: 10, requestsPerSecond: 40, encryptShare: 0.5, tenants: 100, cache: ttl(60, 50) } },
];

export interface HierarchicalComparisonRow {
  readonly containers: number;
  readonly tenants: number;
  readonly dataKeyCache: FleetEstimate;
  readonly hierarchical: HierarchicalFleetEstimate;
  /** The same at a one-hour TTL. */
  readonly hierarchicalHourTtl: HierarchicalFleetEstimate;
}

/** docs/scaling.md's comparison: per container 10 requests/s, half decrypts; each side at its best settings. */
export const COMPARISON_WORKLOAD = { requestsPerSecond: 10, encryptShare: 0.5 } as const;
export const COMPARISON_TTL_SECONDS = 300;

export function hierarchicalComparison(): HierarchicalComparisonRow[] {
  const rows: HierarchicalComparisonRow[] = [];
  for (const containers of [10, 100, 1000, 2000]) {
    for (const tenants of [10, 100, 1000, 10_000]) {
      const dataKeyCache = estimateFleet({
        ...COMPARISON_WORKLOAD,
        containers,
        contexts: tenants,
        cache: { enabled: true, maxAgeSeconds: COMPARISON_TTL_SECONDS, maxMessagesEncrypted: 2 ** 32, capacity: tenants * (containers + 1) },
      });
      const hierarchicalAt = (ttlSeconds: number) => estimateHierarchicalFleet({
        ...COMPARISON_WORKLOAD, containers, tenants, cache: { ttlSeconds, capacity: Math.max(1000, 2 * tenants) },
      });
      rows.push({
        containers, tenants, dataKeyCache, hierarchical: hierarchicalAt(COMPARISON_TTL_SECONDS), hierarchicalHourTtl: hierarchicalAt(3600),
      });
    }
  }
  return rows;
}

export interface HierarchicalFleetResult {
  readonly simulations: HierarchicalSimulationResult[];
  readonly largestError: number;
  readonly comparison: HierarchicalComparisonRow[];
  readonly comparisonWorkload: typeof COMPARISON_WORKLOAD;
  readonly comparisonTtlSeconds: number;
}

export async function hierarchicalFleetCheck(): Promise<HierarchicalFleetResult> {
  const simulations: HierarchicalSimulationResult[] = [];
  for (const c of HIERARCHICAL_SIMULATION_CASES) simulations.push(await simulateHierarchical(c));
  return {
    simulations,
    largestError: Math.max(...simulations.map((s) => Math.abs(s.relativeError))),
    comparison: hierarchicalComparison(),
    comparisonWorkload: COMPARISON_WORKLOAD,
    comparisonTtlSeconds: COMPARISON_TTL_SECONDS,
  };
}
