// Public entry point of `cdk-secure-key/lambda`: the envelope helpers for Node.js code.
// Re-exports only.
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
export * from './providers/aws-kms';
export * from './audit';
// './handler/index', not './handler': lambda/handler.ts (the Lambda entry point) would win the resolution.
export * from './handler/index';
