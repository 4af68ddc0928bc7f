// The only file of lambda/ with a top-level import of the CloudTrail client; the rest of the usage
// report is pure. The Lambda bundles the client; users of `cdk-secure-key/lambda/aws-usage-report`
// install it themselves.
// eslint-disable-next-line import/no-extraneous-dependencies
import { LookupEventsCommand, LookupEventsCommandInput, LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import { UsageReportLookupError, UsageReportThrottledError } from './errors';
import { backoffDelayMs, Clock, DEFAULT_RETRY, isThrottlingError, realSleep, RequestRateLimiter, RetryOptions, Sleep } from './rate-limit';
import { LookupEventsItem } from './records';
import { KeyUsageReport, LookupStats, summarizeKeyUsage } from './summarize';
import { ConfigurationError } from '../core/errors';

/** The CloudTrail client surface the usage report needs; a `CloudTrailClient` fits, and so does a test double. */
export interface CloudTrailLookupClient {
  send(command: LookupEventsCommand): Promise<LookupEventsCommandOutput>;
}

/** LookupEvents returns at most 50 events per page. */
export const LOOKUP_EVENTS_MAX_RESULTS = 50;
export const DEFAULT_MAX_PAGES = 20;
export const DEFAULT_MAX_EVENTS = DEFAULT_MAX_PAGES * LOOKUP_EVENTS_MAX_RESULTS;

export interface LookupKeyEventsOptions {
  /** ARN of the KMS key. The client must be in the key's Region: CloudTrail event history is regional. */
  readonly keyArn: string;
  readonly startTime: Date;
  readonly endTime: Date;
  /**
   * `ResourceName` asks CloudTrail for events naming the key ARN; `EventSource` reads every KMS event
   * of the account and Region and filters locally (more pages, but also finds records without resources).
   * @default 'ResourceName'
   */
  readonly lookupBy?: 'ResourceName' | 'EventSource';
  /** Pages to read at most (50 events each). @default DEFAULT_MAX_PAGES (20) */
  readonly maxPages?: number;
  /** Events to keep at most. @default DEFAULT_MAX_EVENTS (1000) */
  readonly maxEvents?: number;
  /**
   * Stop before starting a page at or after this time (epoch ms, as `now` reports it), e.g. a Lambda's
   * remaining time minus a margin. The result is marked truncated.
   * @default - no deadline
   */
  readonly deadline?: number;
  /**
   * Rate limiter to share between lookups (one per container, since the limit is per account).
   * @default - a new limiter at LOOKUP_EVENTS_REQUESTS_PER_SECOND using `now` and `sleep`
   */
  readonly limiter?: RequestRateLimiter;
  /** Retries of throttled requests. */
  readonly retry?: RetryOptions;
  /** @default Date.now */
  readonly now?: Clock;
  /** @default a setTimeout-based sleep */
  readonly sleep?: Sleep;
}

export interface LookupKeyEventsResult {
  /** Events as LookupEvents returned them, newest first. */
  readonly events: readonly LookupEventsItem[];
  readonly stats: LookupStats;
}

/**
 * Reads the CloudTrail event history of one key over a window: follows NextToken, keeps under the
 * LookupEvents rate limit, retries throttling with capped exponential backoff and full jitter, and
 * stops at `maxPages`/`maxEvents`/`deadline` (saying so in `stats.truncated`).
 *
 * @throws UsageReportThrottledError when a page stays throttled after every attempt
 * @throws UsageReportLookupError when LookupEvents fails otherwise
 * @throws ConfigurationError for invalid options
 */
export async function lookupKeyEvents(client: CloudTrailLookupClient, options: LookupKeyEventsOptions): Promise<LookupKeyEventsResult> {
  const { keyArn, startTime, endTime } = options;
  if (typeof keyArn !== 'string' || !keyArn.startsWith('arn:')) {
    throw new ConfigurationError(`lookupKeyEvents: keyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got ${JSON.stringify(String(keyArn).slice(0, 200))}.`);
  }
  if (!(startTime instanceof Date) || !(endTime instanceof Date) || isNaN(startTime.getTime()) || isNaN(endTime.getTime())) {
    throw new ConfigurationError('lookupKeyEvents: startTime and endTime must be valid Dates.');
  }
  if (startTime.getTime() > endTime.getTime()) {
    throw new ConfigurationError(`lookupKeyEvents: startTime (${startTime.toISOString()}) is after endTime (${endTime.toISOString()}); swap them.`);
  }
  const maxPages = positiveInteger('maxPages', options.maxPages ?? DEFAULT_MAX_PAGES);
  const maxEvents = positiveInteger('maxEvents', options.maxEvents ?? DEFAULT_MAX_EVENTS);
  const maxAttempts = positiveInteger('retry.maxAttempts', options.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts);
  const baseDelayMs = options.retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const maxDelayMs = options.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const random = options.retry?.random ?? Math.random;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const limiter = options.limiter ?? new RequestRateLimiter({ now, sleep });

  const baseInput: LookupEventsCommandInput = {
    LookupAttributes: [options.lookupBy === 'EventSource'
      ? { AttributeKey: 'EventSource', AttributeValue: 'kms.amazonaws.com' }
      : { AttributeKey: 'ResourceName', AttributeValue: keyArn }],
    StartTime: startTime,
    EndTime: endTime,
    MaxResults: LOOKUP_EVENTS_MAX_RESULTS,
  };

  const events: LookupEventsItem[] = [];
  let pagesRead = 0;
  let requests = 0;
  let throttledRetries = 0;
  let nextToken: string | undefined;
  let truncatedBy: 'maxPages' | 'maxEvents' | 'deadline' | undefined;

  // Undefined when the deadline passed while waiting for a slot or backing off.
  const sendWithRetry = async (input: LookupEventsCommandInput): Promise<LookupEventsCommandOutput | undefined> => {
    for (let attempt = 0; ; attempt++) {
      await limiter.acquire();
      if (options.deadline !== undefined && now() >= options.deadline) return undefined;
      requests++;
      try {
        return await client.send(new LookupEventsCommand(input));
      } catch (err) {
        if (!isThrottlingError(err)) {
          const e = err as { name?: unknown; message?: unknown };
          const name = typeof e?.name === 'string' ? e.name : 'UnknownError';
          const detail = typeof e?.message === 'string' ? e.message.slice(0, 300) : 'no detail';
          throw new UsageReportLookupError(name, detail, { cause: err });
        }
        if (attempt + 1 >= maxAttempts) throw new UsageReportThrottledError(attempt + 1, { cause: err });
        throttledRetries++;
        await sleep(backoffDelayMs(attempt, baseDelayMs, maxDelayMs, random));
      }
    }
  };

  do {
    if (pagesRead >= maxPages) { truncatedBy = 'maxPages'; break; }
    const page = await sendWithRetry(nextToken ? { ...baseInput, NextToken: nextToken } : baseInput);
    if (!page) { truncatedBy = 'deadline'; break; }
    pagesRead++;
    events.push(...(page.Events ?? []));
    nextToken = page.NextToken || undefined;
    if (events.length >= maxEvents && (events.length > maxEvents || nextToken)) {
      events.length = maxEvents;
      truncatedBy = 'maxEvents';
      break;
    }
  } while (nextToken);

  const oldest = oldestTime(events);
  return {
    events,
    stats: {
      pagesRead,
      eventsRead: events.length,
      requests,
      throttledRetries,
      ...(truncatedBy ? { truncated: { reason: truncatedBy, ...(oldest ? { oldestEventTime: oldest } : {}) } } : {}),
    },
  };
}

export interface ReportKeyUsageOptions extends LookupKeyEventsOptions {
  /** See `SummarizeKeyUsageOptions.expectedPrincipals`. */
  readonly expectedPrincipals?: readonly string[];
}

/** Looks up a key's events and summarizes them: the Lambda's `usageReport` operation. */
export async function reportKeyUsage(client: CloudTrailLookupClient, options: ReportKeyUsageOptions): Promise<KeyUsageReport> {
  const { events, stats } = await lookupKeyEvents(client, options);
  return summarizeKeyUsage(events, {
    keyArn: options.keyArn,
    window: { start: options.startTime, end: options.endTime },
    lookup: stats,
    ...(options.expectedPrincipals ? { expectedPrincipals: options.expectedPrincipals } : {}),
  });
}

function oldestTime(events: readonly LookupEventsItem[]): Date | undefined {
  let min: number | undefined;
  for (const e of events) {
    const t = e.EventTime instanceof Date ? e.EventTime.getTime() : NaN;
    if (!isNaN(t) && (min === undefined || t < min)) min = t;
  }
  return min === undefined ? undefined : new Date(min);
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(`lookupKeyEvents: ${name} must be a whole number of at least 1, got ${value}.`);
  }
  return value;
}
