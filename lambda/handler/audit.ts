/** Glue between a parsed `audit` request and the audit helper, so the handler stays a switch. */
import type { EnvelopeFunctionConfig } from './config';
import type { AuditRequest } from './events';
import type { CallDetails } from './logger';
import { auditKeyUsage, CloudTrailLookupClient } from '../audit/lookup';
import type { RequestRateLimiter } from '../audit/rate-limit';
import type { KeyUsageReport } from '../audit/summarize';

/** Stop starting LookupEvents pages this long before the Lambda's time runs out. */
export const AUDIT_DEADLINE_MARGIN_MS = 3000;

export interface RunAuditOptions {
  /** One per container: the LookupEvents limit is per account and Region. */
  readonly limiter?: RequestRateLimiter;
  /** `context.getRemainingTimeInMillis()` at the start of the call. @default - no deadline */
  readonly remainingTimeMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Runs an audit request against the function's key. */
export async function runAuditRequest(
  client: CloudTrailLookupClient, request: AuditRequest, config: EnvelopeFunctionConfig, options: RunAuditOptions = {},
): Promise<KeyUsageReport> {
  const now = options.now ?? Date.now;
  const deadline = options.remainingTimeMs === undefined ? undefined : now() + options.remainingTimeMs - AUDIT_DEADLINE_MARGIN_MS;
  return auditKeyUsage(client, {
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

/** The log fields of an audit call: the report's headline, nothing from the records. */
export function auditLogDetails(report: KeyUsageReport): CallDetails {
  return {
    audit: {
      events: report.totals.events,
      principals: report.totals.principals,
      complete: report.complete,
      unexpectedPrincipals: report.unexpectedPrincipals,
    },
  };
}
