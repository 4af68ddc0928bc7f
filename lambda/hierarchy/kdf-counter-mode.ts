/**
 * Key derivation in counter mode with HMAC-SHA-256 (NIST SP 800-108r1, section 4.1), as the
 * hierarchical keyring specification uses it to derive a per-message wrapping key from a branch key:
 * K(i) = HMAC(key, [i]32 || label || 0x00 || context || [L]32), with i counting from 1.
 */
import { createHmac } from 'node:crypto';
import { ConfigurationError } from '../core/errors';

const SHA256_LENGTH = 32;

export function kdfCounterModeSha256(key: Buffer, label: Buffer, context: Buffer, length: number): Buffer {
  if (!Number.isInteger(length) || length <= 0 || length > 255 * SHA256_LENGTH) {
    throw new ConfigurationError(`KDF output length must be an integer from 1 to ${255 * SHA256_LENGTH} bytes; received ${length}.`);
  }
  const lengthBits = Buffer.alloc(4);
  lengthBits.writeUInt32BE(length * 8, 0);
  const fixedInput = Buffer.concat([label, Buffer.from([0x00]), context, lengthBits]);
  const blocks: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let i = 1; i * SHA256_LENGTH < length + SHA256_LENGTH; i++) {
    counter.writeUInt32BE(i, 0);
    blocks.push(createHmac('sha256', key).update(counter).update(fixedInput).digest());
  }
  const out = Buffer.concat(blocks);
  for (const block of blocks) block.fill(0);
  const result = Buffer.from(out.subarray(0, length));
  out.fill(0);
  return result;
}
