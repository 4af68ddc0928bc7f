/**
 * The envelope Lambda's environment variable names and integer ranges, copied from
 * lambda/handler/config.ts (ENVIRONMENT_VARIABLES, INTEGER_SETTINGS): jsii code cannot import from
 * lambda/. test/envelope-function/settings.test.ts fails if the copies drift apart.
 */
export const ENVELOPE_ENVIRONMENT_VARIABLES = {
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

export type EnvelopeSetting = keyof typeof ENVELOPE_ENVIRONMENT_VARIABLES;

export interface IntegerRange {
  readonly min: number;
  readonly max: number;
  readonly default: number;
  readonly unit: string;
}

/** The ranges the handler accepts (the same table as the handler's INTEGER_SETTINGS). */
export const ENVELOPE_INTEGER_SETTINGS = {
  frameLength: { min: 1, max: 0xffffffff, default: 262144, unit: 'bytes' },
  maxEncryptedDataKeys: { min: 1, max: 0xffff, default: 10, unit: 'keys' },
  cacheCapacity: { min: 0, max: 100_000, default: 100, unit: 'entries' },
  cacheMaxAgeSeconds: { min: 1, max: 86_400, default: 300, unit: 'seconds' },
  cacheMaxMessages: { min: 1, max: 2 ** 32, default: 1000, unit: 'messages' },
  cacheMaxBytes: { min: 1, max: Number.MAX_SAFE_INTEGER, default: 2 ** 30, unit: 'bytes' },
  usageReportLookbackMinutes: { min: 1, max: 90 * 24 * 60, default: 60, unit: 'minutes' },
  usageReportDelayMinutes: { min: 0, max: 24 * 60, default: 15, unit: 'minutes' },
  usageReportMaxPages: { min: 1, max: 1000, default: 20, unit: 'pages' },
  branchKeyCacheTtlSeconds: { min: 1, max: 86_400, default: 300, unit: 'seconds' },
  branchKeyCacheCapacity: { min: 1, max: 100_000, default: 1000, unit: 'entries' },
} as const satisfies Record<string, IntegerRange>;

/** The suite names the handler's SECUREKEY_SUITE accepts (long form). */
export const ENVELOPE_SUITE_NAMES = [
  'AES_256_GCM_HKDF_SHA512_COMMIT_KEY',
  'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384',
] as const;

/** Encryption-context key the Encryption SDK message format adds for signed suites (reserved for callers). */
export const SIGNED_SUITE_CONTEXT_KEY = 'aws-crypto-public-key';

/** Lambda's own limits for the props the construct passes through. */
export const LAMBDA_MEMORY_MB = { min: 128, max: 10_240 } as const;
export const LAMBDA_TIMEOUT_SECONDS = { min: 1, max: 900 } as const;

/** The function's KMS actions on its key, as exact names. */
export const ENVELOPE_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];
/** ReEncrypt's two halves: ReEncryptFrom on the message's key, ReEncryptTo on the destination key. */
export const REENCRYPT_FROM_ACTIONS = ['kms:ReEncryptFrom'];
export const REENCRYPT_TO_ACTIONS = ['kms:ReEncryptTo'];
/** The usage report reads the key's CloudTrail event history. */
export const USAGE_REPORT_ACTIONS = ['cloudtrail:LookupEvents'];
/** Writing to its own log group (the group exists: no CreateLogGroup). */
export const LOG_WRITE_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

export type UsageReportFinding = 'UnexpectedPrincipals' | 'Incomplete' | 'Failed';

/**
 * CloudWatch Logs regular-expression patterns over the handler's call log line (lambda/handler/logger.ts).
 * Regex rather than a JSON pattern, so they match whether Lambda stores the line as is or behind its
 * text-format prefix; `.{2,3}` / `.{3,5}` span `":` / `":"` and their escaped forms inside a
 * JSON-format log event. These patterns may not contain quotes, hence the `.`.
 */
export const USAGE_REPORT_FINDING_PATTERNS: Readonly<Record<UsageReportFinding, string>> = {
  UnexpectedPrincipals: '%usageReportUnexpected.{2,3}[1-9]%',
  Incomplete: '%usageReportComplete.{2,3}false%',
  Failed: '%operation.{3,5}usageReport.{3,5}outcome.{3,5}error%',
};

export const USAGE_REPORT_FINDING_DESCRIPTIONS: Readonly<Record<UsageReportFinding, string>> = {
  UnexpectedPrincipals: 'A key-usage report found principals that are not expected to use the key',
  Incomplete: 'A key-usage report could not read its whole window',
  Failed: 'A key-usage report failed',
};
