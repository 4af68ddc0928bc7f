import { AlgorithmSuiteId } from './types';

/** Sizes fixed by message format v2 for the committing suites. */
export const MESSAGE_FORMAT_VERSION = 0x02;
export const MESSAGE_ID_LENGTH = 32;
export const DATA_KEY_LENGTH = 32;
export const COMMITMENT_LENGTH = 32;
export const IV_LENGTH = 12;
export const TAG_LENGTH = 16;

/** Facts about one supported suite. */
export interface SuiteInfo {
  readonly id: AlgorithmSuiteId;
  readonly name: string;
  /** True for the ECDSA P-384 suite: the message ends with a signature footer. */
  readonly signed: boolean;
}

const SUITES: ReadonlyMap<number, SuiteInfo> = new Map<number, SuiteInfo>([
  [AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, {
    id: AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    name: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY (0x0478)',
    signed: false,
  }],
  [AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, {
    id: AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    name: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 (0x0578)',
    signed: true,
  }],
]);

/** Non-committing suites of the Encryption SDK: recognised only to refuse them by name. */
const NON_COMMITTING_SUITES: ReadonlySet<number> = new Set([
  0x0014, 0x0046, 0x0078, 0x0114, 0x0146, 0x0178, 0x0214, 0x0346, 0x0378,
]);

export const DEFAULT_SUITE = AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;

export function isSupportedSuite(id: number): id is AlgorithmSuiteId {
  return SUITES.has(id);
}

export function isNonCommittingSuite(id: number): boolean {
  return NON_COMMITTING_SUITES.has(id);
}

/** Info for a supported suite; callers check `isSupportedSuite` first. */
export function suiteInfo(id: AlgorithmSuiteId): SuiteInfo {
  const info = SUITES.get(id);
  if (!info) throw new RangeError(`Not a supported suite: 0x${hex4(id)}`);
  return info;
}

export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
