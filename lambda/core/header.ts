import { createCipheriv, createDecipheriv } from 'node:crypto';
import { decodeStrictUtf8, parseEncryptionContext } from './encryption-context';
import { ConfigurationError, InvalidMessageError, TooManyEncryptedDataKeysError, UnsupportedFormatError } from './errors';
import { assertCommitment, deriveKeys } from './key-derivation';
import {
  COMMITMENT_LENGTH, hex4, isNonCommittingSuite, isSupportedSuite, IV_LENGTH, MESSAGE_FORMAT_VERSION,
  MESSAGE_ID_LENGTH, suiteInfo, TAG_LENGTH,
} from './suites';
import { AlgorithmSuiteId, EncryptedDataKey, EncryptionContext } from './types';

/** How the body is laid out. */
export enum ContentType {
  NON_FRAMED = 0x01,
  FRAMED = 0x02,
}

/** Default cap on encrypted data keys per message on decrypt (see docs/envelope-encryption.md). */
export const DEFAULT_MAX_ENCRYPTED_DATA_KEYS = 10;

/** A parsed message format v2 header. */
export interface MessageHeader {
  readonly version: 2;
  readonly suite: AlgorithmSuiteId;
  readonly messageId: Buffer;
  readonly encryptionContext: EncryptionContext;
  /** The serialized encryption context exactly as it appears in the header. */
  readonly encryptionContextBytes: Buffer;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  readonly contentType: ContentType;
  /** Frame length in bytes for framed bodies; 0 for non-framed bodies. */
  readonly frameLength: number;
  readonly commitment: Buffer;
  readonly headerAuthTag: Buffer;
  /** The header bytes covered by the header auth tag (everything before the tag). */
  readonly headerBody: Buffer;
}

export interface ParsedHeader {
  readonly header: MessageHeader;
  /** Offset in the message where the body starts (the header's total length). */
  readonly bodyOffset: number;
}

export interface ParseHeaderOptions {
  /** Reject headers with more encrypted data keys than this, before reading them. @default 10 */
  readonly maxEncryptedDataKeys?: number;
}

/** The fields serialized into a header body. */
export interface HeaderFields {
  readonly suite: AlgorithmSuiteId;
  readonly messageId: Uint8Array;
  readonly encryptionContextBytes: Uint8Array;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  readonly contentType: ContentType;
  readonly frameLength: number;
  readonly commitment: Uint8Array;
}

const ZERO_IV = Buffer.alloc(IV_LENGTH);

/** Thrown inside the parser when the input ends early, with the length it needs to read on. */
class NeedMoreBytes {
  constructor(public readonly bytes: number) {}
}

/** A header prefix that ends too early: at least `needBytes` bytes (from the start) are needed. */
export interface IncompleteHeader {
  readonly needBytes: number;
}

/**
 * Parses and checks the header at the start of `message` (not its auth tag: that needs the data
 * key). Throws `InvalidMessageError` if the message ends inside the header.
 */
export function parseHeader(message: Uint8Array, options: ParseHeaderOptions = {}): ParsedHeader {
  const parsed = tryParseHeader(message, options);
  if (!parsed) throw new InvalidMessageError('The message is truncated inside its header: it is incomplete or not an encrypted message.');
  return parsed;
}

/** Like `parseHeader`, but returns undefined when more bytes are needed (streaming). */
export function tryParseHeader(message: Uint8Array, options: ParseHeaderOptions = {}): ParsedHeader | undefined {
  const parsed = parseHeaderPrefix(message, options);
  return 'needBytes' in parsed ? undefined : parsed;
}

/**
 * Like `tryParseHeader`, but an incomplete prefix says how long the input must be before parsing
 * can get further (the end of the next field), so a stream re-parses once per field rather than
 * once per arriving chunk: a header fed a byte at a time stays linear.
 */
export function parseHeaderPrefix(message: Uint8Array, options: ParseHeaderOptions = {}): ParsedHeader | IncompleteHeader {
  const maxEdks = checkMaxEncryptedDataKeys(options.maxEncryptedDataKeys);
  const buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > buf.length) throw new NeedMoreBytes(pos + n);
  };
  const u8 = (): number => {
    need(1); return buf[pos++];
  };
  const u16 = (): number => {
    need(2); const v = buf.readUInt16BE(pos); pos += 2; return v;
  };
  const u32 = (): number => {
    need(4); const v = buf.readUInt32BE(pos); pos += 4; return v;
  };
  const bytes = (n: number): Buffer => {
    need(n); const v = buf.subarray(pos, pos + n); pos += n; return v;
  };
  try {
    const version = u8();
    if (version === 0x01) {
      throw new UnsupportedFormatError('The message uses message format version 1, which has no key commitment. Re-encrypt it with a committing suite (0x0478 or 0x0578) of message format version 2.');
    }
    if (version !== MESSAGE_FORMAT_VERSION) {
      throw new InvalidMessageError(`Unknown message format version 0x${version.toString(16).padStart(2, '0')}: this is not an AWS Encryption SDK message.`);
    }
    const suiteId = u16();
    if (!isSupportedSuite(suiteId)) {
      if (isNonCommittingSuite(suiteId)) {
        throw new UnsupportedFormatError(`The message uses algorithm suite 0x${hex4(suiteId)}, which has no key commitment; only 0x0478 and 0x0578 are accepted. Re-encrypt it with a committing suite.`);
      }
      throw new UnsupportedFormatError(`The message uses unknown algorithm suite 0x${hex4(suiteId)}; only 0x0478 and 0x0578 are accepted.`);
    }
    const messageId = Buffer.from(bytes(MESSAGE_ID_LENGTH));
    const ecLength = u16();
    const encryptionContextBytes = Buffer.from(bytes(ecLength));
    const encryptionContext = parseEncryptionContext(encryptionContextBytes);
    const edkCount = u16();
    if (edkCount === 0) throw new InvalidMessageError('The message header has no encrypted data keys: the message is corrupt.');
    // Checked before reading any key so a hostile header cannot drive allocation or KMS calls.
    if (edkCount > maxEdks) throw new TooManyEncryptedDataKeysError(edkCount, maxEdks);
    const encryptedDataKeys: EncryptedDataKey[] = [];
    for (let i = 0; i < edkCount; i++) {
      const providerIdBytes = bytes(u16());
      let providerId: string;
      try {
        providerId = decodeStrictUtf8(providerIdBytes);
      } catch {
        throw new InvalidMessageError('An encrypted data key has a provider id that is not valid UTF-8: the message is corrupt.');
      }
      const providerInfo = bytes(u16()).toString('utf8');
      const encryptedDataKey = Buffer.from(bytes(u16()));
      encryptedDataKeys.push(Object.freeze({ providerId, providerInfo, encryptedDataKey }));
    }
    const contentType = u8();
    if (contentType !== ContentType.FRAMED && contentType !== ContentType.NON_FRAMED) {
      throw new InvalidMessageError(`Unknown content type 0x${contentType.toString(16)} in the message header: the message is corrupt.`);
    }
    const frameLength = u32();
    if (contentType === ContentType.FRAMED && frameLength === 0) {
      throw new InvalidMessageError('A framed message has frame length 0: the message is corrupt.');
    }
    if (contentType === ContentType.NON_FRAMED && frameLength !== 0) {
      throw new InvalidMessageError('A non-framed message has a non-zero frame length: the message is corrupt.');
    }
    const commitment = Buffer.from(bytes(COMMITMENT_LENGTH));
    const headerBody = Buffer.from(buf.subarray(0, pos));
    const headerAuthTag = Buffer.from(bytes(TAG_LENGTH));
    const header: MessageHeader = Object.freeze({
      version: 2 as const,
      suite: suiteId,
      messageId,
      encryptionContext,
      encryptionContextBytes,
      encryptedDataKeys: Object.freeze(encryptedDataKeys),
      contentType,
      frameLength,
      commitment,
      headerAuthTag,
      headerBody,
    });
    return { header, bodyOffset: pos };
  } catch (err) {
    if (err instanceof NeedMoreBytes) return { needBytes: err.bytes };
    throw err;
  }
}

/** Serializes the header body (everything the header auth tag covers). */
export function serializeHeaderBody(fields: HeaderFields): Buffer {
  if (fields.encryptedDataKeys.length === 0 || fields.encryptedDataKeys.length > 0xffff) {
    throw new ConfigurationError(`A message needs between 1 and 65535 encrypted data keys; got ${fields.encryptedDataKeys.length}.`);
  }
  if (fields.encryptionContextBytes.length > 0xffff) {
    throw new ConfigurationError('The serialized encryption context exceeds 65535 bytes.');
  }
  const edks = fields.encryptedDataKeys.map((edk) => {
    const parts = [Buffer.from(edk.providerId, 'utf8'), Buffer.from(edk.providerInfo, 'utf8'), edk.encryptedDataKey];
    for (const p of parts) {
      if (p.length > 0xffff) throw new ConfigurationError(`An encrypted data key field is ${p.length} bytes; the message format allows at most 65535.`);
    }
    return parts;
  });
  let size = 1 + 2 + MESSAGE_ID_LENGTH + 2 + fields.encryptionContextBytes.length + 2 + 1 + 4 + COMMITMENT_LENGTH;
  for (const parts of edks) size += 6 + parts[0].length + parts[1].length + parts[2].length;
  const out = Buffer.allocUnsafe(size);
  let pos = out.writeUInt8(MESSAGE_FORMAT_VERSION, 0);
  pos = out.writeUInt16BE(fields.suite, pos);
  pos += Buffer.from(fields.messageId).copy(out, pos);
  pos = out.writeUInt16BE(fields.encryptionContextBytes.length, pos);
  pos += Buffer.from(fields.encryptionContextBytes).copy(out, pos);
  pos = out.writeUInt16BE(edks.length, pos);
  for (const parts of edks) {
    for (const p of parts) {
      pos = out.writeUInt16BE(p.length, pos);
      pos += p.copy(out, pos);
    }
  }
  pos = out.writeUInt8(fields.contentType, pos);
  pos = out.writeUInt32BE(fields.frameLength, pos);
  pos += Buffer.from(fields.commitment).copy(out, pos);
  if (pos !== size) throw new Error('header size mismatch');
  return out;
}

/** The header auth tag: AES-256-GCM over no plaintext, zero IV, header body as AAD. */
export function computeHeaderAuthTag(contentKey: Uint8Array, headerBody: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', contentKey, ZERO_IV);
  cipher.setAAD(headerBody);
  cipher.final();
  return cipher.getAuthTag();
}

/** Throws `InvalidMessageError` unless the header's auth tag verifies under `contentKey`. */
export function verifyHeaderAuthTag(header: MessageHeader, contentKey: Uint8Array): void {
  const decipher = createDecipheriv('aes-256-gcm', contentKey, ZERO_IV);
  decipher.setAAD(header.headerBody);
  decipher.setAuthTag(header.headerAuthTag);
  try {
    decipher.final();
  } catch {
    throw new InvalidMessageError('The message header does not authenticate: the header was modified or the message is corrupt.');
  }
}

/**
 * Re-serializes a header with replaced encrypted data keys and a new header auth tag, keeping the
 * message id, encryption context bytes, frame length and commitment, so the original body stays
 * valid (re-wrap without touching the body). First checks that `dataKey` is this message's key
 * (commitment and the old header tag). Signed (0x0578) messages cannot be re-wrapped: the
 * signature covers the header and its private key no longer exists.
 */
export function rewrapHeader(header: MessageHeader, encryptedDataKeys: readonly EncryptedDataKey[], dataKey: Uint8Array): Buffer {
  if (suiteInfo(header.suite).signed) {
    throw new UnsupportedFormatError('A signed (0x0578) message cannot be re-wrapped: its signature covers the header. Decrypt and encrypt it again instead.');
  }
  const { contentKey, commitment } = deriveKeys(dataKey, header.messageId, header.suite);
  try {
    assertCommitment(commitment, header.commitment);
    verifyHeaderAuthTag(header, contentKey);
    const body = serializeHeaderBody({ ...header, encryptedDataKeys });
    return Buffer.concat([body, computeHeaderAuthTag(contentKey, body)]);
  } finally {
    contentKey.fill(0);
  }
}

export function checkMaxEncryptedDataKeys(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_ENCRYPTED_DATA_KEYS;
  if (!Number.isInteger(value) || value < 1 || value > 0xffff) {
    throw new ConfigurationError(`maxEncryptedDataKeys must be an integer from 1 to 65535; received ${String(value)}.`);
  }
  return value;
}
