// Re-exports only.
export * from './secure-key';
export * from './key-grants';
export type { KeyGrantOptions } from './key-policy';
export * from './envelope-function';
export * from './key-audit';
export * from './checks/key-policy-checks';
export * from './access/key-access-report';
export * from './compliance-evidence';
export * from './replica-key';
export * from './branch-key-store';
