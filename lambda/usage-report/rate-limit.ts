/** Waits `ms` milliseconds. Injected so tests run instantly. */
export type Sleep = (ms: number) => Promise<void>;
/** Current time in epoch milliseconds. Injected so tests control time. */
export type Clock = () => number;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** LookupEvents' documented limit: 2 requests per second, per account, per Region. */
export const LOOKUP_EVENTS_REQUESTS_PER_SECOND = 2;

export interface RequestRateLimiterOptions {
  /** @default LOOKUP_EVENTS_REQUESTS_PER_SECOND */
  readonly requestsPerSecond?: number;
  /** @default Date.now */
  readonly now?: Clock;
  /** @default a setTimeout-based sleep */
  readonly sleep?: Sleep;
}

/**
 * Spaces request starts at least `1000 / requestsPerSecond` ms apart. Slots are reserved
 * synchronously, so concurrent callers (several usage reports in one container) queue rather than burst.
 */
export class RequestRateLimiter {
  public readonly intervalMs: number;
  private readonly now: Clock;
  private readonly sleep: Sleep;
  private nextSlot = Number.NEGATIVE_INFINITY;

  constructor(options: RequestRateLimiterOptions = {}) {
    const rps = options.requestsPerSecond ?? LOOKUP_EVENTS_REQUESTS_PER_SECOND;
    if (!(rps > 0) || !Number.isFinite(rps)) {
      throw new RangeError(`requestsPerSecond must be a positive number, got ${rps}.`);
    }
    this.intervalMs = 1000 / rps;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
  }

  /** Resolves when the caller may send its next request. */
  public async acquire(): Promise<void> {
    const now = this.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await this.sleep(slot - now);
  }
}

export interface RetryOptions {
  /** Attempts per request, the first included. @default 6 */
  readonly maxAttempts?: number;
  /** Backoff before the first retry is drawn from [0, baseDelayMs). @default 500 */
  readonly baseDelayMs?: number;
  /** Upper bound of any backoff. @default 8000 */
  readonly maxDelayMs?: number;
  /** Uniform in [0, 1). @default Math.random */
  readonly random?: () => number;
}

export const DEFAULT_RETRY = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 8000 } as const;

/**
 * "Full jitter" backoff: uniform in [0, min(maxDelayMs, baseDelayMs * 2^attempt)). Spreading retries
 * matters here because the LookupEvents limit is shared by every caller in the account.
 */
export function backoffDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** True for CloudTrail's `ThrottlingException` and other SDK errors marked as throttling. */
export function isThrottlingError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: unknown; $retryable?: { throttling?: unknown }; $metadata?: { httpStatusCode?: unknown } };
  return e.name === 'ThrottlingException'
    || e.name === 'TooManyRequestsException'
    || e.$retryable?.throttling === true
    || e.$metadata?.httpStatusCode === 429;
}
