// Key-usage audit over CloudTrail. Re-exports only; the CloudTrail lookup itself is in ../aws.ts.
export * from './errors';
export * from './records';
export * from './rate-limit';
export * from './summarize';
