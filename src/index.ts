// Re-exports only.
// First: fails with what to install when a peer dependency is missing, before any import needs it.
import './private/peers';
export * from './secure-key';
export * from './secure-key-props';
export * from './key-grants';
export type { KeyGrantOptions } from './key-policy';
export * from './envelope-function-props';
export * from './envelope-function';
export * from './key-audit';
export * from './checks/key-policy-checks';
export * from './access/key-access-report';
export * from './compliance-evidence';
export * from './replica-key';
export type { AutoScalingAccessOptions } from './services/auto-scaling';
export * from './guardrails';
export * from './organization-guardrails';
export * from './branch-key-store';
