/**
 * How KeyAudit makes its default audit key and recognizes a SecureKey without importing secure-key.ts:
 * SecureKey creates KeyAudits (its `audit` prop) and a KeyAudit creates a SecureKey (its audit key), so
 * one side has to reach the other through a small interface. secure-key.ts registers its class here when
 * it loads; key-audit.ts asks for it when it runs. Every public entry point (index.ts) loads secure-key.ts.
 */
import type { Construct } from 'constructs';
import type { SecureKey } from '../secure-key';
import type { SecureKeyProps } from '../secure-key-props';

/** The SecureKey class, as KeyAudit needs it: to create an audit key and to tell SecureKeys from other keys. */
export type SecureKeyClass = new (scope: Construct, id: string, props?: SecureKeyProps) => SecureKey;

let secureKeyClass: SecureKeyClass | undefined;

/** Called once by secure-key.ts when it loads. */
export function registerSecureKeyClass(cls: SecureKeyClass): void {
  secureKeyClass = cls;
}

function registered(): SecureKeyClass {
  if (secureKeyClass === undefined) {
    throw new Error('cdk-secure-key: SecureKey is not loaded. Import KeyAudit from \'cdk-secure-key\' (the package index), not from a file inside it.');
  }
  return secureKeyClass;
}

/** A new SecureKey for a KeyAudit's trail, log group and topic. */
export function createAuditKey(scope: Construct, id: string, description: string): SecureKey {
  return new (registered())(scope, id, { description });
}

/** Whether `key` is a SecureKey (a primary key of this app, not a replica, alias or imported key). */
export function isSecureKey(key: unknown): key is SecureKey {
  return key instanceof registered();
}
