// The hierarchical keyring: branch key store client, branch-key cache and key provider. Re-exports only.
export * from './branch-key-items';
export * from './branch-key-store-client';
export * from './branch-key-cache';
export * from './branch-key-wrapping';
export * from './hierarchical-key-provider';
export * from './in-memory-branch-key-table';
export { kdfCounterModeSha256 } from './kdf-counter-mode';
