/**
 * KMS at fleet scale: the model of bench/fleet-model.ts, checked against a simulation, and the
 * model's table for 1 to 2,000 containers. Runs in the bench child.
 *
 * The simulation runs one real cache stack per container (CachingMaterialsManager over a
 * DataKeyCache over DefaultMaterialsManager over a LocalKmsKeyProvider) over one LocalKms that
 * counts GenerateDataKey and Decrypt calls. Time is fake: every cache reads one clock that the
 * simulation moves through a seeded Poisson arrival sequence, so a run of simulated minutes takes
 * seconds and gives the same counts every time. Requests falling in the same 10 ms tick run
 * concurrently (the caches' one-call-per-miss sharing is exercised). KMS calls are counted after a
 * warm-up of one maxAge plus a little, and compared with the model's steady state.
 */
import { HierarchicalFleetResult, hierarchicalFleetCheck } from './fleet-hierarchical.bench';
import {
  estimateFleet, FleetCacheSettings, FleetEstimate, FleetWorkload, KMS_SYMMETRIC_QUOTAS,
} from './fleet-model';
import { runPoissonTraffic } from './fleet-traffic';
import { prng } from './support';
import { CachingMaterialsManager } from '../lambda/core/caching-materials-manager';
import { DataKeyCache } from '../lambda/core/data-key-cache';
import { DefaultMaterialsManager } from '../lambda/core/materials';
import { AlgorithmSuiteId, EncryptedDataKey } from '../lambda/core/types';
import { LocalKms } from '../lambda/providers/local-kms';
import { LocalKmsKeyProvider } from '../lambda/providers/local-kms-provider';

type GenerateDataKeyInput = Parameters<LocalKms['generateDataKey']>[0];
type DecryptInput = Parameters<LocalKms['decrypt']>[0];

/** One LocalKms for the whole fleet, counting the calls that count against the KMS quota. */
class CountingKms extends LocalKms {
  public generateDataKeyCalls = 0;
  public decryptCalls = 0;
  public async generateDataKey(input: GenerateDataKeyInput): ReturnType<LocalKms['generateDataKey']> {
    this.generateDataKeyCalls++;
    return super.generateDataKey(input);
  }
  public async decrypt(input: DecryptInput): ReturnType<LocalKms['decrypt']> {
    this.decryptCalls++;
    return super.decrypt(input);
  }
}

export interface SimulationCase {
  readonly name: string;
  readonly workload: FleetWorkload;
  /** Simulated seconds, warm-up included. */
  readonly seconds: number;
}

export interface SimulationResult {
  readonly name: string;
  readonly workload: FleetWorkload;
  readonly measuredSeconds: number;
  readonly requests: number;
  readonly simulated: { generateDataKeyPerSecond: number; decryptPerSecond: number; kmsRequestsPerSecond: number };
  readonly model: FleetEstimate;
  /** (model - simulated) / simulated, of the total KMS request rate. */
  readonly relativeError: number;
}

const TICK_MS = 10;
/** The simulation refuses cases above this many requests, so the bench stays fast. */
const MAX_REQUESTS = 250_000;
const SUITE = AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;

export async function simulate(c: SimulationCase, seed = 1): Promise<SimulationResult> {
  const w = c.workload;
  const expected = w.containers * w.requestsPerSecond * c.seconds;
  if (expected > MAX_REQUESTS) throw new Error(`fleet case ${c.name}: ${Math.round(expected)} requests is above the bound of ${MAX_REQUESTS}.`);
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const kms = new CountingKms({ clock: () => new Date(now) });
  const keyArn = (await kms.createKey({ Description: 'fleet' })).KeyMetadata.Arn;
  const containers = Array.from({ length: w.containers }, () => new CachingMaterialsManager({
    underlying: new DefaultMaterialsManager(new LocalKmsKeyProvider({ kms, keyId: keyArn })),
    cache: new DataKeyCache({ capacity: w.cache.capacity, clock }),
    maxAgeSeconds: w.cache.maxAgeSeconds,
    maxMessagesEncrypted: w.cache.maxMessagesEncrypted,
  }));
  const contexts = Array.from({ length: w.contexts }, (_, i) => Object.freeze({ tenant: `t${i}` }));
  /** The current encrypted data key of each (container, context) stream, once it has encrypted. */
  const current = new Map<number, EncryptedDataKey>();
  const random = prng(seed);
  const start = now;
  const warmupMs = Math.ceil(w.cache.maxAgeSeconds * 1000 * 1.2);
  const endMs = c.seconds * 1000;
  if (endMs <= warmupMs) throw new Error(`fleet case ${c.name}: ${c.seconds} s leaves nothing after the ${warmupMs / 1000} s warm-up.`);
  let base = { gdk: 0, dec: 0 };
  const requests = await runPoissonTraffic({
    random,
    requestsPerMs: w.containers * w.requestsPerSecond / 1000,
    endMs,
    warmupMs,
    tickMs: TICK_MS,
    advance: (offsetMs) => { now = start + offsetMs; },
    onWarm: () => { base = { gdk: kms.generateDataKeyCalls, dec: kms.decryptCalls }; },
    request: () => {
      const container = Math.floor(random() * w.containers);
      const cmm = containers[container];
      if (random() < w.encryptShare) {
        const ctx = Math.floor(random() * w.contexts);
        return async () => {
          const m = await cmm.getEncryptionMaterials({ suite: SUITE, encryptionContext: contexts[ctx], plaintextLength: 1024 });
          current.set(container * w.contexts + ctx, m.encryptedDataKeys[0]);
          m.plaintextDataKey.fill(0);
        };
      }
      const stream = Math.floor(random() * w.containers * w.contexts);
      return async () => {
        const edk = current.get(stream);
        if (!edk) return; // that stream has written nothing yet (warm-up only)
        const m = await cmm.decryptMaterials({ suite: SUITE, encryptionContext: contexts[stream % w.contexts], encryptedDataKeys: [edk] });
        m.plaintextDataKey.fill(0);
      };
    },
  });
  for (const cmm of containers) cmm.cache.clear();
  const measuredSeconds = (endMs - Math.ceil(warmupMs / TICK_MS) * TICK_MS) / 1000;
  const gdk = (kms.generateDataKeyCalls - base.gdk) / measuredSeconds;
  const dec = (kms.decryptCalls - base.dec) / measuredSeconds;
  const model = estimateFleet(w);
  const total = gdk + dec;
  return {
    name: c.name,
    workload: w,
    measuredSeconds,
    requests,
    simulated: { generateDataKeyPerSecond: gdk, decryptPerSecond: dec, kmsRequestsPerSecond: total },
    model,
    relativeError: (model.kmsRequestsPerSecond - total) / total,
  };
}

const cache = (maxAgeSeconds: number, capacity = 100, maxMessagesEncrypted = 2 ** 32): FleetCacheSettings =>
  ({ enabled: true, maxAgeSeconds, maxMessagesEncrypted, capacity });

/** Cases that exercise each part of the model: age-bound, message-bound, decrypt fan-out, capacity. */
export const SIMULATION_CASES: readonly SimulationCase[] = [
  { name: '1 container, message limit binds', seconds: 360, workload: { containers: 1, requestsPerSecond: 200, encryptShare: 1, contexts: 4, cache: cache(60, 100, 500) } },
  { name: '10 containers, age binds, half decrypts', seconds: 300, workload: { containers: 10, requestsPerSecond: 5, encryptShare: 0.5, contexts: 10, cache: cache(30) } },
  { name: '100 containers, 5 contexts', seconds: 300, workload: { containers: 100, requestsPerSecond: 2, encryptShare: 0.5, contexts: 5, cache: cache(60) } },
  { name: '1,000 containers, 2 contexts', seconds: 300, workload: { containers: 1000, requestsPerSecond: 0.25, encryptShare: 0.5, contexts: 2, cache: cache(60) } },
  { name: '2,000 containers, 1 context, 300 s max age', seconds: 700, workload: { containers: 2000, requestsPerSecond: 0.1, encryptShare: 0.5, contexts: 1, cache: cache(300) } },
  { name: '10 containers, contexts above capacity', seconds: 200, workload: { containers: 10, requestsPerSecond: 20, encryptShare: 0.8, contexts: 60, cache: cache(60, 20) } },
  { name: '100 containers, fleet data keys above capacity', seconds: 300, workload: { containers: 100, requestsPerSecond: 2, encryptShare: 0.5, contexts: 5, cache: cache(60, 50) } },
];

export interface FleetTableRow {
  readonly containers: number;
  readonly setting: string;
  readonly estimate: FleetEstimate;
}

/** The workload of docs/scaling.md's table: per container 10 requests/s, half of them decrypts, 10 contexts. */
export const TABLE_WORKLOAD = { requestsPerSecond: 10, encryptShare: 0.5, contexts: 10 } as const;
export const TABLE_SETTINGS: Readonly<Record<string, FleetCacheSettings>> = {
  'no cache': { enabled: false, maxAgeSeconds: 1, maxMessagesEncrypted: 1, capacity: 1 },
  'maxAge 60 s, 1,000 messages': cache(60, 100, 1000),
  'EnvelopeFunction defaults: maxAge 300 s, 1,000 messages, capacity 100': cache(300, 100, 1000),
  'maxAge 300 s, 2^32 messages, capacity 1,000': cache(300, 1000),
};

export function fleetTable(): FleetTableRow[] {
  const rows: FleetTableRow[] = [];
  for (const containers of [1, 10, 100, 1000, 2000]) {
    for (const [setting, settings] of Object.entries(TABLE_SETTINGS)) {
      rows.push({ containers, setting, estimate: estimateFleet({ ...TABLE_WORKLOAD, containers, cache: settings }) });
    }
  }
  return rows;
}

export interface FleetResult {
  readonly simulations: SimulationResult[];
  readonly largestError: number;
  readonly table: FleetTableRow[];
  readonly quotas: readonly number[];
  readonly tableWorkload: typeof TABLE_WORKLOAD;
  /** The same for the hierarchical keyring, and its comparison with the data-key cache. */
  readonly hierarchical: HierarchicalFleetResult;
}

export async function fleetCheck(): Promise<FleetResult> {
  const simulations: SimulationResult[] = [];
  for (const c of SIMULATION_CASES) simulations.push(await simulate(c));
  return {
    simulations,
    largestError: Math.max(...simulations.map((s) => Math.abs(s.relativeError))),
    table: fleetTable(),
    quotas: KMS_SYMMETRIC_QUOTAS,
    tableWorkload: TABLE_WORKLOAD,
    hierarchical: await hierarchicalFleetCheck(),
  };
}
