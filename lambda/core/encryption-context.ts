import { isAscii } from 'node:buffer';
import { ConfigurationError, InvalidMessageError } from './errors';
import { EncryptionContext } from './types';

const MAX_UINT16 = 0xffff;

/** Keys starting with this prefix are reserved for the message format (e.g. `aws-crypto-public-key`). */
export const RESERVED_CONTEXT_PREFIX = 'aws-crypto-';
/** Context key that carries the signing public key of a signed (0x0578) message. */
export const PUBLIC_KEY_CONTEXT_KEY = 'aws-crypto-public-key';

/**
 * Copies and checks a caller's encryption context: every key and value must be a string that
 * encodes to UTF-8 without loss (no lone surrogates). The result is frozen, so the caller's object
 * is never mutated or retained.
 */
export function normalizeEncryptionContext(context: EncryptionContext | undefined, what = 'encryptionContext'): EncryptionContext {
  const out: Record<string, string> = {};
  if (context === undefined || context === null) return Object.freeze(out);
  if (typeof context !== 'object' || Array.isArray(context)) {
    throw new ConfigurationError(`${what} must be an object of string keys to string values; received ${Array.isArray(context) ? 'an array' : typeof context}.`);
  }
  for (const key of Object.keys(context)) {
    const value: unknown = context[key];
    if (typeof value !== 'string') {
      throw new ConfigurationError(`${what} key "${key}" has a value of type ${typeof value}; every value must be a string.`);
    }
    if (!isLosslessUtf8(key)) {
      throw new ConfigurationError(`${what} has a key that is not valid Unicode (lone surrogate); use well-formed strings.`);
    }
    if (!isLosslessUtf8(value)) {
      throw new ConfigurationError(`${what} key "${key}" has a value that is not valid Unicode (lone surrogate); use well-formed strings.`);
    }
    defineEntry(out, key, value);
  }
  return Object.freeze(out);
}

/**
 * Serializes an encryption context as the header's AAD field: empty when there are no pairs,
 * else a uint16 pair count and length-prefixed UTF-8 pairs sorted by the key's UTF-8 bytes.
 */
export function serializeEncryptionContext(context: EncryptionContext): Buffer {
  const entries = Object.keys(context).map((k) => [Buffer.from(k, 'utf8'), Buffer.from(context[k], 'utf8')] as const);
  if (entries.length === 0) return Buffer.alloc(0);
  if (entries.length > MAX_UINT16) {
    throw new ConfigurationError(`Encryption context has ${entries.length} pairs; the message format allows at most ${MAX_UINT16}.`);
  }
  entries.sort((a, b) => Buffer.compare(a[0], b[0]));
  let size = 2;
  for (const [k, v] of entries) {
    if (k.length > MAX_UINT16 || v.length > MAX_UINT16) {
      throw new ConfigurationError(`Encryption context key "${k.toString('utf8').slice(0, 64)}" or its value is longer than ${MAX_UINT16} UTF-8 bytes; shorten it.`);
    }
    size += 4 + k.length + v.length;
  }
  if (size > MAX_UINT16) {
    throw new ConfigurationError(`Serialized encryption context is ${size} bytes; the message format allows at most ${MAX_UINT16}. Use fewer or shorter pairs.`);
  }
  const out = Buffer.allocUnsafe(size);
  let pos = out.writeUInt16BE(entries.length, 0);
  for (const [k, v] of entries) {
    pos = out.writeUInt16BE(k.length, pos);
    pos += k.copy(out, pos);
    pos = out.writeUInt16BE(v.length, pos);
    pos += v.copy(out, pos);
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes strict UTF-8 (throws on invalid bytes). Bytes that are all ASCII decode to the same string
 * through latin1, which skips TextDecoder's validating path: header fields are nearly always ASCII.
 * A small saving (about 1% of a 1 KiB decrypt), taken because it changes no result.
 */
export function decodeStrictUtf8(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : utf8.decode(bytes);
}

/** Parses the header's AAD field. Rejects truncation, trailing bytes, invalid UTF-8 and duplicate keys. */
export function parseEncryptionContext(bytes: Uint8Array): EncryptionContext {
  const out: Record<string, string> = {};
  if (bytes.length === 0) return Object.freeze(out);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 2) throw new InvalidMessageError('Message header encryption context is truncated: the message is corrupt.');
  const count = buf.readUInt16BE(0);
  let pos = 2;
  const readField = (): string => {
    if (pos + 2 > buf.length) throw new InvalidMessageError('Message header encryption context is truncated: the message is corrupt.');
    const len = buf.readUInt16BE(pos);
    pos += 2;
    if (pos + len > buf.length) throw new InvalidMessageError('Message header encryption context is truncated: the message is corrupt.');
    let s: string;
    try {
      s = decodeStrictUtf8(buf.subarray(pos, pos + len));
    } catch {
      throw new InvalidMessageError('Message header encryption context is not valid UTF-8: the message is corrupt.');
    }
    pos += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const key = readField();
    const value = readField();
    if (Object.prototype.hasOwnProperty.call(out, key)) {
      throw new InvalidMessageError('Message header encryption context has a duplicate key: the message is corrupt.');
    }
    defineEntry(out, key, value);
  }
  if (pos !== buf.length) {
    throw new InvalidMessageError('Message header encryption context has trailing bytes: the message is corrupt.');
  }
  return Object.freeze(out);
}

/** Keys in `expected` that are missing from, or differ in, `actual`. Never exposes values. */
export function mismatchedContextKeys(expected: EncryptionContext, actual: EncryptionContext): { missing: string[]; different: string[] } {
  const missing: string[] = [];
  const different: string[] = [];
  for (const key of Object.keys(expected)) {
    if (!Object.prototype.hasOwnProperty.call(actual, key)) missing.push(key);
    else if (actual[key] !== expected[key]) different.push(key);
  }
  return { missing, different };
}

// Defines an own property so keys such as `__proto__` stay plain data, never a prototype change.
function defineEntry(obj: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isLosslessUtf8(s: string): boolean {
  // Lone surrogates turn into U+FFFD when encoded, so the round trip differs.
  return !/[\ud800-\udfff]/.test(s) || Buffer.from(s, 'utf8').toString('utf8') === s;
}
