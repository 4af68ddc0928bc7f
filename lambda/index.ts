// Public entry point of `cdk-secure-key/lambda`: the envelope helpers for Node.js code.
// Re-exports only. Nothing reachable from here imports the AWS SDK: the adapters over
// @aws-sdk/client-kms and @aws-sdk/client-cloudtrail are in `cdk-secure-key/lambda/aws` (./aws.ts).
export * from './core/types';
export * from './core/errors';
export * from './core/envelope-client';
export * from './core/materials';
export * from './core/header';
export * from './core/encryption-context';
export * from './core/key-derivation';
export * from './core/suites';
export { EncryptStream, DecryptStream } from './core/streams';
export * from './core/data-key-cache';
export * from './core/caching-materials-manager';
export * from './providers/mrk';
export * from './providers/kms-key-provider-base';
export * from './providers/local-kms';
export * from './providers/local-kms-provider';
export * from './audit';
export * from './hierarchy';
