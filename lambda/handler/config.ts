/**
 * Configuration of the envelope Lambda, read once per container from its environment. Every
 * variable is named in ENVIRONMENT_VARIABLES (the construct sets them by these names) and
 * documented in ENVIRONMENT_VARIABLE_DOCS (./config-docs.ts, outside the bundle); checks and
 * messages are built from the same constants.
 */
import { ConfigurationError } from '../core/errors';
import { DEFAULT_FRAME_LENGTH } from '../core/session';
import { AlgorithmSuiteId } from '../core/types';

/** The environment variables the envelope Lambda reads. One table, so the construct can reuse the names. */
export const ENVIRONMENT_VARIABLES = {
  keyArn: 'SECUREKEY_KEY_ARN',
  suite: 'SECUREKEY_SUITE',
  frameLength: 'SECUREKEY_FRAME_LENGTH',
  maxEncryptedDataKeys: 'SECUREKEY_MAX_ENCRYPTED_DATA_KEYS',
  cacheCapacity: 'SECUREKEY_CACHE_CAPACITY',
  cacheMaxAgeSeconds: 'SECUREKEY_CACHE_MAX_AGE_SECONDS',
  cacheMaxMessages: 'SECUREKEY_CACHE_MAX_MESSAGES',
  cacheMaxBytes: 'SECUREKEY_CACHE_MAX_BYTES',
  reEncryptDestinationKeyArns: 'SECUREKEY_REENCRYPT_DESTINATION_KEY_ARNS',
  generateDataKey: 'SECUREKEY_GENERATE_DATA_KEY',
  usageReportExpectedPrincipals: 'SECUREKEY_USAGE_REPORT_EXPECTED_PRINCIPALS',
  usageReportLookbackMinutes: 'SECUREKEY_USAGE_REPORT_LOOKBACK_MINUTES',
  usageReportDelayMinutes: 'SECUREKEY_USAGE_REPORT_DELAY_MINUTES',
  usageReportMaxPages: 'SECUREKEY_USAGE_REPORT_MAX_PAGES',
  branchKeyTable: 'SECUREKEY_BRANCH_KEY_TABLE',
  branchKeyStoreName: 'SECUREKEY_BRANCH_KEY_STORE_NAME',
  branchKeyId: 'SECUREKEY_BRANCH_KEY_ID',
  branchKeyIdContextKey: 'SECUREKEY_BRANCH_KEY_ID_CONTEXT_KEY',
  branchKeyCacheTtlSeconds: 'SECUREKEY_BRANCH_KEY_CACHE_TTL_SECONDS',
  branchKeyCacheCapacity: 'SECUREKEY_BRANCH_KEY_CACHE_CAPACITY',
} as const;

export type EnvironmentSetting = keyof typeof ENVIRONMENT_VARIABLES;

/** Whole-number settings: allowed range and default, used by both the check and its message. */
export const INTEGER_SETTINGS = {
  /** Plaintext bytes per frame of new messages. */
  frameLength: { min: 1, max: 0xffffffff, default: DEFAULT_FRAME_LENGTH, unit: 'bytes' },
  /** Messages with more encrypted data keys are rejected before any KMS call (the header's count is a uint16). */
  maxEncryptedDataKeys: { min: 1, max: 0xffff, default: 10, unit: 'keys' },
  /** Cached data keys (encrypt and decrypt entries together); 0 turns the cache off. */
  cacheCapacity: { min: 0, max: 100_000, default: 100, unit: 'entries' },
  /** How long a data key may be reused after KMS produced it. */
  cacheMaxAgeSeconds: { min: 1, max: 86_400, default: 300, unit: 'seconds' },
  /** Messages one cached data key may encrypt (the format's limit is 2^32). */
  cacheMaxMessages: { min: 1, max: 2 ** 32, default: 1000, unit: 'messages' },
  /** Plaintext bytes one cached data key may encrypt in total. */
  cacheMaxBytes: { min: 1, max: Number.MAX_SAFE_INTEGER, default: 2 ** 30, unit: 'bytes' },
  /** Length of the window a scheduled usage report reads; match it to the schedule's rate. */
  usageReportLookbackMinutes: { min: 1, max: 90 * 24 * 60, default: 60, unit: 'minutes' },
  /** How far the window of a scheduled usage report ends before the schedule time, since CloudTrail delivers events late. */
  usageReportDelayMinutes: { min: 0, max: 24 * 60, default: 15, unit: 'minutes' },
  /** LookupEvents pages (50 events each) one usage report reads at most. */
  usageReportMaxPages: { min: 1, max: 1000, default: 20, unit: 'pages' },
  /** How long a decrypted branch key is reused before it is read (and decrypted by KMS) again. */
  branchKeyCacheTtlSeconds: { min: 1, max: 86_400, default: 300, unit: 'seconds' },
  /** Branch keys (each version counts) the branch-key cache holds. */
  branchKeyCacheCapacity: { min: 1, max: 100_000, default: 1000, unit: 'entries' },
} as const;

/** Names SECUREKEY_SUITE accepts, mapped to suites. */
export const SUITE_NAMES: Readonly<Record<string, AlgorithmSuiteId>> = {
  'AES_256_GCM_HKDF_SHA512_COMMIT_KEY': AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384': AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
  '0x0478': AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  '0x0578': AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
};

/** The envelope Lambda's configuration, checked. */
export interface EnvelopeFunctionConfig {
  readonly keyArn: string;
  readonly suite: AlgorithmSuiteId;
  readonly frameLength: number;
  readonly maxEncryptedDataKeys: number;
  readonly cache: {
    /** False when capacity is 0. */
    readonly enabled: boolean;
    readonly capacity: number;
    readonly maxAgeSeconds: number;
    readonly maxMessagesEncrypted: number;
    readonly maxBytesEncrypted: number;
  };
  /** Keys reEncrypt may re-wrap under; empty refuses reEncrypt. */
  readonly reEncryptDestinationKeyArns: readonly string[];
  /** False refuses generateDataKey. */
  readonly generateDataKeyEnabled: boolean;
  readonly usageReport: {
    /** Undefined when not configured: the usage report then flags no principal. */
    readonly expectedPrincipals?: readonly string[];
    readonly lookbackMinutes: number;
    readonly delayMinutes: number;
    readonly maxPages: number;
  };
  /** Set when data keys come from a branch key store (the hierarchical keyring) rather than from KMS. */
  readonly branchKeyStore?: BranchKeyStoreConfig;
}

/** The branch key store of the hierarchical keyring; its KMS key is `keyArn`. */
export interface BranchKeyStoreConfig {
  readonly tableName: string;
  readonly logicalKeyStoreName: string;
  /** Exactly one of `branchKeyId` and `branchKeyIdContextKey` is set. */
  readonly branchKeyId?: string;
  readonly branchKeyIdContextKey?: string;
  readonly cacheTtlSeconds: number;
  readonly cacheCapacity: number;
}

/** Settings that apply only to data keys from KMS, refused with a branch key store. */
const KMS_DATA_KEY_SETTINGS: readonly EnvironmentSetting[] = ['cacheCapacity', 'cacheMaxAgeSeconds', 'cacheMaxMessages', 'cacheMaxBytes', 'reEncryptDestinationKeyArns'];
const BRANCH_KEY_SETTINGS: readonly EnvironmentSetting[] = ['branchKeyStoreName', 'branchKeyId', 'branchKeyIdContextKey', 'branchKeyCacheTtlSeconds', 'branchKeyCacheCapacity'];

/** A KMS key ARN (not an alias): `arn:<partition>:kms:<region>:<account>:key/<uuid or mrk-id>`. */
export const KMS_KEY_ARN_PATTERN = /^arn:aws(-[a-z]+)*:kms:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const PRINCIPAL_PATTERN = /^(arn:aws(-[a-z]+)*:(iam|sts)::\d{12}:\S+|\d{12}|[a-z0-9.-]+\.amazonaws\.com(\.cn)?)$/;
const SHOWN_VALUE_CHARS = 120;

/**
 * Reads and checks the configuration. Collects every problem and throws one ConfigurationError
 * naming each variable, the value received and what is allowed. Unknown `SECUREKEY_*` variables
 * are errors too, so a misspelt name cannot silently fall back to a default.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): EnvelopeFunctionConfig {
  const problems: string[] = [];
  const read = (setting: EnvironmentSetting): string | undefined => {
    const raw = env[ENVIRONMENT_VARIABLES[setting]];
    const trimmed = raw?.trim();
    return trimmed === undefined || trimmed === '' ? undefined : trimmed;
  };
  const integer = (setting: keyof typeof INTEGER_SETTINGS): number => {
    const spec = INTEGER_SETTINGS[setting];
    const raw = read(setting);
    if (raw === undefined) return spec.default;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < spec.min || value > spec.max) {
      problems.push(`${ENVIRONMENT_VARIABLES[setting]} is ${show(raw)}; expected a whole number of ${spec.unit} from ${spec.min} to ${spec.max} (default ${spec.default}).`);
      return spec.default;
    }
    return value;
  };

  const known = new Set<string>(Object.values(ENVIRONMENT_VARIABLES));
  for (const name of Object.keys(env)) {
    if (name.startsWith('SECUREKEY_') && !known.has(name)) {
      problems.push(`${name} is not a setting of the envelope function; known settings: ${[...known].join(', ')}.`);
    }
  }

  const keyArn = read('keyArn');
  if (keyArn === undefined) {
    problems.push(`${ENVIRONMENT_VARIABLES.keyArn} is not set; set it to the ARN of the KMS key (arn:aws:kms:<region>:<account>:key/<key-id>).`);
  } else if (!KMS_KEY_ARN_PATTERN.test(keyArn)) {
    const hint = /:alias\//.test(keyArn) ? ' An alias is not enough: messages record the key ARN and decryption matches on it.' : '';
    problems.push(`${ENVIRONMENT_VARIABLES.keyArn} is ${show(keyArn)}; expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>).${hint}`);
  }

  const suiteRaw = read('suite');
  let suite = AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
  if (suiteRaw !== undefined) {
    const found = Object.prototype.hasOwnProperty.call(SUITE_NAMES, suiteRaw) ? SUITE_NAMES[suiteRaw] : undefined;
    if (found === undefined) {
      problems.push(`${ENVIRONMENT_VARIABLES.suite} is ${show(suiteRaw)}; expected one of ${Object.keys(SUITE_NAMES).join(', ')} (default AES_256_GCM_HKDF_SHA512_COMMIT_KEY).`);
    } else {
      suite = found;
    }
  }

  const destinations = list(read('reEncryptDestinationKeyArns'));
  for (const arn of destinations) {
    if (!KMS_KEY_ARN_PATTERN.test(arn)) {
      problems.push(`${ENVIRONMENT_VARIABLES.reEncryptDestinationKeyArns} contains ${show(arn)}; expected comma-separated KMS key ARNs.`);
    }
  }
  const generateDataKeyRaw = read('generateDataKey');
  if (generateDataKeyRaw !== undefined && generateDataKeyRaw !== 'true' && generateDataKeyRaw !== 'false') {
    problems.push(`${ENVIRONMENT_VARIABLES.generateDataKey} is ${show(generateDataKeyRaw)}; expected "true" (default) or "false".`);
  }
  const principalsRaw = read('usageReportExpectedPrincipals');
  const expectedPrincipals = principalsRaw === undefined ? undefined : list(principalsRaw);
  for (const p of expectedPrincipals ?? []) {
    if (!PRINCIPAL_PATTERN.test(p)) {
      problems.push(`${ENVIRONMENT_VARIABLES.usageReportExpectedPrincipals} contains ${show(p)}; expected IAM or STS ARNs, 12-digit account IDs or service principals like s3.amazonaws.com, comma-separated.`);
    }
  }

  const branchKeyStore = readBranchKeyStore(read, integer, problems);
  if (branchKeyStore && generateDataKeyRaw === 'true') {
    problems.push(`${ENVIRONMENT_VARIABLES.generateDataKey} is "true", but with a branch key store (${ENVIRONMENT_VARIABLES.branchKeyTable}) generateDataKey is not offered: its data keys are wrapped by a branch key, not by KMS. Remove it.`);
  }

  const config: EnvelopeFunctionConfig = {
    keyArn: keyArn ?? '',
    suite,
    frameLength: integer('frameLength'),
    maxEncryptedDataKeys: integer('maxEncryptedDataKeys'),
    cache: (() => {
      // A branch key store wraps a fresh data key per message: no data key is cached.
      const capacity = branchKeyStore ? 0 : integer('cacheCapacity');
      return {
        enabled: capacity > 0,
        capacity,
        maxAgeSeconds: integer('cacheMaxAgeSeconds'),
        maxMessagesEncrypted: integer('cacheMaxMessages'),
        maxBytesEncrypted: integer('cacheMaxBytes'),
      };
    })(),
    reEncryptDestinationKeyArns: destinations,
    generateDataKeyEnabled: generateDataKeyRaw !== 'false' && branchKeyStore === undefined,
    usageReport: {
      ...(expectedPrincipals ? { expectedPrincipals } : {}),
      lookbackMinutes: integer('usageReportLookbackMinutes'),
      delayMinutes: integer('usageReportDelayMinutes'),
      maxPages: integer('usageReportMaxPages'),
    },
    ...(branchKeyStore ? { branchKeyStore } : {}),
  };
  if (problems.length > 0) {
    throw new ConfigurationError(`Invalid envelope function configuration (${problems.length} problem${problems.length > 1 ? 's' : ''}): ${problems.join(' ')}`);
  }
  return config;
}

/**
 * The branch key store, when SECUREKEY_BRANCH_KEY_TABLE is set: its name, exactly one way to choose
 * the branch key, and the branch-key cache. The data-key cache and reEncrypt (KMS data keys only)
 * are refused with it; the branch key settings are refused without it.
 */
function readBranchKeyStore(
  read: (setting: EnvironmentSetting) => string | undefined,
  integer: (setting: keyof typeof INTEGER_SETTINGS) => number,
  problems: string[],
): BranchKeyStoreConfig | undefined {
  const tableName = read('branchKeyTable');
  const cacheTtlSeconds = integer('branchKeyCacheTtlSeconds');
  const cacheCapacity = integer('branchKeyCacheCapacity');
  if (tableName === undefined) {
    const stray = BRANCH_KEY_SETTINGS.filter((s) => read(s) !== undefined).map((s) => ENVIRONMENT_VARIABLES[s]);
    if (stray.length > 0) problems.push(`${stray.join(', ')} need${stray.length > 1 ? '' : 's'} ${ENVIRONMENT_VARIABLES.branchKeyTable}, the branch key store's table; set it, or remove ${stray.length > 1 ? 'them' : 'it'}.`);
    return undefined;
  }
  const ignored = KMS_DATA_KEY_SETTINGS.filter((s) => read(s) !== undefined).map((s) => ENVIRONMENT_VARIABLES[s]);
  if (ignored.length > 0) {
    problems.push(`${ignored.join(', ')} apply only to data keys from KMS; with a branch key store (${ENVIRONMENT_VARIABLES.branchKeyTable}) every message gets a fresh data key and branch keys are cached instead (${ENVIRONMENT_VARIABLES.branchKeyCacheTtlSeconds}, ${ENVIRONMENT_VARIABLES.branchKeyCacheCapacity}). Remove them.`);
  }
  const logicalKeyStoreName = read('branchKeyStoreName');
  if (logicalKeyStoreName === undefined) {
    problems.push(`${ENVIRONMENT_VARIABLES.branchKeyStoreName} is not set; set it to the logical key store name of ${show(tableName)} (bound into every branch key's KMS encryption context as tablename).`);
  }
  const branchKeyId = read('branchKeyId');
  const branchKeyIdContextKey = read('branchKeyIdContextKey');
  if ((branchKeyId === undefined) === (branchKeyIdContextKey === undefined)) {
    problems.push(`Set exactly one of ${ENVIRONMENT_VARIABLES.branchKeyId} (one branch key for every message) and ${ENVIRONMENT_VARIABLES.branchKeyIdContextKey} (the encryption-context key naming each message's branch key, e.g. tenant); ${branchKeyId === undefined ? 'neither is' : 'both are'} set.`);
  }
  return {
    tableName,
    logicalKeyStoreName: logicalKeyStoreName ?? '',
    ...(branchKeyId !== undefined ? { branchKeyId } : {}),
    ...(branchKeyIdContextKey !== undefined ? { branchKeyIdContextKey } : {}),
    cacheTtlSeconds,
    cacheCapacity,
  };
}

function list(raw: string | undefined): string[] {
  return raw === undefined ? [] : raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

function show(value: string): string {
  return JSON.stringify(value.length > SHOWN_VALUE_CHARS ? `${value.slice(0, SHOWN_VALUE_CHARS)}...` : value);
}
