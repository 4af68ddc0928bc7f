// `cdk-secure-key/lambda/aws-usage-report`: who used a KMS key, from CloudTrail's LookupEvents
// (`reportKeyUsage`), or from CloudTrail records you already have (`summarizeKeyUsage`). It imports
// @aws-sdk/client-cloudtrail, which the caller provides (the Lambda Node.js runtime ships it).
// Re-exports only.
export {
  reportKeyUsage, lookupKeyEvents, LOOKUP_EVENTS_MAX_RESULTS, DEFAULT_MAX_PAGES, DEFAULT_MAX_EVENTS,
  type CloudTrailLookupClient, type LookupKeyEventsOptions, type LookupKeyEventsResult, type ReportKeyUsageOptions,
} from './usage-report/lookup';
export {
  summarizeKeyUsage, KMS_EVENT_SOURCE,
  type KeyUsageReport, type LookupStats, type OperationUsage, type PrincipalUsage, type SummarizeKeyUsageOptions, type UsageCounts,
} from './usage-report/summarize';
export { type CloudTrailRecord, type LookupEventsItem, type KeyEventInput } from './usage-report/records';
export { RequestRateLimiter, type RequestRateLimiterOptions, type RetryOptions } from './usage-report/rate-limit';
export { UsageReportThrottledError, UsageReportLookupError } from './usage-report/errors';
