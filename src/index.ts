// Re-exports only.
export * from './secure-key';
export * from './key-grants';
export type { KeyGrantOptions } from './key-policy';
export * from './envelope-function';
export * from './replica-key';
