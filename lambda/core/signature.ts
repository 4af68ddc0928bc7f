import { createPublicKey, createSign, createVerify, generateKeyPairSync, KeyObject, Sign, Verify } from 'node:crypto';
import { InvalidMessageError, SignatureVerificationError } from './errors';

// DER prefix of a SubjectPublicKeyInfo for an EC key on P-384 (secp384r1) with a 49-byte compressed point.
const P384_COMPRESSED_SPKI_PREFIX = Buffer.from('3046301006072a8648ce3d020106052b81040022033200', 'hex');
const COMPRESSED_POINT_LENGTH = 49;

/** A fresh ECDSA P-384 key pair for one signed message. */
export interface SigningKeyPair {
  readonly privateKey: KeyObject;
  /** Base64 of the compressed public point: the `aws-crypto-public-key` context value. */
  readonly publicKeyBase64: string;
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  return { privateKey, publicKeyBase64: compressPublicKey(publicKey).toString('base64') };
}

/** The compressed SEC1 point (0x02/0x03 || x) of a P-384 public key. */
export function compressPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.crv !== 'P-384' || !jwk.x || !jwk.y) throw new InvalidMessageError('The signing key is not a P-384 key.');
  const x = Buffer.from(jwk.x, 'base64url');
  const y = Buffer.from(jwk.y, 'base64url');
  // SEC1 compressed form: 0x02 for an even y, 0x03 for an odd y.
  return Buffer.concat([Buffer.from([y[y.length - 1] % 2 === 0 ? 0x02 : 0x03]), x]);
}

/** Imports the verification key from the `aws-crypto-public-key` context value. */
export function verificationKeyFromContext(publicKeyBase64: string): KeyObject {
  const point = Buffer.from(publicKeyBase64, 'base64');
  if (point.length !== COMPRESSED_POINT_LENGTH || (point[0] !== 0x02 && point[0] !== 0x03)
    || point.toString('base64') !== publicKeyBase64) {
    throw new InvalidMessageError('The message\'s aws-crypto-public-key is not a base64 compressed P-384 point: the message is corrupt.');
  }
  try {
    return createPublicKey({ key: Buffer.concat([P384_COMPRESSED_SPKI_PREFIX, point]), format: 'der', type: 'spki' });
  } catch {
    throw new InvalidMessageError('The message\'s aws-crypto-public-key is not a point on P-384: the message is corrupt.');
  }
}

/** Incremental SHA-384 ECDSA signer over everything before the footer. */
export function createSigner(): Sign {
  return createSign('sha384');
}

export function createVerifier(): Verify {
  return createVerify('sha384');
}

/** The footer: uint16 signature length || DER signature. */
export function serializeFooter(signer: Sign, privateKey: KeyObject): Buffer {
  const signature = signer.sign({ key: privateKey, dsaEncoding: 'der' });
  const out = Buffer.allocUnsafe(2 + signature.length);
  out.writeUInt16BE(signature.length, 0);
  signature.copy(out, 2);
  return out;
}

/** Parses the footer at `pos`: the signature bytes and the total footer length, or undefined if incomplete. */
export function readFooter(buf: Buffer, pos: number): { signature: Buffer; length: number } | undefined {
  if (buf.length - pos < 2) return undefined;
  const len = buf.readUInt16BE(pos);
  if (buf.length - pos < 2 + len) return undefined;
  return { signature: buf.subarray(pos + 2, pos + 2 + len), length: 2 + len };
}

export function assertSignature(verifier: Verify, key: KeyObject, signature: Buffer): void {
  let ok = false;
  try {
    ok = verifier.verify({ key, dsaEncoding: 'der' }, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new SignatureVerificationError();
}
