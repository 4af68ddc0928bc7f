/**
 * Grants as KMS applies them (pure): which operations a grant may name, whether a grant lets a caller
 * perform an operation on a key with a given encryption context (its constraints), and the checks
 * CreateGrant runs on its input. The grant operations themselves are in local-kms-grant-operations.ts.
 */
import { validation } from './local-kms-errors';
import type { StoredGrant } from './local-kms-store';

/** The operations a grant can allow (KMS's GrantOperation enum). */
export const GRANT_OPERATIONS: readonly string[] = [
  'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo',
  'Sign', 'Verify', 'GetPublicKey', 'CreateGrant', 'RetireGrant', 'DescribeKey', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'GenerateMac', 'VerifyMac', 'DeriveSharedSecret',
];

/** Operations that take an encryption context; grant constraints apply to these only. */
const WITH_ENCRYPTION_CONTEXT = new Set([
  'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo',
  'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
]);

export type GrantConstraints = NonNullable<StoredGrant['constraints']>;

/** Whether a request's encryption context satisfies a grant's constraints. */
export function constraintsHold(constraints: GrantConstraints | undefined, encryptionContext: Record<string, string> | undefined): boolean {
  const ctx = encryptionContext ?? {};
  const equals = constraints?.EncryptionContextEquals;
  if (equals !== undefined) {
    const want = Object.entries(equals);
    if (want.length !== Object.keys(ctx).length || !want.every(([k, v]) => ctx[k] === v)) return false;
  }
  const subset = constraints?.EncryptionContextSubset;
  if (subset !== undefined && !Object.entries(subset).every(([k, v]) => ctx[k] === v)) return false;
  return true;
}

/**
 * The first grant on the key that lets `principalArn` perform `operation` (`Decrypt`, no `kms:`
 * prefix) with this encryption context, if any.
 */
export function grantFor(
  grants: readonly StoredGrant[], principalArn: string, operation: string, encryptionContext: Record<string, string> | undefined,
): StoredGrant | undefined {
  return grants.find((g) => g.granteePrincipal === principalArn
    && g.operations.includes(operation)
    && (!WITH_ENCRYPTION_CONTEXT.has(operation) || constraintsHold(g.constraints, encryptionContext)));
}

/** Checks CreateGrant's Operations and Constraints; returns them normalized. */
export function checkGrantInput(operations: unknown, constraints: unknown): { operations: string[]; constraints?: GrantConstraints } {
  if (!Array.isArray(operations) || operations.length === 0) {
    throw validation(`Operations must list at least one of ${GRANT_OPERATIONS.join(', ')}.`);
  }
  for (const op of operations) {
    if (typeof op !== 'string' || !GRANT_OPERATIONS.includes(op)) {
      throw validation(`Operation '${String(op)}' cannot be granted; allowed: ${GRANT_OPERATIONS.join(', ')}.`);
    }
  }
  if (constraints === undefined) return { operations: [...new Set(operations as string[])] };
  const c = constraints as Record<string, unknown>;
  const out: GrantConstraints = {};
  for (const [name, value] of Object.entries(c)) {
    if (value === undefined) continue;
    if (name !== 'EncryptionContextEquals' && name !== 'EncryptionContextSubset') {
      throw validation(`Constraints.${name} is not a grant constraint; use EncryptionContextEquals or EncryptionContextSubset.`);
    }
    if (!value || typeof value !== 'object' || Object.values(value).some((v) => typeof v !== 'string')) {
      throw validation(`Constraints.${name} must map encryption context keys to string values.`);
    }
    out[name] = { ...(value as Record<string, string>) };
  }
  return { operations: [...new Set(operations as string[])], ...(Object.keys(out).length > 0 ? { constraints: out } : {}) };
}

/** The grant constraint types a CreateGrant request names (`kms:GrantConstraintType`). */
export function constraintTypes(constraints: GrantConstraints | undefined): string[] {
  return Object.keys(constraints ?? {});
}
