import { Duration, Size, Token } from 'aws-cdk-lib';
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

/**
 * The one formatter of synth-time errors, for every construct of the library:
 * `<Construct> <path>: <message>`.
 */
export function constructError(construct: string, path: string, message: string): SecureKeyConfigError {
  return new SecureKeyConfigError(`${construct} ${path}: ${message}`);
}

/** A received value to print as is (a measurement such as `6 days`), not quoted like a string prop. */
export class Described {
  constructor(public readonly text: string) {}
}

function formatValue(v: unknown): string {
  if (v instanceof Described) return v.text;
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** A range a numeric prop must lie in, with the unit messages name. */
export interface CheckedRange {
  readonly min: number;
  readonly max: number;
  readonly unit: string;
}

/**
 * The one prop checker: every construct checks its props through it, so every message reads
 * `<Construct> <path>: '<prop>' <problem>. Received: <value>. Allowed: <allowed>.` and is built
 * from the same range the check uses. Unresolved tokens pass (CloudFormation checks them at deploy).
 */
export class PropChecker {
  constructor(private readonly construct: string, private readonly path: string) {}

  /** An error about one prop. A string `received` is quoted; pass a `Described` for a measurement. */
  public error(prop: string, problem: string, received: unknown, allowed: string): SecureKeyConfigError {
    return constructError(this.construct, this.path, `'${prop}' ${problem}. Received: ${formatValue(received)}. Allowed: ${allowed}.`);
  }

  /** A whole number within `range`. */
  public integer(prop: string, value: number, range: CheckedRange): number {
    if (Token.isUnresolved(value)) return value;
    if (!Number.isInteger(value) || value < range.min || value > range.max) {
      throw this.error(prop, 'is out of range', new Described(String(value)), `a whole number of ${range.unit} from ${range.min} to ${range.max}`);
    }
    return value;
  }

  /** A Size as whole bytes within `range`; undefined for a token. */
  public bytes(prop: string, size: Size, range: CheckedRange): number | undefined {
    if (size.isUnresolved()) return undefined;
    const bytes = size.toBytes();
    if (!Number.isInteger(bytes) || bytes < range.min || bytes > range.max) {
      throw this.error(prop, 'is out of range', new Described(`${bytes} bytes`), `${range.min} to ${range.max} bytes`);
    }
    return bytes;
  }

  /** A Duration as whole seconds within `range`; undefined for a token. */
  public wholeSeconds(prop: string, d: Duration, range: CheckedRange): number | undefined {
    return this.whole(prop, d.toSeconds({ integral: false }), range, 'seconds');
  }

  /** A Duration as whole minutes within `range`; undefined for a token. */
  public wholeMinutes(prop: string, d: Duration, range: CheckedRange): number | undefined {
    return this.whole(prop, d.toMinutes({ integral: false }), range, 'minutes');
  }

  /** A Duration as whole days within `range`; undefined for a token. */
  public wholeDays(prop: string, d: Duration, range: { min: number; max: number }): number | undefined {
    const days = durationDays(d);
    if (days === undefined) return undefined;
    if (!Number.isInteger(days) || days < range.min || days > range.max) {
      throw this.error(prop, 'is out of range', new Described(`${days} days`), `a whole number of days from ${rangeText(range, 'days')}`);
    }
    return days;
  }

  private whole(prop: string, n: number, range: CheckedRange, unit: string): number | undefined {
    if (Token.isUnresolved(n)) return undefined;
    if (!Number.isInteger(n) || n < range.min || n > range.max) {
      throw this.error(prop, 'is out of range', new Described(`${n} ${unit}`), `a whole number of ${unit} from ${range.min} to ${range.max}`);
    }
    return n;
  }
}

/** `SecureKey <path>: '<prop>' <problem>. Received: <value>. Allowed: <allowed>.` */
export function propError(path: string, prop: string, problem: string, received: unknown, allowed: string): SecureKeyConfigError {
  return new PropChecker('SecureKey', path).error(prop, problem, received, allowed);
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
  return new PropChecker('SecureKey', path).wholeDays(prop, d, range);
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
