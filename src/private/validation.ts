import { Duration, Token } from 'aws-cdk-lib';
import { KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';

/** Limits KMS enforces. Checks and messages both read these, so they cannot disagree. */
export const ROTATION_PERIOD_DAYS = { min: 90, max: 2560, default: 365 } as const;
export const PENDING_WINDOW_DAYS = { min: 7, max: 30, default: 30 } as const;
export const ALIAS_PREFIX = 'alias/';
export const RESERVED_ALIAS_PREFIX = 'alias/aws/';
export const ALIAS_MAX_LENGTH = 256;
export const ALIAS_NAME_CHARACTERS = 'a-zA-Z0-9:/_-';
const ALIAS_NAME_PATTERN = new RegExp(`^[${ALIAS_NAME_CHARACTERS}]+$`);

/** The key specs KMS accepts for each key usage. */
export const KEY_SPECS_BY_USAGE: Record<KeyUsage, KeySpec[]> = {
  [KeyUsage.ENCRYPT_DECRYPT]: [KeySpec.SYMMETRIC_DEFAULT, KeySpec.RSA_2048, KeySpec.RSA_3072, KeySpec.RSA_4096, KeySpec.SM2],
  [KeyUsage.SIGN_VERIFY]: [
    KeySpec.RSA_2048, KeySpec.RSA_3072, KeySpec.RSA_4096,
    KeySpec.ECC_NIST_P256, KeySpec.ECC_NIST_P384, KeySpec.ECC_NIST_P521, KeySpec.ECC_SECG_P256K1,
    KeySpec.ECC_NIST_EDWARDS25519, KeySpec.SM2,
    KeySpec.ML_DSA_44, KeySpec.ML_DSA_65, KeySpec.ML_DSA_87,
  ],
  [KeyUsage.GENERATE_VERIFY_MAC]: [KeySpec.HMAC_224, KeySpec.HMAC_256, KeySpec.HMAC_384, KeySpec.HMAC_512],
  [KeyUsage.KEY_AGREEMENT]: [KeySpec.ECC_NIST_P256, KeySpec.ECC_NIST_P384, KeySpec.ECC_NIST_P521, KeySpec.SM2],
};

/** KMS rotates key material only for symmetric encryption keys. */
export function canRotate(keySpec: KeySpec, keyUsage: KeyUsage): boolean {
  return keySpec === KeySpec.SYMMETRIC_DEFAULT && keyUsage === KeyUsage.ENCRYPT_DECRYPT;
}

/** Thrown at synth for a prop or call KMS would reject, or one that breaks SecureKey's guarantees. */
export class SecureKeyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecureKeyConfigError';
  }
}

/** `<path>: '<prop>' <problem>. Received: <value>. Allowed: <allowed>.` */
export function propError(path: string, prop: string, problem: string, received: unknown, allowed: string): SecureKeyConfigError {
  return new SecureKeyConfigError(
    `SecureKey ${path}: '${prop}' ${problem}. Received: ${formatValue(received)}. Allowed: ${allowed}.`,
  );
}

/** A received value to print as is (a measurement such as `6 days`), not quoted like a string prop. */
export class Described {
  constructor(public readonly text: string) {}
}

function formatValue(v: unknown): string {
  if (v instanceof Described) return v.text;
  return typeof v === 'string' ? `'${v}'` : String(v);
}

export function rangeText(range: { min: number; max: number }, unit: string): string {
  return `${range.min} to ${range.max} ${unit} (inclusive)`;
}

/**
 * Whole days in a Duration, or undefined if it holds an unresolved token (checked at deploy time by
 * CloudFormation instead). Fractional days are rejected by the caller as out of range.
 */
export function durationDays(d: Duration): number | undefined {
  const days = d.toDays({ integral: false });
  return Token.isUnresolved(days) ? undefined : days;
}

export function checkDays(path: string, prop: string, d: Duration, range: { min: number; max: number }): number | undefined {
  const days = durationDays(d);
  if (days === undefined) return undefined;
  if (!Number.isInteger(days) || days < range.min || days > range.max) {
    throw propError(path, prop, 'is out of range', new Described(`${days} days`), `a whole number of days from ${rangeText(range, 'days')}`);
  }
  return days;
}

/** Adds the `alias/` prefix when missing. */
export function normalizeAlias(alias: string): string {
  if (Token.isUnresolved(alias)) return alias;
  return alias.startsWith(ALIAS_PREFIX) ? alias : `${ALIAS_PREFIX}${alias}`;
}

export function checkAlias(path: string, alias: string): void {
  if (Token.isUnresolved(alias)) return;
  const prop = 'aliases';
  const name = alias.slice(ALIAS_PREFIX.length);
  if (alias.toLowerCase().startsWith(RESERVED_ALIAS_PREFIX)) {
    throw propError(path, prop, `uses the prefix '${RESERVED_ALIAS_PREFIX}', which KMS reserves for AWS managed keys`, alias,
      `any name that does not start with '${RESERVED_ALIAS_PREFIX}'`);
  }
  if (name.length === 0 || !ALIAS_NAME_PATTERN.test(name)) {
    throw propError(path, prop, 'contains a character KMS does not accept, or is empty', alias,
      `'${ALIAS_PREFIX}' followed by one or more of ${ALIAS_NAME_CHARACTERS}`);
  }
  if (alias.length > ALIAS_MAX_LENGTH) {
    throw propError(path, prop, 'is too long', new Described(`${alias.length} characters`),
      `at most ${ALIAS_MAX_LENGTH} characters including '${ALIAS_PREFIX}'`);
  }
}
