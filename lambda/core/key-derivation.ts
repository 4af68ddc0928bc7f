import { createSecretKey, hkdfSync, timingSafeEqual } from 'node:crypto';
import { CommitmentMismatchError, InvalidMessageError } from './errors';
import { COMMITMENT_LENGTH, DATA_KEY_LENGTH, MESSAGE_ID_LENGTH } from './suites';
import { AlgorithmSuiteId } from './types';

const DERIVE_KEY_LABEL = Buffer.from('DERIVEKEY', 'utf8');
const COMMIT_KEY_LABEL = Buffer.from('COMMITKEY', 'utf8');
/** Content-key info per suite: big-endian suite id || "DERIVEKEY" (constant, so built once). */
const deriveKeyInfo = new Map<AlgorithmSuiteId, Buffer>();

/** The per-message keys of a committing suite. */
export interface DerivedKeys {
  /** AES-256-GCM key for the header tag and the body. */
  readonly contentKey: Buffer;
  /** The key commitment written into (and checked against) the header. */
  readonly commitment: Buffer;
}

/**
 * HKDF-SHA512 (RFC 5869) with the message id as salt: the content key's info is the big-endian
 * suite id followed by "DERIVEKEY", the commitment's info is "COMMITKEY". Uses node:crypto's own
 * `hkdfSync` rather than composing HMACs by hand, so the KDF is OpenSSL's.
 *
 * The data key goes into one secret KeyObject used for both derivations: given a Buffer, `hkdfSync`
 * builds such a KeyObject itself on every call (which was about a third of a small message's
 * encrypt time), so this makes one native copy of the key instead of two, and no more.
 */
export function deriveKeys(dataKey: Uint8Array, messageId: Uint8Array, suite: AlgorithmSuiteId): DerivedKeys {
  if (dataKey.length !== DATA_KEY_LENGTH) {
    throw new InvalidMessageError(`The data key is ${dataKey.length} bytes; the suite needs ${DATA_KEY_LENGTH}. The key provider returned a wrong key.`);
  }
  if (messageId.length !== MESSAGE_ID_LENGTH) throw new InvalidMessageError(`The message id must be ${MESSAGE_ID_LENGTH} bytes.`);
  const ikm = createSecretKey(dataKey);
  const contentKey = Buffer.from(hkdfSync('sha512', ikm, messageId, contentKeyInfo(suite), DATA_KEY_LENGTH));
  const commitment = Buffer.from(hkdfSync('sha512', ikm, messageId, COMMIT_KEY_LABEL, COMMITMENT_LENGTH));
  return { contentKey, commitment };
}

function contentKeyInfo(suite: AlgorithmSuiteId): Buffer {
  let info = deriveKeyInfo.get(suite);
  if (!info) {
    info = Buffer.alloc(2 + DERIVE_KEY_LABEL.length);
    info.writeUInt16BE(suite, 0);
    DERIVE_KEY_LABEL.copy(info, 2);
    deriveKeyInfo.set(suite, info);
  }
  return info;
}

/** Constant-time check of the header's commitment against the one derived from the data key. */
export function assertCommitment(expected: Uint8Array, actual: Uint8Array): void {
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new CommitmentMismatchError();
  }
}
