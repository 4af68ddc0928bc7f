// The usage report's pure parts (no AWS SDK import): records, rate limiting, summary, errors.
// The CloudTrail lookup is ./lookup.ts; the public entry is ../aws-usage-report.ts. Re-exports only.
export * from './errors';
export * from './records';
export * from './rate-limit';
export * from './summarize';
