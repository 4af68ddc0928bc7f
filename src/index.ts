// Re-exports only.
export * from './secure-key';
export * from './key-grants';
export { KeyGrantOptions } from './key-policy';
