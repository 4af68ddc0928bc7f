/** Glue between a parsed `usageReport` request and the usage report's lookup, so the handler stays a switch. */
import type { EnvelopeFunctionConfig } from './config';
import type { UsageReportRequest } from './events';
import type { CallDetails } from './logger';
import { reportKeyUsage, CloudTrailLookupClient } from '../usage-report/lookup';
import type { RequestRateLimiter } from '../usage-report/rate-limit';
import type { KeyUsageReport } from '../usage-report/summarize';

/** Stop starting LookupEvents pages this long before the Lambda's time runs out. */
export const USAGE_REPORT_DEADLINE_MARGIN_MS = 3000;

export interface RunUsageReportOptions {
  /** One per container: the LookupEvents limit is per account and Region. */
  readonly limiter?: RequestRateLimiter;
  /** `context.getRemainingTimeInMillis()` at the start of the call. @default - no deadline */
  readonly remainingTimeMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Builds the usage report a request asks for, for the function's key. */
export async function runUsageReportRequest(
  client: CloudTrailLookupClient, request: UsageReportRequest, config: EnvelopeFunctionConfig, options: RunUsageReportOptions = {},
): Promise<KeyUsageReport> {
  const now = options.now ?? Date.now;
  const deadline = options.remainingTimeMs === undefined ? undefined : now() + options.remainingTimeMs - USAGE_REPORT_DEADLINE_MARGIN_MS;
  return reportKeyUsage(client, {
    keyArn: config.keyArn,
    startTime: request.startTime,
    endTime: request.endTime,
    maxPages: request.maxPages,
    now,
    ...(request.expectedPrincipals ? { expectedPrincipals: request.expectedPrincipals } : {}),
    ...(options.limiter ? { limiter: options.limiter } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(deadline !== undefined ? { deadline } : {}),
  });
}

/** The log fields of a usage-report call: the report's headline, nothing from the records. */
export function usageReportLogDetails(report: KeyUsageReport): CallDetails {
  return {
    usageReport: {
      events: report.totals.events,
      principals: report.totals.principals,
      complete: report.complete,
      unexpectedPrincipals: report.unexpectedPrincipals,
    },
  };
}
