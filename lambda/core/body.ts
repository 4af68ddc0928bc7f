import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ConfigurationError, InvalidMessageError, LimitExceededError } from './errors';
import { ContentType, MessageHeader } from './header';
import { IV_LENGTH, MESSAGE_ID_LENGTH, TAG_LENGTH } from './suites';

const FRAME_LABEL = Buffer.from('AWSKMSEncryptionClient Frame', 'utf8');
const FINAL_FRAME_LABEL = Buffer.from('AWSKMSEncryptionClient Final Frame', 'utf8');
const SINGLE_BLOCK_LABEL = Buffer.from('AWSKMSEncryptionClient Single Block', 'utf8');

/** Sequence-number field value that marks the final frame. */
export const SEQUENCE_NUMBER_END = 0xffffffff;
/** Frames are numbered 1..2^32-1 (the end marker is not a sequence number). */
export const MAX_FRAMES = 0xfffffffe;
/** The largest frame length the header can state. */
export const MAX_FRAME_LENGTH = 0xffffffff;
/** The largest non-framed body the message format allows (2^36 - 32 bytes). */
export const MAX_NON_FRAMED_LENGTH = 2 ** 36 - 32;

const REGULAR_FRAME_OVERHEAD = 4 + IV_LENGTH + TAG_LENGTH;
const FINAL_FRAME_OVERHEAD = 4 + 4 + IV_LENGTH + 4 + TAG_LENGTH;

/**
 * Body AAD: message id || label || uint32 sequence number || uint64 content length. One buffer per
 * label, made on first use (a message of one frame needs only the final frame's) and updated in
 * place per frame (`setAAD` copies it, so reuse is safe). The message id is copied at construction:
 * the caller's buffer is also handed to the user (the header info of a stream), who could change it
 * before the later frames are made.
 */
class BodyAad {
  private readonly messageId: Buffer;
  private regular?: Buffer;
  private final?: Buffer;
  private single?: Buffer;
  constructor(messageId: Uint8Array) {
    this.messageId = Buffer.from(messageId);
  }
  public frame(kind: 'regular' | 'final' | 'single', sequenceNumber: number, contentLength: number): Buffer {
    let b: Buffer;
    if (kind === 'regular') b = this.regular ??= makeAad(this.messageId, FRAME_LABEL);
    else if (kind === 'final') b = this.final ??= makeAad(this.messageId, FINAL_FRAME_LABEL);
    else b = this.single ??= makeAad(this.messageId, SINGLE_BLOCK_LABEL);
    const at = b.length - 12;
    b.writeUInt32BE(sequenceNumber, at);
    b.writeUInt32BE(Math.floor(contentLength / 0x100000000), at + 4);
    b.writeUInt32BE(contentLength % 0x100000000, at + 8);
    return b;
  }
}

function makeAad(messageId: Uint8Array, label: Buffer): Buffer {
  const b = Buffer.allocUnsafe(MESSAGE_ID_LENGTH + label.length + 12);
  b.set(messageId, 0);
  label.copy(b, MESSAGE_ID_LENGTH);
  return b;
}

/** Sizes of a framed body for a plaintext of known length. */
export interface FramedLayout {
  readonly regularFrames: number;
  readonly finalFrameLength: number;
  readonly bodyLength: number;
}

/**
 * Regular frames carry exactly `frameLength` bytes; the final frame carries the rest (1..frameLength
 * bytes, or 0 for an empty plaintext).
 */
export function framedLayout(plaintextLength: number, frameLength: number): FramedLayout {
  const regularFrames = plaintextLength === 0 ? 0 : Math.ceil(plaintextLength / frameLength) - 1;
  if (regularFrames + 1 > MAX_FRAMES) {
    throw new ConfigurationError(`${plaintextLength} bytes at frame length ${frameLength} needs more than ${MAX_FRAMES} frames; use a larger frameLength.`);
  }
  const finalFrameLength = plaintextLength - regularFrames * frameLength;
  return {
    regularFrames,
    finalFrameLength,
    bodyLength: regularFrames * (REGULAR_FRAME_OVERHEAD + frameLength) + FINAL_FRAME_OVERHEAD + finalFrameLength,
  };
}

/** Size in bytes of one frame on the wire. */
export function frameSize(contentLength: number, final: boolean): number {
  return contentLength + (final ? FINAL_FRAME_OVERHEAD : REGULAR_FRAME_OVERHEAD);
}

/**
 * node:crypto returns a new buffer from every update() call. Fed whole 256 KiB+ frames, those
 * temporaries exceed glibc's mmap threshold (128 KiB by default), so each is fresh memory the kernel
 * must fault in and zero; 64 KiB slices stay in malloc's arenas and are reused.
 */
const UPDATE_SLICE = 64 * 1024;

/**
 * Encrypts frames in sequence for one message. The IV of each frame is its sequence number,
 * big-endian in the IV's last 4 bytes, so it never repeats under the message's content key.
 */
export class FrameEncryptor {
  private readonly aad: BodyAad;
  private readonly iv = Buffer.alloc(IV_LENGTH);
  private sequenceNumber = 1;
  private finished = false;

  constructor(private readonly contentKey: Buffer, messageId: Uint8Array, private readonly frameLength: number) {
    this.aad = new BodyAad(messageId);
  }

  /** Writes one frame into `out` at `pos`; returns the position after it. */
  public writeFrame(out: Buffer, pos: number, plaintext: Uint8Array, final: boolean): number {
    if (this.finished) throw new Error('The final frame was already written.');
    if (plaintext.length > this.frameLength || (!final && plaintext.length !== this.frameLength)) {
      throw new Error('Frame content length does not match the frame length.');
    }
    if (this.sequenceNumber > MAX_FRAMES) {
      throw new ConfigurationError(`A message cannot have more than ${MAX_FRAMES} frames; use a larger frameLength.`);
    }
    const seq = this.sequenceNumber++;
    this.iv.writeUInt32BE(seq, IV_LENGTH - 4);
    if (final) {
      pos = out.writeUInt32BE(SEQUENCE_NUMBER_END, pos);
      pos = out.writeUInt32BE(seq, pos);
      pos += this.iv.copy(out, pos);
      pos = out.writeUInt32BE(plaintext.length, pos);
      this.finished = true;
    } else {
      pos = out.writeUInt32BE(seq, pos);
      pos += this.iv.copy(out, pos);
    }
    const cipher = createCipheriv('aes-256-gcm', this.contentKey, this.iv);
    cipher.setAAD(this.aad.frame(final ? 'final' : 'regular', seq, plaintext.length));
    for (let at = 0; at < plaintext.length; at += UPDATE_SLICE) {
      pos += cipher.update(plaintext.subarray(at, at + UPDATE_SLICE)).copy(out, pos);
    }
    pos += cipher.final().copy(out, pos);
    pos += cipher.getAuthTag().copy(out, pos);
    return pos;
  }

  /** Encrypts one frame into a new buffer. */
  public frame(plaintext: Uint8Array, final: boolean): Buffer {
    const out = Buffer.allocUnsafe(frameSize(plaintext.length, final));
    this.writeFrame(out, 0, plaintext, final);
    return out;
  }
}

/** Result of one decode step: more bytes are needed, or one authenticated unit of plaintext. */
export type DecodeStep =
  | { readonly kind: 'need'; readonly bytes: number }
  | { readonly kind: 'plaintext'; readonly plaintext: Buffer; readonly consumed: number; readonly done: boolean };

/** The shape of a whole body, read from its frame headers without decrypting anything. */
export interface BodyScan {
  /** Offset just after the body (where a signature footer starts). */
  readonly end: number;
  /** Total plaintext bytes the body carries. */
  readonly plaintextLength: number;
  /** Frames (or 1 for a non-framed body). */
  readonly units: number;
}

type UnitKind = 'regular' | 'final' | 'single';

/** Where one frame (or the single block) sits: everything but its content is known before decrypting. */
interface Unit {
  readonly kind: UnitKind;
  readonly seq: number;
  readonly ivPos: number;
  readonly contentPos: number;
  readonly length: number;
  /** Bytes of the unit on the wire. */
  readonly total: number;
}

/**
 * Decodes and authenticates a body frame by frame. Each step returns plaintext only after that
 * frame's tag verified. Accepts any frame IV (other SDKs do not all use the sequence number),
 * enforces consecutive sequence numbers, and rejects a final frame longer than the frame length.
 * With `maxUnitLength`, a frame or non-framed body declaring more content than that is refused
 * (`LimitExceededError`) as soon as its length field is read, before its bytes are awaited.
 */
export class BodyDecryptor {
  private readonly aad: BodyAad;
  private sequenceNumber = 1;
  private done = false;

  constructor(private readonly header: MessageHeader, private readonly contentKey: Buffer, private readonly maxUnitLength?: number) {
    this.aad = new BodyAad(header.messageId);
  }

  public get finished(): boolean {
    return this.done;
  }

  /** Decodes the next frame (or the single block) starting at `buf[pos]`. */
  public next(buf: Buffer, pos: number): DecodeStep {
    if (this.done) throw new Error('The body is already complete.');
    const unit = locateUnit(this.header, buf, pos, this.sequenceNumber, this.maxUnitLength);
    if (typeof unit === 'number') return { kind: 'need', bytes: unit };
    const plaintext = this.open(buf, unit);
    if (unit.kind === 'regular') {
      this.sequenceNumber++;
    } else {
      this.done = true;
    }
    return { kind: 'plaintext', plaintext, consumed: unit.total, done: this.done };
  }

  /**
   * Decrypts a whole body already checked by `scanBody` into one buffer. Each frame's plaintext is
   * copied into the result and wiped at once, so only one frame-sized temporary is live at a time
   * (the allocator reuses it) and no stray plaintext copies are left for the garbage collector.
   * On any failure the partial result is wiped before the error propagates.
   */
  public decryptAll(buf: Buffer, pos: number, scan: BodyScan): Buffer {
    if (scan.units === 1) {
      const step = this.next(buf, pos);
      if (step.kind !== 'plaintext') throw new Error('internal: body changed after scan');
      return step.plaintext;
    }
    const out = Buffer.allocUnsafe(scan.plaintextLength);
    this.decryptAllInto(buf, pos, scan, out);
    return out;
  }

  /**
   * As `decryptAll`, into `out[0, scan.plaintextLength)` (the caller checked it is that long and
   * does not overlap `buf`). On any failure that range is wiped before the error propagates.
   */
  public decryptAllInto(buf: Buffer, pos: number, scan: BodyScan, out: Buffer): void {
    const end = scan.plaintextLength;
    let at = 0;
    try {
      for (;;) {
        const unit = locateUnit(this.header, buf, pos, this.sequenceNumber, this.maxUnitLength);
        if (typeof unit === 'number' || at + unit.length > end) throw new Error('internal: body changed after scan');
        at = this.openInto(buf, unit, out, at);
        pos += unit.total;
        if (unit.kind === 'regular') {
          this.sequenceNumber++;
        } else {
          this.done = true;
          break;
        }
      }
      if (at !== end) throw new Error('internal: body changed after scan');
    } catch (err) {
      out.fill(0, 0, end);
      throw err;
    }
  }

  /**
   * Decrypts one unit into `out` at `at` (a whole-body decrypt: `out` is wiped by the caller if any unit
   * fails, and returned only once every unit authenticated). Fed in slices, like FrameEncryptor.
   */
  private openInto(buf: Buffer, unit: Unit, out: Buffer, at: number): number {
    const { ivPos, contentPos, length, kind, seq } = unit;
    const decipher = createDecipheriv('aes-256-gcm', this.contentKey, buf.subarray(ivPos, ivPos + IV_LENGTH));
    decipher.setAAD(this.aad.frame(kind, seq, length));
    decipher.setAuthTag(buf.subarray(contentPos + length, contentPos + length + TAG_LENGTH));
    for (let off = 0; off < length; off += UPDATE_SLICE) {
      const piece = decipher.update(buf.subarray(contentPos + off, contentPos + Math.min(off + UPDATE_SLICE, length)));
      at += piece.copy(out, at);
      piece.fill(0);
    }
    try {
      decipher.final();
    } catch {
      throw new InvalidMessageError(`Body ${kind === 'single' ? 'block' : `frame ${seq}`} does not authenticate: the message was modified or is corrupt.`);
    }
    return at;
  }

  private open(buf: Buffer, unit: Unit): Buffer {
    const { ivPos, contentPos, length, kind, seq } = unit;
    const decipher = createDecipheriv('aes-256-gcm', this.contentKey, buf.subarray(ivPos, ivPos + IV_LENGTH));
    decipher.setAAD(this.aad.frame(kind, seq, length));
    decipher.setAuthTag(buf.subarray(contentPos + length, contentPos + length + TAG_LENGTH));
    const plaintext = decipher.update(buf.subarray(contentPos, contentPos + length));
    try {
      decipher.final();
    } catch {
      plaintext.fill(0);
      throw new InvalidMessageError(`Body ${kind === 'single' ? 'block' : `frame ${seq}`} does not authenticate: the message was modified or is corrupt.`);
    }
    return plaintext;
  }
}

/**
 * Reads the whole body's structure from `buf[pos]` on (sequence numbers, lengths) without
 * decrypting or allocating, so a truncated, re-ordered or absurdly long body is refused before
 * any key is fetched. Throws `InvalidMessageError` if `buf` ends inside the body.
 */
export function scanBody(header: MessageHeader, buf: Buffer, pos: number): BodyScan {
  let seq = 1;
  let plaintextLength = 0;
  for (;;) {
    const unit = locateUnit(header, buf, pos, seq);
    if (typeof unit === 'number') {
      throw new InvalidMessageError(`The message is truncated inside its body: ${seq === 1 ? 'its first' : `frame ${seq}`} ${header.contentType === ContentType.NON_FRAMED ? 'block' : 'frame'} needs ${unit} bytes but ${buf.length - pos} remain.`);
    }
    pos += unit.total;
    plaintextLength += unit.length;
    if (unit.kind !== 'regular') return { end: pos, plaintextLength, units: seq };
    seq++;
  }
}

/**
 * The unit at `buf[pos]`, or the number of bytes needed to hold it. Reads only lengths and
 * sequence numbers; refuses content above `maxUnitLength` before asking for its bytes.
 */
function locateUnit(header: MessageHeader, buf: Buffer, pos: number, expected: number, maxUnitLength?: number): Unit | number {
  const avail = buf.length - pos;
  if (header.contentType === ContentType.NON_FRAMED) {
    const fixed = IV_LENGTH + 8;
    if (avail < fixed) return fixed;
    const hi = buf.readUInt32BE(pos + IV_LENGTH);
    const lo = buf.readUInt32BE(pos + IV_LENGTH + 4);
    const length = hi * 0x100000000 + lo;
    if (length > MAX_NON_FRAMED_LENGTH) {
      throw new InvalidMessageError('The non-framed body states a length above the format limit: the message is corrupt.');
    }
    checkLimit(maxUnitLength, length, 'a non-framed body');
    const total = fixed + length + TAG_LENGTH;
    if (avail < total) return total;
    return { kind: 'single', seq: 1, ivPos: pos, contentPos: pos + fixed, length, total };
  }
  if (avail < 4) return 4;
  const first = buf.readUInt32BE(pos);
  if (first === SEQUENCE_NUMBER_END) {
    const fixed = 4 + 4 + IV_LENGTH + 4;
    if (avail < fixed) return fixed;
    const seq = buf.readUInt32BE(pos + 4);
    if (seq !== expected) throw outOfOrder(seq, expected);
    const length = buf.readUInt32BE(pos + 4 + 4 + IV_LENGTH);
    if (length > header.frameLength) {
      throw new InvalidMessageError('The final frame is longer than the frame length in the header: the message is corrupt.');
    }
    checkLimit(maxUnitLength, length, 'a final frame');
    const total = fixed + length + TAG_LENGTH;
    if (avail < total) return total;
    return { kind: 'final', seq, ivPos: pos + 8, contentPos: pos + fixed, length, total };
  }
  if (first !== expected) throw outOfOrder(first, expected);
  if (expected > MAX_FRAMES - 1) {
    throw new InvalidMessageError('The message has more frames than the format allows: the message is corrupt.');
  }
  const length = header.frameLength;
  checkLimit(maxUnitLength, length, 'frames');
  const total = 4 + IV_LENGTH + length + TAG_LENGTH;
  if (avail < total) return total;
  return { kind: 'regular', seq: first, ivPos: pos + 4, contentPos: pos + 4 + IV_LENGTH, length, total };
}

function checkLimit(max: number | undefined, length: number, what: string): void {
  if (max !== undefined && length > max) throw frameTooLarge(what, length, max);
}

/**
 * The error for a frame (or non-framed body) above the decrypt stream's `maxFrameLength`. Lengths
 * are not secret, so the message states them.
 */
export function frameTooLarge(what: string, length: number, max: number): LimitExceededError {
  return new LimitExceededError(`The message declares ${what} of ${length} bytes, above maxFrameLength (${max} bytes): a decrypt stream must hold a whole frame before it can authenticate it. Raise maxFrameLength on the EnvelopeClient only if you trust the sender, or decrypt the message as one buffer with decrypt().`);
}

/**
 * Refuses a framed message whose header declares frames shorter than `minFrameLength`: each frame
 * costs a GCM context and a tag check whatever its length, so tiny frames multiply the CPU a
 * message of a given size costs to decrypt (frame length 1: about 50 times that of 4 KiB frames per
 * byte). Frame lengths are not secret, so the message states them.
 */
export function checkMinFrameLength(header: MessageHeader, minFrameLength: number): void {
  if (header.contentType === ContentType.FRAMED && header.frameLength < minFrameLength) {
    throw new LimitExceededError(`The message declares frames of ${header.frameLength} bytes, below minFrameLength (${minFrameLength} bytes): tiny frames multiply the CPU a message costs to decrypt. Lower minFrameLength on the EnvelopeClient only if you trust the sender.`);
  }
}

function outOfOrder(got: number, expected: number): InvalidMessageError {
  return new InvalidMessageError(`Frame sequence number ${got} where ${expected} was expected: frames are missing, repeated or re-ordered.`);
}
