// Shared setup of one message for the whole-buffer client and the streams.
import { randomFillSync, KeyObject, Sign, Verify } from 'node:crypto';
import { BodyDecryptor, FrameEncryptor, MAX_FRAME_LENGTH, MAX_NON_FRAMED_LENGTH } from './body';
import {
  mismatchedContextKeys, normalizeEncryptionContext, PUBLIC_KEY_CONTEXT_KEY, serializeEncryptionContext,
} from './encryption-context';
import { ConfigurationError, EncryptionContextMismatchError, InvalidMessageError } from './errors';
import { computeHeaderAuthTag, ContentType, MessageHeader, serializeHeaderBody, verifyHeaderAuthTag } from './header';
import { assertCommitment, deriveKeys } from './key-derivation';
import { createSigner, createVerifier, verificationKeyFromContext } from './signature';
import { DATA_KEY_LENGTH, DEFAULT_SUITE, isSupportedSuite, MESSAGE_ID_LENGTH, suiteInfo } from './suites';
import {
  AlgorithmSuiteId, DecryptionMaterials, EncryptedDataKey, EncryptionContext, EncryptionMaterials, MaterialsManager,
} from './types';

/**
 * Default frame length on encrypt: 256 KiB. Each frame costs a fresh node:crypto GCM context, AAD,
 * tag and output buffer (about 4 us per frame each way here), which at 64 KiB frames was 10-15% of
 * a large message's time; 256 KiB frames cut that by four while a stream still holds (and delays)
 * at most 256 KiB per frame. See docs/envelope-encryption.md for the measurements.
 */
export const DEFAULT_FRAME_LENGTH = 256 * 1024;

/**
 * Default cap on the content a decrypt stream will hold to authenticate one frame (or a non-framed
 * body): 16 MiB, 64 times our default frame length and 4096 times the other Encryption SDKs'
 * default (4 KiB), so messages written with default or throughput-tuned settings pass, while a
 * hostile header can no longer make a stream buffer up to 4 GiB (or 64 GiB for non-framed).
 */
export const DEFAULT_MAX_FRAME_LENGTH = 16 * 1024 * 1024;

/** What a caller may learn about a message's header. */
export interface MessageHeaderInfo {
  readonly suite: AlgorithmSuiteId;
  readonly messageId: Buffer;
  /** The full encryption context, including `aws-crypto-public-key` for signed messages. */
  readonly encryptionContext: EncryptionContext;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  /** Frame length of a framed body; 0 for a non-framed body. */
  readonly frameLength: number;
  /** True when the data key came from a data-key cache. */
  readonly cacheHit: boolean;
}

export function checkSuite(value: unknown, what: string): AlgorithmSuiteId {
  if (value === undefined) return DEFAULT_SUITE;
  if (typeof value !== 'number' || !isSupportedSuite(value)) {
    throw new ConfigurationError(`${what} must be AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY (0x0478) or AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 (0x0578); received ${String(value)}.`);
  }
  return value;
}

export function checkFrameLength(value: unknown, what: string): number {
  if (value === undefined) return DEFAULT_FRAME_LENGTH;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_FRAME_LENGTH) {
    throw new ConfigurationError(`${what} must be an integer from 1 to ${MAX_FRAME_LENGTH} bytes; received ${String(value)}.`);
  }
  return value;
}

/**
 * Default smallest frame length accepted on decrypt: 1, every length the format allows. The official
 * test vectors of the other Encryption SDKs use frame lengths of 1 and 16 bytes, and messages written
 * by them must decrypt by default; a service that decrypts messages from senders it does not trust
 * should raise it (docs/envelope-encryption.md, "Frame length and decrypt cost").
 */
export const DEFAULT_MIN_FRAME_LENGTH = 1;

export function checkMinFrameLength(value: unknown, what: string): number {
  if (value === undefined) return DEFAULT_MIN_FRAME_LENGTH;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_FRAME_LENGTH) {
    throw new ConfigurationError(`${what} must be an integer from 1 to ${MAX_FRAME_LENGTH} bytes; received ${String(value)}.`);
  }
  return value;
}

export function checkMaxFrameLength(value: unknown, what: string): number {
  if (value === undefined) return DEFAULT_MAX_FRAME_LENGTH;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_NON_FRAMED_LENGTH) {
    throw new ConfigurationError(`${what} must be an integer from 1 to ${MAX_NON_FRAMED_LENGTH} bytes; received ${String(value)}.`);
  }
  return value;
}

/** Everything needed to write one message after the header. */
export interface EncryptionSession {
  readonly headerBytes: Buffer;
  readonly frames: FrameEncryptor;
  readonly frameLength: number;
  readonly info: MessageHeaderInfo;
  /** Present for signed suites: already fed the header bytes. */
  readonly signer?: Sign;
  readonly signingKey?: KeyObject;
  /** Zeroes the content key (the data key was zeroed when the session started). Idempotent. */
  dispose(): void;
}

export async function startEncryption(
  materialsManager: MaterialsManager,
  params: { suite: AlgorithmSuiteId; frameLength: number; encryptionContext?: EncryptionContext; plaintextLength?: number },
): Promise<EncryptionSession> {
  const requested = normalizeEncryptionContext(params.encryptionContext);
  const materials = await materialsManager.getEncryptionMaterials({
    suite: params.suite,
    encryptionContext: requested,
    plaintextLength: params.plaintextLength,
  });
  // The materials are ours (managers hand out fresh keys or copies): the data key is wiped as soon
  // as the content key is derived, whatever happens.
  try {
    return encryptionSession(materials, params);
  } finally {
    wipe(materials.plaintextDataKey);
  }
}

function encryptionSession(
  materials: EncryptionMaterials,
  params: { suite: AlgorithmSuiteId; frameLength: number },
): EncryptionSession {
  if (materials.suite !== params.suite) {
    throw new ConfigurationError(`The materials manager returned suite 0x${materials.suite.toString(16)} for a request of 0x${params.suite.toString(16)}.`);
  }
  if (materials.plaintextDataKey.length !== DATA_KEY_LENGTH) {
    throw new ConfigurationError(`The materials manager returned a ${materials.plaintextDataKey.length}-byte data key; ${DATA_KEY_LENGTH} are needed.`);
  }
  if (materials.encryptedDataKeys.length === 0) {
    throw new ConfigurationError('The materials manager returned no encrypted data keys.');
  }
  const signed = suiteInfo(params.suite).signed;
  if (signed && (!materials.signingKey || materials.encryptionContext[PUBLIC_KEY_CONTEXT_KEY] === undefined)) {
    throw new ConfigurationError('The materials manager returned no signing key or public key context for a signed suite.');
  }
  const messageId = newMessageId();
  const { contentKey, commitment } = deriveKeys(materials.plaintextDataKey, messageId, params.suite);
  try {
    const headerBody = serializeHeaderBody({
      suite: params.suite,
      messageId,
      encryptionContextBytes: serializeEncryptionContext(materials.encryptionContext),
      encryptedDataKeys: materials.encryptedDataKeys,
      contentType: ContentType.FRAMED,
      frameLength: params.frameLength,
      commitment,
    });
    const headerBytes = Buffer.concat([headerBody, computeHeaderAuthTag(contentKey, headerBody)]);
    let signer: Sign | undefined;
    if (signed) {
      signer = createSigner();
      signer.update(headerBytes);
    }
    return {
      headerBytes,
      frames: new FrameEncryptor(contentKey, messageId, params.frameLength),
      frameLength: params.frameLength,
      info: Object.freeze({
        suite: params.suite,
        messageId,
        encryptionContext: materials.encryptionContext,
        encryptedDataKeys: Object.freeze([...materials.encryptedDataKeys]),
        frameLength: params.frameLength,
        cacheHit: materials.cacheHit === true,
      }),
      signer,
      signingKey: materials.signingKey,
      dispose: () => wipe(contentKey),
    };
  } catch (err) {
    wipe(contentKey);
    throw err;
  }
}

/** Message ids drawn per refill of the pool below. */
const MESSAGE_IDS_PER_REFILL = 64;
let idPool = Buffer.alloc(0);
let idPoolAt = 0;

/**
 * A fresh random 32-byte message id. Ids are drawn from node:crypto's CSPRNG 64 at a time (one
 * `randomFillSync` of 2 KiB instead of one call per message, which cost about a tenth of a small
 * message's encrypt); each slot of the pool is handed out exactly once.
 */
function newMessageId(): Buffer {
  if (idPoolAt + MESSAGE_ID_LENGTH > idPool.length) {
    idPool = randomFillSync(Buffer.allocUnsafeSlow(MESSAGE_IDS_PER_REFILL * MESSAGE_ID_LENGTH));
    idPoolAt = 0;
  }
  const id = idPool.subarray(idPoolAt, idPoolAt + MESSAGE_ID_LENGTH);
  idPoolAt += MESSAGE_ID_LENGTH;
  return id;
}

/** Zeroes key material; tolerates a missing buffer from a faulty materials manager. */
function wipe(key: Buffer | undefined): void {
  if (key instanceof Uint8Array) key.fill(0);
}

/** Fails unless every expected pair is in the message's context; names keys, never values. */
export function checkExpectedContext(expected: EncryptionContext | undefined, actual: EncryptionContext): void {
  if (expected === undefined) return;
  const wanted = normalizeEncryptionContext(expected, 'expectedEncryptionContext');
  const { missing, different } = mismatchedContextKeys(wanted, actual);
  if (missing.length > 0 || different.length > 0) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`missing keys: ${missing.map((k) => JSON.stringify(k)).join(', ')}`);
    if (different.length > 0) parts.push(`different values for keys: ${different.map((k) => JSON.stringify(k)).join(', ')}`);
    throw new EncryptionContextMismatchError(`The message's encryption context does not match the expected one (${parts.join('; ')}). Check you are decrypting the right message.`);
  }
}

export interface DecryptionSessionOptions {
  /** Refuse frames or a non-framed body with more content than this (streams). @default - no limit */
  readonly maxFrameLength?: number;
}

/** Everything needed to read one message's body after its header authenticated. */
export interface DecryptionSession {
  readonly body: BodyDecryptor;
  readonly info: MessageHeaderInfo;
  /** Present for signed suites: already fed the header bytes. */
  readonly verifier?: Verify;
  readonly verificationKey?: KeyObject;
  /** Zeroes the content key (the data key was zeroed when the session started). Idempotent. */
  dispose(): void;
}

/**
 * Gets the data key, then checks the commitment (constant time) and the header auth tag before
 * any body is read.
 */
export async function startDecryption(
  materialsManager: MaterialsManager,
  header: MessageHeader,
  headerBytes: Buffer,
  options: DecryptionSessionOptions = {},
): Promise<DecryptionSession> {
  const materials = await materialsManager.decryptMaterials({
    suite: header.suite,
    encryptionContext: header.encryptionContext,
    encryptedDataKeys: header.encryptedDataKeys,
  });
  try {
    return decryptionSession(materials, header, headerBytes, options);
  } finally {
    wipe(materials.plaintextDataKey);
  }
}

function decryptionSession(
  materials: DecryptionMaterials,
  header: MessageHeader,
  headerBytes: Buffer,
  options: DecryptionSessionOptions,
): DecryptionSession {
  if (materials.suite !== header.suite) {
    throw new ConfigurationError('The materials manager returned materials for another suite than the message\'s.');
  }
  const { contentKey, commitment } = deriveKeys(materials.plaintextDataKey, header.messageId, header.suite);
  try {
    assertCommitment(commitment, header.commitment);
    verifyHeaderAuthTag(header, contentKey);
    let verifier: Verify | undefined;
    let verificationKey: KeyObject | undefined;
    if (suiteInfo(header.suite).signed) {
      const publicKey = header.encryptionContext[PUBLIC_KEY_CONTEXT_KEY];
      if (publicKey === undefined) {
        throw new InvalidMessageError(`A signed message has no ${PUBLIC_KEY_CONTEXT_KEY} in its encryption context: the message is corrupt.`);
      }
      verificationKey = materials.verificationKey ?? verificationKeyFromContext(publicKey);
      verifier = createVerifier();
      verifier.update(headerBytes);
    }
    return {
      body: new BodyDecryptor(header, contentKey, options.maxFrameLength),
      info: headerInfo(header, materials.cacheHit === true),
      verifier,
      verificationKey,
      dispose: () => wipe(contentKey),
    };
  } catch (err) {
    wipe(contentKey);
    throw err;
  }
}

export function headerInfo(header: MessageHeader, cacheHit: boolean): MessageHeaderInfo {
  return Object.freeze({
    suite: header.suite,
    messageId: header.messageId,
    encryptionContext: header.encryptionContext,
    encryptedDataKeys: header.encryptedDataKeys,
    frameLength: header.frameLength,
    cacheHit,
  });
}
