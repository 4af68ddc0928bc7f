import { SecureKeyError } from '../core/errors';

/**
 * CloudTrail kept throttling LookupEvents after every retry. LookupEvents allows 2 requests per
 * second per account and Region, shared by everyone in the account (console, CLI, other tools).
 */
export class UsageReportThrottledError extends SecureKeyError {
  /** How many LookupEvents attempts were made for the page that failed. */
  public readonly attempts: number;
  constructor(attempts: number, options?: { cause?: unknown }) {
    super(
      'UsageReportThrottledError',
      `CloudTrail LookupEvents was throttled ${attempts} times in a row (limit: 2 requests per second per account and Region, shared by all callers). `
        + 'Retry later, report on a shorter window, or run fewer usage reports at once; for large windows query a trail\'s logs (Athena or CloudTrail Lake) instead.',
      options,
    );
    this.attempts = attempts;
  }
}

/** LookupEvents failed for a reason other than throttling (permissions, invalid time range, ...). */
export class UsageReportLookupError extends SecureKeyError {
  /** CloudTrail's own exception name, e.g. `InvalidTimeRangeException` or `AccessDeniedException`. */
  public readonly cloudTrailErrorName: string;
  constructor(cloudTrailErrorName: string, detail: string, options?: { cause?: unknown }) {
    super(
      'UsageReportLookupError',
      `CloudTrail LookupEvents failed with ${cloudTrailErrorName}: ${detail}. `
        + 'Check that the caller may call cloudtrail:LookupEvents in the key\'s Region and that the window lies within the last 90 days.',
      options,
    );
    this.cloudTrailErrorName = cloudTrailErrorName;
  }
}
