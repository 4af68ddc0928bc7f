/** The hierarchical keyring's part of bench/results.md's fleet section (see bench/fleet-hierarchical.bench.ts). */
import type { HierarchicalFleetResult } from './fleet-hierarchical.bench';
import {
  DYNAMODB_USD_PER_MILLION_READ_UNITS, KMS_SYMMETRIC_QUOTAS, READ_UNITS_PER_GETITEM,
} from './fleet-model';
import { fmt } from './support';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (n: number, digits = 0) => `${fmt(100 * n, digits)}%`;
const rate = (n: number) => (n < 10 ? fmt(n, 2) : int(n));

export function hierarchicalFleetSection(h: HierarchicalFleetResult | undefined): string[] {
  if (!h) return [];
  const out: string[] = ['### Hierarchical keyring', ''];
  out.push('The model (estimateHierarchicalFleet) against a simulation: one HierarchicalKeyProvider with its own BranchKeyCache per');
  out.push('container, all over one branch key store (in-memory table counting GetItem, LocalKms counting Decrypt), seeded Poisson');
  out.push('traffic, fake time, concurrent requests per 10 ms tick; store reads counted after a warm-up of 1.2 x TTL.');
  out.push('');
  out.push('| case | containers | req/s each | encrypt share | tenants | TTL s | capacity | requests simulated | simulated KMS Decrypt/s (= GetItem/s) | model | error |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of h.simulations) {
    const w = s.workload;
    out.push(`| ${s.name} | ${int(w.containers)} | ${w.requestsPerSecond} | ${w.encryptShare} | ${int(w.tenants)} | ${w.cache.ttlSeconds} | ${int(w.cache.capacity)} | ${int(s.requests)} | `
      + `${fmt(s.simulated.kmsDecryptPerSecond, 3)} (${fmt(s.simulated.getItemPerSecond, 3)}) | ${fmt(s.model.kmsRequestsPerSecond, 3)} | ${s.relativeError >= 0 ? '+' : ''}${pct(s.relativeError, 2)} |`);
  }
  out.push('', `Largest error of the hierarchical model: ${pct(h.largestError, 2)}.`, '');
  out.push(`Data-key cache against hierarchical keyring, model only: per container ${h.comparisonWorkload.requestsPerSecond} requests/s, `
    + `${pct(h.comparisonWorkload.encryptShare)} encrypts, one context (branch key) per tenant, used uniformly;`);
  out.push(`data-key cache at maxAge ${h.comparisonTtlSeconds} s, 2^32 messages, capacity tenants x (containers + 1); hierarchical at TTL ${h.comparisonTtlSeconds} s, `
    + 'capacity max(1,000, 2 x tenants). USD per month: KMS at 0.03 per 10,000 requests, and for the hierarchical keyring');
  out.push(`DynamoDB on-demand reads at ${DYNAMODB_USD_PER_MILLION_READ_UNITS} per million read units, ${READ_UNITS_PER_GETITEM} unit per GetItem.`);
  out.push('');
  out.push(`| containers | tenants | data-key cache KMS req/s | USD/month | hierarchical KMS req/s (= GetItem/s) | USD/month (KMS + DynamoDB) | share of ${int(KMS_SYMMETRIC_QUOTAS[0])} req/s: data-key cache / hierarchical | hierarchical at TTL 3,600 s: KMS req/s, USD/month |`);
  out.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of h.comparison) {
    out.push(`| ${int(r.containers)} | ${int(r.tenants)} | ${rate(r.dataKeyCache.kmsRequestsPerSecond)} | ${int(r.dataKeyCache.monthlyCostUsd)} | `
      + `${rate(r.hierarchical.kmsRequestsPerSecond)} | ${int(r.hierarchical.monthlyCostUsd)} | `
      + `${pct(r.dataKeyCache.quotaShare[String(KMS_SYMMETRIC_QUOTAS[0])], 1)} / ${pct(r.hierarchical.quotaShare[String(KMS_SYMMETRIC_QUOTAS[0])], 1)} | `
      + `${rate(r.hierarchicalHourTtl.kmsRequestsPerSecond)}, ${int(r.hierarchicalHourTtl.monthlyCostUsd)} |`);
  }
  out.push('');
  return out;
}
