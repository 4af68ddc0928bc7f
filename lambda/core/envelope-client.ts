import { Transform } from 'node:stream';
import { checkMinFrameLength as refuseFramesBelow, framedLayout, scanBody } from './body';
import { ConfigurationError, InvalidMessageError } from './errors';
import { checkMaxEncryptedDataKeys, parseHeader } from './header';
import { DefaultMaterialsManager } from './materials';
import {
  checkExpectedContext, checkFrameLength, checkMaxFrameLength, checkMinFrameLength, checkSuite, MessageHeaderInfo, startDecryption,
  startEncryption,
} from './session';
import { assertSignature, readFooter, serializeFooter } from './signature';
import { DecryptStream, EncryptStream } from './streams';
import { suiteInfo } from './suites';
import { AlgorithmSuiteId, EncryptionContext, KeyProvider, MaterialsManager } from './types';

export type { MessageHeaderInfo } from './session';
export { DEFAULT_FRAME_LENGTH, DEFAULT_MAX_FRAME_LENGTH, DEFAULT_MIN_FRAME_LENGTH } from './session';

/** Largest DER ECDSA P-384 signature plus its length field. */
const MAX_FOOTER_LENGTH = 2 + 104;

export interface EnvelopeClientOptions {
  /** Where data keys come from; wrapped in a `DefaultMaterialsManager`. Give this or `materialsManager`. */
  readonly keyProvider?: KeyProvider;
  /** Full control over materials (e.g. a caching materials manager). Give this or `keyProvider`. */
  readonly materialsManager?: MaterialsManager;
  /**
   * Suite for new messages.
   * @default AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY (0x0478, unsigned)
   */
  readonly suite?: AlgorithmSuiteId;
  /**
   * Plaintext bytes per frame for new messages (1 to 2^32-1). Any frame length is accepted on decrypt
   * (by streams up to `maxFrameLength`).
   * @default 262144 (256 KiB)
   */
  readonly frameLength?: number;
  /**
   * Messages with more encrypted data keys than this are rejected before any key provider call.
   * @default 10
   */
  readonly maxEncryptedDataKeys?: number;
  /**
   * The most content bytes a decrypt stream will hold to authenticate one frame, or a non-framed
   * body. A stream refuses a message whose header declares a larger frame length with
   * `LimitExceededError`, before any key provider call and before buffering any of the body (a
   * non-framed body as soon as its length field arrives). Bounds a stream's memory against hostile
   * headers (the format allows 4 GiB frames). Whole-buffer `decrypt()` does not apply it: the
   * message is already in memory, and every declared length is checked against the bytes present.
   * @default 16 MiB (16777216): 64 times the default frame length, 4096 times the other SDKs' 4 KiB
   */
  readonly maxFrameLength?: number;
  /**
   * The shortest frame length a framed message may declare to be decrypted (whole-buffer and
   * streams). Every frame costs a GCM context and a tag check whatever its length, so a message of
   * 1-byte frames costs about 50 times the CPU per message byte of one with 4 KiB frames. Checked on the
   * header, before any key provider call. Raise it (1024 accepts every Encryption SDK's default of
   * 4 KiB and ours) where senders are not trusted.
   * @default 1 (every frame length the format allows; the official test vectors use 1 and 16)
   */
  readonly minFrameLength?: number;
}

export interface EncryptOptions {
  /** Non-secret pairs bound to the message and passed to KMS. Not mutated or retained. @default - empty */
  readonly encryptionContext?: EncryptionContext;
  /** @default - the client's suite */
  readonly suite?: AlgorithmSuiteId;
  /** @default - the client's frame length */
  readonly frameLength?: number;
}

export interface EncryptStreamOptions extends EncryptOptions {
  /**
   * Exact plaintext length, when known. Passed to the materials manager: a data-key cache serves a
   * stream only when its length is stated. The stream fails if the plaintext differs.
   * @default - unknown
   */
  readonly plaintextLength?: number;
}

export interface DecryptOptions {
  /** Decrypt fails unless every pair here is in the message's encryption context. @default - no check */
  readonly expectedEncryptionContext?: EncryptionContext;
}

export interface EncryptResult {
  readonly message: Buffer;
  readonly header: MessageHeaderInfo;
}

export interface DecryptResult {
  readonly plaintext: Buffer;
  readonly header: MessageHeaderInfo;
}

export interface DecryptIntoResult {
  /** Plaintext bytes written at the start of the target buffer. */
  readonly length: number;
  readonly header: MessageHeaderInfo;
}

/**
 * Encrypts and decrypts AWS Encryption SDK message format v2 messages with key commitment
 * (suites 0x0478 and 0x0578), in memory or as Node streams.
 */
export class EnvelopeClient {
  public readonly materialsManager: MaterialsManager;
  public readonly suite: AlgorithmSuiteId;
  public readonly frameLength: number;
  public readonly maxEncryptedDataKeys: number;
  public readonly maxFrameLength: number;
  public readonly minFrameLength: number;

  constructor(options: EnvelopeClientOptions) {
    const { keyProvider, materialsManager } = options ?? {};
    if ((keyProvider === undefined) === (materialsManager === undefined)) {
      throw new ConfigurationError('EnvelopeClient needs exactly one of keyProvider or materialsManager.');
    }
    this.materialsManager = materialsManager ?? new DefaultMaterialsManager(keyProvider as KeyProvider);
    this.suite = checkSuite(options.suite, 'suite');
    this.frameLength = checkFrameLength(options.frameLength, 'frameLength');
    this.maxEncryptedDataKeys = checkMaxEncryptedDataKeys(options.maxEncryptedDataKeys);
    this.maxFrameLength = checkMaxFrameLength(options.maxFrameLength, 'maxFrameLength');
    this.minFrameLength = checkMinFrameLength(options.minFrameLength, 'minFrameLength');
  }

  /** Encrypts `plaintext` into one message. */
  public async encrypt(plaintext: Uint8Array, options: EncryptOptions = {}): Promise<EncryptResult> {
    if (!(plaintext instanceof Uint8Array)) {
      throw new ConfigurationError(`encrypt() takes a Buffer or Uint8Array; received ${typeof plaintext}.`);
    }
    const suite = options.suite === undefined ? this.suite : checkSuite(options.suite, 'suite');
    const frameLength = options.frameLength === undefined ? this.frameLength : checkFrameLength(options.frameLength, 'frameLength');
    const layout = framedLayout(plaintext.length, frameLength);
    const session = await startEncryption(this.materialsManager, {
      suite, frameLength, encryptionContext: options.encryptionContext, plaintextLength: plaintext.length,
    });
    try {
      const bodyEnd = session.headerBytes.length + layout.bodyLength;
      const out = Buffer.allocUnsafe(bodyEnd + (session.signer ? MAX_FOOTER_LENGTH : 0));
      let pos = session.headerBytes.copy(out, 0);
      let offset = 0;
      for (let i = 0; i < layout.regularFrames; i++) {
        pos = session.frames.writeFrame(out, pos, plaintext.subarray(offset, offset + frameLength), false);
        offset += frameLength;
      }
      pos = session.frames.writeFrame(out, pos, plaintext.subarray(offset), true);
      if (pos !== bodyEnd) throw new Error('internal: body size mismatch');
      if (session.signer && session.signingKey) {
        session.signer.update(out.subarray(session.headerBytes.length, bodyEnd));
        pos += serializeFooter(session.signer, session.signingKey).copy(out, pos);
        // DER signatures vary in length; clear the unused tail so the returned view's backing
        // memory holds nothing stale.
        out.fill(0, pos);
      }
      return { message: out.subarray(0, pos), header: session.info };
    } finally {
      session.dispose();
    }
  }

  /**
   * Decrypts one whole message. Releases nothing unless every frame and, for signed messages,
   * the signature verify (the signature first: a badly signed message is never decrypted).
   */
  public async decrypt(message: Uint8Array, options: DecryptOptions = {}): Promise<DecryptResult> {
    return this.decryptMessage(message, options, undefined);
  }

  /**
   * As `decrypt()`, but writes the plaintext into `target` (from its start) instead of a new buffer,
   * and returns its length. For callers that decrypt many messages into one buffer they reuse (and
   * wipe when done): no fresh memory per message, and the plaintext lives exactly as long as the
   * caller keeps it. The same checks run in the same order; if any fails, the bytes of `target` the
   * plaintext would have filled are zeroed. `target` too short for the plaintext, or overlapping
   * `message`, is refused before any key provider call.
   */
  public async decryptInto(message: Uint8Array, target: Uint8Array, options: DecryptOptions = {}): Promise<DecryptIntoResult> {
    if (!(target instanceof Uint8Array)) {
      throw new ConfigurationError(`decryptInto() writes into a Buffer or Uint8Array; received ${typeof target}.`);
    }
    const { plaintext, header } = await this.decryptMessage(message, options, target);
    return { length: plaintext.length, header };
  }

  private async decryptMessage(message: Uint8Array, options: DecryptOptions, target: Uint8Array | undefined): Promise<DecryptResult> {
    if (!(message instanceof Uint8Array)) {
      throw new ConfigurationError(`decrypt() takes a Buffer or Uint8Array; received ${typeof message}.`);
    }
    const buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    const { header, bodyOffset } = parseHeader(buf, { maxEncryptedDataKeys: this.maxEncryptedDataKeys });
    checkExpectedContext(options.expectedEncryptionContext, header.encryptionContext);
    refuseFramesBelow(header, this.minFrameLength);
    // The whole structure (frame lengths and order, footer, no trailing bytes) is checked against
    // the bytes actually present before any key is fetched: a truncated message, or one declaring
    // lengths its buffer does not hold, costs no KMS call. The message is already in memory, so
    // maxFrameLength (a streaming limit) does not apply here.
    const scan = scanBody(header, buf, bodyOffset);
    const signed = suiteInfo(header.suite).signed;
    let end = scan.end;
    let signature: Buffer | undefined;
    if (signed) {
      const footer = readFooter(buf, end);
      if (!footer) throw new InvalidMessageError('The signed message is truncated inside its signature footer: it is incomplete.');
      signature = footer.signature;
      end += footer.length;
    }
    if (end !== buf.length) {
      throw new InvalidMessageError(`The message has ${buf.length - end} unexpected bytes after its end: it was extended or two messages were joined.`);
    }
    const into = target === undefined ? undefined : targetView(target, scan.plaintextLength, message);
    const session = await startDecryption(this.materialsManager, header, buf.subarray(0, bodyOffset));
    try {
      // The signature covers the ciphertext, so it is verified before any frame is decrypted:
      // a message with a bad signature never produces plaintext, not even internally.
      if (session.verifier && session.verificationKey && signature) {
        session.verifier.update(buf.subarray(bodyOffset, scan.end));
        assertSignature(session.verifier, session.verificationKey, signature);
      }
      if (into === undefined) {
        return { plaintext: session.body.decryptAll(buf, bodyOffset, scan), header: session.info };
      }
      session.body.decryptAllInto(buf, bodyOffset, scan, into);
      return { plaintext: into, header: session.info };
    } finally {
      session.dispose();
    }
  }

  /** A Transform stream: plaintext in, one message out. */
  public encryptStream(options: EncryptStreamOptions = {}): Transform {
    const suite = options.suite === undefined ? this.suite : checkSuite(options.suite, 'suite');
    const frameLength = options.frameLength === undefined ? this.frameLength : checkFrameLength(options.frameLength, 'frameLength');
    if (options.plaintextLength !== undefined && (!Number.isSafeInteger(options.plaintextLength) || options.plaintextLength < 0)) {
      throw new ConfigurationError(`plaintextLength must be a non-negative integer; received ${String(options.plaintextLength)}.`);
    }
    return new EncryptStream(this.materialsManager, {
      suite, frameLength, encryptionContext: options.encryptionContext, plaintextLength: options.plaintextLength,
    });
  }

  /**
   * A Transform stream: one message in, plaintext out. Each frame's plaintext is released only
   * after that frame authenticates. For signed messages the signature is checked at the end: the
   * stream then errors, but frames already released stay released (see the docs). Holds at most
   * the header or one frame; frames above `maxFrameLength` are refused before buffering.
   */
  public decryptStream(options: DecryptOptions = {}): Transform {
    return new DecryptStream(this.materialsManager, {
      maxEncryptedDataKeys: this.maxEncryptedDataKeys,
      maxFrameLength: this.maxFrameLength,
      minFrameLength: this.minFrameLength,
      expectedEncryptionContext: options.expectedEncryptionContext,
    });
  }
}

/** `target[0, length)` as a Buffer, after checking it is long enough and shares no byte with `message`. */
function targetView(target: Uint8Array, length: number, message: Uint8Array): Buffer {
  if (target.length < length) {
    throw new ConfigurationError(`decryptInto(): the target holds ${target.length} bytes; this message's plaintext is ${length} bytes.`);
  }
  const view = Buffer.from(target.buffer, target.byteOffset, length);
  if (length > 0 && target.buffer === message.buffer
    && target.byteOffset < message.byteOffset + message.byteLength && message.byteOffset < target.byteOffset + length) {
    throw new ConfigurationError('decryptInto(): the target overlaps the message; decrypt into a separate buffer.');
  }
  return view;
}
