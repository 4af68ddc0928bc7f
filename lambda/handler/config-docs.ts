/**
 * What each variable of the envelope Lambda means, and its default: for docs and tests. A module of
 * its own, which the handler never imports, so the bundle does not carry the text.
 */
import { INTEGER_SETTINGS, SUITE_NAMES, type EnvironmentSetting } from './config';

/** Every variable with its default and meaning (for docs and the construct). */
export const ENVIRONMENT_VARIABLE_DOCS: Readonly<Record<EnvironmentSetting, { readonly default: string; readonly description: string }>> = {
  keyArn: { default: '(required)', description: 'ARN of the KMS key new data keys are generated under and messages are decrypted with (with a branch key store: the key that wraps its branch keys). A key ARN, not an alias.' },
  suite: { default: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY', description: `Algorithm suite of new messages: ${Object.keys(SUITE_NAMES).join(', ')}.` },
  frameLength: { default: String(INTEGER_SETTINGS.frameLength.default), description: 'Plaintext bytes per frame of new messages.' },
  maxEncryptedDataKeys: { default: String(INTEGER_SETTINGS.maxEncryptedDataKeys.default), description: 'Messages with more encrypted data keys are rejected before any KMS call.' },
  cacheCapacity: { default: String(INTEGER_SETTINGS.cacheCapacity.default), description: 'Data keys the cache holds; 0 turns caching off (one KMS call per message).' },
  cacheMaxAgeSeconds: { default: String(INTEGER_SETTINGS.cacheMaxAgeSeconds.default), description: 'Seconds a cached data key may be used after KMS produced it.' },
  cacheMaxMessages: { default: String(INTEGER_SETTINGS.cacheMaxMessages.default), description: 'Messages one cached data key may encrypt.' },
  cacheMaxBytes: { default: String(INTEGER_SETTINGS.cacheMaxBytes.default), description: 'Plaintext bytes one cached data key may encrypt in total.' },
  reEncryptDestinationKeyArns: { default: '(empty: reEncrypt refused)', description: 'Comma-separated key ARNs reEncrypt may re-wrap data keys under.' },
  generateDataKey: { default: 'true', description: '"false" refuses the generateDataKey operation (which returns plaintext data keys to the caller).' },
  usageReportExpectedPrincipals: { default: '(empty: no principal flagged)', description: 'Comma-separated principals expected to use the key (role/user/root ARNs, service principals, account IDs).' },
  usageReportLookbackMinutes: { default: String(INTEGER_SETTINGS.usageReportLookbackMinutes.default), description: 'Window length of a scheduled usage report, in minutes.' },
  usageReportDelayMinutes: { default: String(INTEGER_SETTINGS.usageReportDelayMinutes.default), description: 'Minutes a scheduled usage report\'s window ends before the schedule time.' },
  usageReportMaxPages: { default: String(INTEGER_SETTINGS.usageReportMaxPages.default), description: 'LookupEvents pages a usage report reads at most (50 events each).' },
  branchKeyTable: { default: '(empty: data keys from KMS)', description: 'DynamoDB table of a branch key store: each message gets a fresh data key wrapped by a branch key (the hierarchical keyring) instead of one from KMS.' },
  branchKeyStoreName: { default: '(required with a table)', description: 'The logical key store name bound into every branch key (the BranchKeyStore\'s logicalKeyStoreName).' },
  branchKeyId: { default: '(one of the two with a table)', description: 'The branch key of every message.' },
  branchKeyIdContextKey: { default: '(one of the two with a table)', description: 'The encryption-context key whose value is the branch key id of each message (e.g. tenant).' },
  branchKeyCacheTtlSeconds: { default: String(INTEGER_SETTINGS.branchKeyCacheTtlSeconds.default), description: 'Seconds a decrypted branch key is reused before it is read and decrypted again.' },
  branchKeyCacheCapacity: { default: String(INTEGER_SETTINGS.branchKeyCacheCapacity.default), description: 'Branch key versions the branch-key cache holds.' },
};
