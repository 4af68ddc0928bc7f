// Public entry point of `cdk-secure-key/lambda`: the envelope helpers for Node.js code.
// Re-exports only.
export * from './core/types';
export * from './core/errors';
