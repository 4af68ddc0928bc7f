/** Timing and statistics helpers shared by the benchmarks (parent and child processes). */

/** Median wall time in ms of `runs` calls of `fn` after `warmup` calls. */
export async function medianMs(fn: () => unknown, runs = 7, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

export function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** A median with its interquartile range: the noise of a figure on a shared machine. */
export interface Spread {
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
}

export function spread(values: readonly number[]): Spread {
  return { median: quantile(values, 0.5), p25: quantile(values, 0.25), p75: quantile(values, 0.75) };
}

/**
 * Per-round ratios a[i]/b[i] (paired: both sides of a ratio ran in the same round, under the same
 * load), summarised as median and IQR. With times, a = baseline and b = ours gives "ours is N x".
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): Spread {
  return spread(a.map((t, i) => t / b[i]));
}

export const KiB = 1024;
export const MiB = 1024 * 1024;

export const mbps = (bytes: number, ms: number): number => (bytes / 1e6) / (ms / 1000);
export const sizeLabel = (n: number): string => (n >= MiB ? `${n / MiB} MiB` : `${n / KiB} KiB`);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One contender in an interleaved measurement: an operation, run `batch` times per timed sample. */
export interface Contender {
  readonly name: string;
  readonly run: () => unknown;
  /** Calls per timed sample (more for fast operations, so timer resolution and one-off stalls matter less). @default 1 */
  readonly batch?: number;
}

/**
 * Per timed sample: ms per call of wall time and of CPU time (user + system, all threads of the
 * process: GC helpers and page-fault handling included), and minor page faults per call (memory the
 * OS had to hand out fresh). On a shared machine CPU time is the steadier measure: time spent
 * waiting for a core while other jobs run is not in it, the work is.
 */
export interface Samples {
  readonly ms: number[];
  readonly cpuMs: number[];
  readonly faults: number[];
}

/**
 * Runs every contender once per round, in an order that rotates each round, so no one always goes
 * first and both sides of a ratio see the same load. Before each timed sample a contender makes one
 * untimed call, which absorbs the switch (the previous contender's garbage, cold caches). The first
 * `warmup` rounds are not recorded.
 *
 * Tried for issue 17 and dropped: a forced full GC before each sample (node --expose-gc) narrowed
 * the ratios' ranges to +-12% at 1 MiB, but put every contender in a state where each call faulted
 * in fresh memory (up to 10x slower than its steady state: a biased figure, not a steadier one);
 * 50 ms of untimed calls before each sample did not narrow them. On this machine the spread comes
 * from page faults (about 12 us each here) that come and go with the allocator's state, and from
 * other jobs' load.
 */
export async function interleave(contenders: readonly Contender[], rounds: number, warmup = 2): Promise<Map<string, Samples>> {
  const times = new Map<string, Samples>(contenders.map((c) => [c.name, { ms: [], cpuMs: [], faults: [] }]));
  for (let r = -warmup; r < rounds; r++) {
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(Math.max(r, 0) + i) % contenders.length];
      const batch = c.batch ?? 1;
      await c.run();
      const f0 = process.resourceUsage().minorPageFault;
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let b = 0; b < batch; b++) await c.run();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6 / batch;
      const cpu = process.cpuUsage(c0);
      if (r >= 0) {
        const samples = times.get(c.name)!;
        samples.ms.push(ms);
        samples.cpuMs.push((cpu.user + cpu.system) / 1000 / batch);
        samples.faults.push((process.resourceUsage().minorPageFault - f0) / batch);
      }
    }
  }
  return times;
}

/** Relative half-width of an interquartile range around its median: 0.15 means within +-15%. */
export function halfWidth(s: Spread): number {
  return Math.max(s.median - s.p25, s.p75 - s.median) / s.median;
}

/** Calls per sample so that one sample takes about `targetMs` (measured from a few calls). */
export async function batchFor(fn: () => unknown, targetMs: number): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const t0 = process.hrtime.bigint();
  const n = 5;
  for (let i = 0; i < n; i++) await fn();
  const each = Number(process.hrtime.bigint() - t0) / 1e6 / n;
  return Math.max(1, Math.min(100_000, Math.round(targetMs / each)));
}

/** mulberry32: a small seeded PRNG, so every run draws the same traffic. */
/* eslint-disable no-bitwise */ // a PRNG is bit mixing
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */
