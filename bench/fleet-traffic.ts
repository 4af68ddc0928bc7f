/**
 * The traffic driver of the fleet simulations (bench/fleet.bench.ts, bench/fleet-hierarchical.bench.ts):
 * a seeded Poisson stream of requests over fake time. Requests arriving in the same tick run
 * concurrently; the clock moves to each tick's end once they have all finished.
 */

export interface PoissonTrafficOptions {
  /** Uniform [0, 1) draws; the same ones feed `request`, so a seed gives the same traffic. */
  readonly random: () => number;
  /** Arrivals per simulated millisecond, the whole fleet. */
  readonly requestsPerMs: number;
  readonly endMs: number;
  readonly warmupMs: number;
  readonly tickMs: number;
  /** Moves the fake clock to `offsetMs` after the start. */
  readonly advance: (offsetMs: number) => void;
  /** Called once, at the end of the first tick at or after the warm-up (take the counters' base there). */
  readonly onWarm: () => void;
  /** One arrival: draws its choices now and returns the work to run with the tick's other requests. */
  readonly request: () => () => Promise<unknown>;
}

/** Runs the traffic; returns the number of requests that arrived after the warm-up. */
export async function runPoissonTraffic(o: PoissonTrafficOptions): Promise<number> {
  let t = 0;
  let requests = 0;
  let warm = false;
  let pending: Array<() => Promise<unknown>> = [];
  let tickEnd = o.tickMs;
  const flush = async () => {
    await Promise.all(pending.map((run) => run()));
    pending = [];
  };
  for (;;) {
    t += -Math.log(1 - o.random()) / o.requestsPerMs;
    while (t >= tickEnd || t >= o.endMs) {
      await flush();
      o.advance(Math.min(tickEnd, o.endMs));
      if (!warm && tickEnd >= o.warmupMs) {
        warm = true;
        o.onWarm();
      }
      if (tickEnd >= o.endMs) break;
      tickEnd += o.tickMs;
    }
    if (t >= o.endMs) break;
    pending.push(o.request());
    if (warm) requests++;
  }
  return requests;
}
