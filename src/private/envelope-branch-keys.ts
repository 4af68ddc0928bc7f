/**
 * Checks an EnvelopeFunction's branch key store props (`branchKeyStore` and the `branchKey*` props)
 * and resolves them into the settings the construct builds from. Pure: no resources.
 */
import { Token } from 'aws-cdk-lib';
import { ENVELOPE_INTEGER_SETTINGS as LIMITS } from './envelope-settings';
import { Described, PropChecker } from './validation';
import type { IBranchKeyStore } from '../branch-key-store';
import type { EnvelopeFunctionProps } from '../envelope-function-props';

/** The branch key store the function reads, and how it chooses and caches branch keys. */
export interface BranchKeySettings {
  readonly store: IBranchKeyStore;
  /** Exactly one of `branchKeyId` and `contextKey`. */
  readonly branchKeyId?: string;
  readonly contextKey?: string;
  readonly cacheTtlSeconds?: number;
  readonly cacheCapacity?: number;
}

const RESERVED_CONTEXT_PREFIX = 'aws-crypto-';

/** Props that belong to KMS data keys, refused with a branch key store (with what to do instead). */
const KMS_DATA_KEY_PROPS: ReadonlyArray<[keyof EnvelopeFunctionProps, string]> = [
  ['cacheCapacity', 'no data key is cached: every message gets a fresh one; size the branch-key cache with branchKeyCacheCapacity'],
  ['cacheMaxAge', 'no data key is cached: every message gets a fresh one; branchKeyCacheTtl sets how long a branch key is reused'],
  ['cacheMaxMessagesEncrypted', 'no data key is cached: every message gets a fresh one'],
  ['cacheMaxBytesEncrypted', 'no data key is cached: every message gets a fresh one'],
  ['reEncryptDestinationKeys', 'reEncrypt re-wraps KMS data keys; branch-key messages are re-encrypted by decrypting and encrypting them'],
  ['encryptionContextKeys', 'the store\'s KMS calls carry the branch key\'s encryption context, not the message\'s, so a condition on the message\'s keys cannot apply; branchKeyIdContextKey binds each message to its tenant\'s branch key'],
];

/** The branch key settings, or undefined without `branchKeyStore`. @throws SecureKeyConfigError */
export function resolveBranchKeys(check: PropChecker, props: EnvelopeFunctionProps): BranchKeySettings | undefined {
  const store = props.branchKeyStore;
  if (store === undefined) {
    const named: Array<[string, unknown]> = [
      ['branchKeyIdContextKey', props.branchKeyIdContextKey], ['branchKeyId', props.branchKeyId],
      ['branchKeyCacheTtl', props.branchKeyCacheTtl], ['branchKeyCacheCapacity', props.branchKeyCacheCapacity],
    ];
    const set = named.filter(([, v]) => v !== undefined).map(([n]) => n);
    if (set.length > 0) {
      throw check.error(set[0], 'needs branchKeyStore', new Described('no branchKeyStore'), `set branchKeyStore, or remove ${set.join(', ')}`);
    }
    return undefined;
  }
  for (const [prop, why] of KMS_DATA_KEY_PROPS) {
    if (props[prop] !== undefined) throw check.error(prop, 'does not apply with branchKeyStore', new Described('set'), `leave it unset: ${why}`);
  }
  if (props.enableReEncrypt === true) {
    throw check.error('enableReEncrypt', 'does not apply with branchKeyStore', new Described('true'), 'leave it unset: reEncrypt re-wraps KMS data keys');
  }
  if (props.enableGenerateDataKey === true) {
    throw check.error('enableGenerateDataKey', 'does not apply with branchKeyStore', new Described('true'),
      'leave it unset: generateDataKey answers with a KMS-encrypted data key, and branch-key data keys are not encrypted by KMS');
  }
  const contextKey = props.branchKeyIdContextKey;
  const branchKeyId = props.branchKeyId;
  if ((contextKey === undefined) === (branchKeyId === undefined)) {
    throw check.error(contextKey === undefined ? 'branchKeyIdContextKey' : 'branchKeyId', contextKey === undefined ? 'is not set' : 'is set together with branchKeyIdContextKey',
      new Described(contextKey === undefined ? 'neither branchKeyIdContextKey nor branchKeyId' : 'both'),
      'exactly one of branchKeyIdContextKey (a branch key per message, from its encryption context, e.g. tenant) and branchKeyId (one branch key for every message)');
  }
  if (contextKey !== undefined && !Token.isUnresolved(contextKey)) {
    if (contextKey.length === 0 || contextKey.startsWith(RESERVED_CONTEXT_PREFIX)) {
      throw check.error('branchKeyIdContextKey', contextKey.length === 0 ? 'is empty' : 'is a reserved key', contextKey,
        `a non-empty encryption-context key that does not start with '${RESERVED_CONTEXT_PREFIX}', such as tenant`);
    }
  }
  if (branchKeyId !== undefined && !Token.isUnresolved(branchKeyId) && branchKeyId.length === 0) {
    throw check.error('branchKeyId', 'is empty', branchKeyId, 'the id of a branch key in the store');
  }
  const cacheTtlSeconds = props.branchKeyCacheTtl !== undefined
    ? check.wholeSeconds('branchKeyCacheTtl', props.branchKeyCacheTtl, LIMITS.branchKeyCacheTtlSeconds) : undefined;
  const cacheCapacity = props.branchKeyCacheCapacity !== undefined
    ? check.integer('branchKeyCacheCapacity', props.branchKeyCacheCapacity, LIMITS.branchKeyCacheCapacity) : undefined;
  return { store, branchKeyId, contextKey, cacheTtlSeconds, cacheCapacity };
}
