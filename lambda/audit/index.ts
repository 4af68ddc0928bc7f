// Key-usage audit over CloudTrail. Re-exports only.
export * from './errors';
export * from './records';
export * from './rate-limit';
export * from './summarize';
export * from './lookup';
