/**
 * Wrapping one message's data key under a branch key, as the AWS KMS hierarchical keyring
 * specification defines it: a fresh 16-byte salt derives a 32-byte wrapping key from the branch key
 * (KDF in counter mode, label `aws-kms-hierarchy`); AES-256-GCM with a fresh 12-byte IV encrypts the
 * data key, authenticating the provider id, the branch key id, the branch key version and the
 * message's encryption context. Pure: no I/O.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { kdfCounterModeSha256 } from './kdf-counter-mode';
import { ConfigurationError, InvalidMessageError } from '../core/errors';
import type { EncryptionContext } from '../core/types';

/** Provider id of data keys wrapped by a branch key (the Encryption SDK's hierarchical keyring). */
export const HIERARCHY_PROVIDER_ID = 'aws-kms-hierarchy';

const LABEL = Buffer.from(HIERARCHY_PROVIDER_ID, 'utf8');
const SALT_LENGTH = 16;
const IV_LENGTH = 12;
const VERSION_LENGTH = 16;
const TAG_LENGTH = 16;
const WRAPPING_KEY_LENGTH = 32;
const HEADER_LENGTH = SALT_LENGTH + IV_LENGTH + VERSION_LENGTH;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * How the encryption context is ordered inside the wrapping AAD. The specification orders pairs by
 * the UTF-8 bytes of their keys (`UTF8_BYTES`). The Encryption SDK for JavaScript's hierarchical
 * keyring orders them with `String.prototype.localeCompare` unless built with `utf8Sorting: true`
 * (`LOCALE`); the two orders differ for some keys (upper before lower case, punctuation).
 */
export enum ContextSortOrder {
  UTF8_BYTES = 'utf8-bytes',
  LOCALE = 'locale',
}

/** The branch key a data key is wrapped under. */
export interface BranchKeyForWrapping {
  readonly branchKeyId: string;
  /** The version, a UUID string. */
  readonly branchKeyVersion: string;
  /** 32 bytes of branch key. */
  readonly branchKey: Buffer;
}

/** A UUID string as its 16 bytes. */
export function uuidToBytes(uuid: string): Buffer {
  if (!UUID_PATTERN.test(uuid)) throw new ConfigurationError(`Branch key version "${uuid}" is not a UUID.`);
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

/** 16 bytes as a lower-case UUID string. */
export function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Pair count and length-prefixed pairs, in the given key order (empty for an empty context). */
export function serializeContextForAad(context: EncryptionContext, order: ContextSortOrder): Buffer {
  const keys = Object.keys(context);
  if (keys.length === 0) return Buffer.alloc(0);
  if (order === ContextSortOrder.LOCALE) {
    keys.sort((a, b) => a.localeCompare(b));
  } else {
    keys.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  }
  const parts: Buffer[] = [u16(keys.length)];
  for (const key of keys) {
    const k = Buffer.from(key, 'utf8');
    const v = Buffer.from(context[key], 'utf8');
    parts.push(u16(k.length), k, u16(v.length), v);
  }
  return Buffer.concat(parts);
}

/** True when the two orders give different bytes for this context. */
export function sortOrdersDiffer(context: EncryptionContext): boolean {
  return !serializeContextForAad(context, ContextSortOrder.UTF8_BYTES).equals(serializeContextForAad(context, ContextSortOrder.LOCALE));
}

function u16(n: number): Buffer {
  if (n > 0xffff) throw new ConfigurationError(`Encryption context field of ${n} bytes is longer than ${0xffff}; shorten it.`);
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}

function wrappingAad(branchKeyId: string, version: Buffer, context: EncryptionContext, order: ContextSortOrder): Buffer {
  return Buffer.concat([LABEL, Buffer.from(branchKeyId, 'utf8'), version, serializeContextForAad(context, order)]);
}

/** Encrypts `dataKey` under `branch`; returns the encrypted data key's ciphertext field. */
export function wrapDataKey(
  dataKey: Buffer, branch: BranchKeyForWrapping, context: EncryptionContext,
  order: ContextSortOrder = ContextSortOrder.UTF8_BYTES, random: (n: number) => Buffer = randomBytes,
): Buffer {
  const salt = random(SALT_LENGTH);
  const iv = random(IV_LENGTH);
  const version = uuidToBytes(branch.branchKeyVersion);
  const wrappingKey = kdfCounterModeSha256(branch.branchKey, LABEL, salt, WRAPPING_KEY_LENGTH);
  try {
    const cipher = createCipheriv('aes-256-gcm', wrappingKey, iv, { authTagLength: TAG_LENGTH });
    cipher.setAAD(wrappingAad(branch.branchKeyId, version, context, order));
    const wrapped = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([salt, iv, version, wrapped, cipher.getAuthTag()]);
  } finally {
    wrappingKey.fill(0);
  }
}

/** The fields of a hierarchical encrypted data key's ciphertext. */
export interface ParsedWrappedKey {
  readonly salt: Buffer;
  readonly iv: Buffer;
  /** The branch key version, as a UUID string. */
  readonly branchKeyVersion: string;
  readonly encryptedKey: Buffer;
  readonly tag: Buffer;
}

export function parseWrappedKey(ciphertext: Buffer, dataKeyLength: number): ParsedWrappedKey {
  const expected = HEADER_LENGTH + dataKeyLength + TAG_LENGTH;
  if (ciphertext.length !== expected) {
    throw new InvalidMessageError(`A ${HIERARCHY_PROVIDER_ID} encrypted data key is ${ciphertext.length} bytes; ${expected} are expected (salt, IV, version, key, tag).`);
  }
  return {
    salt: ciphertext.subarray(0, SALT_LENGTH),
    iv: ciphertext.subarray(SALT_LENGTH, SALT_LENGTH + IV_LENGTH),
    branchKeyVersion: bytesToUuid(ciphertext.subarray(SALT_LENGTH + IV_LENGTH, HEADER_LENGTH)),
    encryptedKey: ciphertext.subarray(HEADER_LENGTH, HEADER_LENGTH + dataKeyLength),
    tag: ciphertext.subarray(HEADER_LENGTH + dataKeyLength),
  };
}

/**
 * Decrypts a wrapped data key with its branch key, trying each order in `orders` for the context in
 * the AAD. Throws InvalidMessageError when none authenticates.
 */
export function unwrapDataKey(
  parsed: ParsedWrappedKey, branch: BranchKeyForWrapping, context: EncryptionContext, orders: readonly ContextSortOrder[],
): Buffer {
  const version = uuidToBytes(parsed.branchKeyVersion);
  const wrappingKey = kdfCounterModeSha256(branch.branchKey, LABEL, parsed.salt, WRAPPING_KEY_LENGTH);
  try {
    const tried = new Set<string>();
    for (const order of orders) {
      const aad = wrappingAad(branch.branchKeyId, version, context, order);
      const id = aad.toString('base64');
      if (tried.has(id)) continue;
      tried.add(id);
      try {
        const decipher = createDecipheriv('aes-256-gcm', wrappingKey, parsed.iv, { authTagLength: TAG_LENGTH });
        decipher.setAAD(aad);
        decipher.setAuthTag(parsed.tag);
        return Buffer.concat([decipher.update(parsed.encryptedKey), decipher.final()]);
      } catch {
        // Authentication failed for this order; try the next.
      }
    }
  } finally {
    wrappingKey.fill(0);
  }
  throw new InvalidMessageError(`The ${HIERARCHY_PROVIDER_ID} encrypted data key does not authenticate with branch key "${branch.branchKeyId}" version ${parsed.branchKeyVersion} and this encryption context: wrong context, or the key was altered.`);
}
