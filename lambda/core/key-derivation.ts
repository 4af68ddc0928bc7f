import { hkdfSync, timingSafeEqual } from 'node:crypto';
import { CommitmentMismatchError, InvalidMessageError } from './errors';
import { COMMITMENT_LENGTH, DATA_KEY_LENGTH, MESSAGE_ID_LENGTH } from './suites';
import { AlgorithmSuiteId } from './types';

const DERIVE_KEY_LABEL = Buffer.from('DERIVEKEY', 'utf8');
const COMMIT_KEY_LABEL = Buffer.from('COMMITKEY', 'utf8');

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
 */
export function deriveKeys(dataKey: Uint8Array, messageId: Uint8Array, suite: AlgorithmSuiteId): DerivedKeys {
  if (dataKey.length !== DATA_KEY_LENGTH) {
    throw new InvalidMessageError(`The data key is ${dataKey.length} bytes; the suite needs ${DATA_KEY_LENGTH}. The key provider returned a wrong key.`);
  }
  if (messageId.length !== MESSAGE_ID_LENGTH) throw new InvalidMessageError(`The message id must be ${MESSAGE_ID_LENGTH} bytes.`);
  const info = Buffer.alloc(2 + DERIVE_KEY_LABEL.length);
  info.writeUInt16BE(suite, 0);
  DERIVE_KEY_LABEL.copy(info, 2);
  const contentKey = Buffer.from(hkdfSync('sha512', dataKey, messageId, info, DATA_KEY_LENGTH));
  const commitment = Buffer.from(hkdfSync('sha512', dataKey, messageId, COMMIT_KEY_LABEL, COMMITMENT_LENGTH));
  return { contentKey, commitment };
}

/** Constant-time check of the header's commitment against the one derived from the data key. */
export function assertCommitment(expected: Uint8Array, actual: Uint8Array): void {
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new CommitmentMismatchError();
  }
}
