/**
 * LocalKms's key material and ciphertext format (pure, node:crypto only): new material per key spec,
 * the symmetric ciphertext blob bound to its key and encryption context, and the tables of what each
 * key spec supports.
 */
import * as crypto from 'node:crypto';
import { validation } from './local-kms-errors';
import type { StoredMaterial } from './local-kms-store';
import type {
  KmsEncryptionAlgorithm, KmsEncryptionContext, KmsKeySpec, KmsKeyUsage, KmsMacAlgorithm, KmsSigningAlgorithm,
} from './local-kms-types';

export const MAX_PLAINTEXT = 4096;
export const SYMMETRIC_BLOB_MAGIC = Buffer.from('LKM1', 'ascii');
export const MATERIAL_ID_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const MAX_DATA_KEY_BYTES = 1024;
export const RSA_SPECS: Record<string, number> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };
export const ECC_CURVES: Record<string, string> = { ECC_NIST_P256: 'prime256v1', ECC_NIST_P384: 'secp384r1', ECC_NIST_P521: 'secp521r1', ECC_SECG_P256K1: 'secp256k1' };
export const HMAC_SPECS: Record<string, { bytes: number; algorithm: KmsMacAlgorithm; hash: string }> = {
  HMAC_224: { bytes: 28, algorithm: 'HMAC_SHA_224', hash: 'sha224' },
  HMAC_256: { bytes: 32, algorithm: 'HMAC_SHA_256', hash: 'sha256' },
  HMAC_384: { bytes: 48, algorithm: 'HMAC_SHA_384', hash: 'sha384' },
  HMAC_512: { bytes: 64, algorithm: 'HMAC_SHA_512', hash: 'sha512' },
};
export const ECDSA_ALGORITHM: Record<string, KmsSigningAlgorithm> = {
  ECC_NIST_P256: 'ECDSA_SHA_256', ECC_NIST_P384: 'ECDSA_SHA_384', ECC_NIST_P521: 'ECDSA_SHA_512', ECC_SECG_P256K1: 'ECDSA_SHA_256',
};
export const RSA_SIGNING: KmsSigningAlgorithm[] = [
  'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512',
];
export const RSA_ENCRYPTION: KmsEncryptionAlgorithm[] = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];

/** A fresh Uint8Array, as the SDK returns (not a view into Node's shared Buffer pool). */
export function out(buf: Buffer): Uint8Array {
  const copy = new Uint8Array(buf.length);
  copy.set(buf);
  return copy;
}
export function canonicalContext(ctx: KmsEncryptionContext | undefined): Buffer {
  const entries = Object.entries(ctx ?? {});
  for (const [k, v] of entries) {
    if (typeof k !== 'string' || typeof v !== 'string') throw validation('EncryptionContext keys and values must be strings.');
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(entries), 'utf8');
}

/** The key as node:crypto sign/verify take it: with RSA padding (PSS salt = digest length, as KMS) when given. */
export function withPadding(key: crypto.KeyObject, padding: number | undefined): crypto.KeyObject | crypto.SignKeyObjectInput {
  return padding === undefined ? key : { key, padding, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST };
}

export function isAsymmetric(spec: KmsKeySpec): boolean {
  return RSA_SPECS[spec] !== undefined || ECC_CURVES[spec] !== undefined;
}

export function checkSpecUsage(spec: KmsKeySpec, usage: KmsKeyUsage): void {
  const allowed: KmsKeyUsage[] | undefined = spec === 'SYMMETRIC_DEFAULT' ? ['ENCRYPT_DECRYPT']
    : RSA_SPECS[spec] ? ['ENCRYPT_DECRYPT', 'SIGN_VERIFY']
      : ECC_CURVES[spec] ? ['SIGN_VERIFY']
        : HMAC_SPECS[spec] ? ['GENERATE_VERIFY_MAC'] : undefined;
  if (!allowed) throw validation(`KeySpec '${String(spec)}' is not supported. Use SYMMETRIC_DEFAULT, RSA_*, ECC_* or HMAC_*.`);
  if (!allowed.includes(usage)) {
    throw validation(`KeyUsage ${String(usage)} is not compatible with KeySpec ${spec}; allowed: ${allowed.join(', ')}.`);
  }
}

export function newMaterial(spec: KmsKeySpec, now: Date): StoredMaterial {
  const id = crypto.randomBytes(MATERIAL_ID_BYTES).toString('hex');
  const createdAt = now.toISOString();
  if (spec === 'SYMMETRIC_DEFAULT') return { id, createdAt, secret: crypto.randomBytes(32).toString('base64') };
  if (HMAC_SPECS[spec]) return { id, createdAt, secret: crypto.randomBytes(HMAC_SPECS[spec].bytes).toString('base64') };
  const pair = RSA_SPECS[spec]
    ? crypto.generateKeyPairSync('rsa', { modulusLength: RSA_SPECS[spec] })
    : crypto.generateKeyPairSync('ec', { namedCurve: ECC_CURVES[spec] });
  return {
    id,
    createdAt,
    privateKeyDer: pair.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKeyDer: pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

export interface ParsedBlob { keyId: string; materialId: string; header: Buffer; iv: Buffer; ciphertext: Buffer; tag: Buffer }

// Blob layout: "LKM1" | keyId length (1) | keyId | material id (32) | IV (12) | ciphertext | tag (16).
// The header is authenticated with the encryption context, so the blob is bound to its key.
export function sealSymmetric(keyId: string, material: StoredMaterial, plaintext: Buffer, context: Buffer): Buffer {
  const keyIdBytes = Buffer.from(keyId, 'utf8');
  const header = Buffer.concat([SYMMETRIC_BLOB_MAGIC, Buffer.from([keyIdBytes.length]), keyIdBytes, Buffer.from(material.id, 'hex')]);
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', Buffer.from(material.secret!, 'base64'), iv);
  cipher.setAAD(Buffer.concat([header, context]));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, ciphertext, cipher.getAuthTag()]);
}

export function parseSymmetricBlob(blob: Buffer): ParsedBlob | undefined {
  if (blob.length < SYMMETRIC_BLOB_MAGIC.length + 1 || !blob.subarray(0, 4).equals(SYMMETRIC_BLOB_MAGIC)) return undefined;
  const idLength = blob[4];
  const headerLength = 5 + idLength + MATERIAL_ID_BYTES;
  if (blob.length < headerLength + IV_BYTES + TAG_BYTES) return undefined;
  return {
    keyId: blob.subarray(5, 5 + idLength).toString('utf8'),
    materialId: blob.subarray(5 + idLength, headerLength).toString('hex'),
    header: blob.subarray(0, headerLength),
    iv: blob.subarray(headerLength, headerLength + IV_BYTES),
    ciphertext: blob.subarray(headerLength + IV_BYTES, blob.length - TAG_BYTES),
    tag: blob.subarray(blob.length - TAG_BYTES),
  };
}

export function openSymmetric(parsed: ParsedBlob, material: StoredMaterial, context: Buffer): Buffer | undefined {
  const decipher = crypto.createDecipheriv('aes-256-gcm', Buffer.from(material.secret!, 'base64'), parsed.iv);
  decipher.setAAD(Buffer.concat([parsed.header, context]));
  decipher.setAuthTag(parsed.tag);
  try {
    return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}
