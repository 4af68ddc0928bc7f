import { Transform, TransformCallback } from 'node:stream';
import { checkMinFrameLength, frameTooLarge } from './body';
import { ConfigurationError, InvalidMessageError } from './errors';
import { ContentType, parseHeaderPrefix } from './header';
import {
  checkExpectedContext, checkMaxFrameLength, DecryptionSession, EncryptionSession, MessageHeaderInfo, startDecryption, startEncryption,
} from './session';
import { assertSignature, readFooter, serializeFooter } from './signature';
import { AlgorithmSuiteId, EncryptionContext, MaterialsManager } from './types';

/** A FIFO of byte chunks that hands out contiguous views, copying only when a read spans chunks. */
class ByteQueue {
  private chunks: Buffer[] = [];
  public length = 0;

  public push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** A buffer holding at least the first `n` bytes (callers check `length >= n`). */
  public peek(n: number): Buffer {
    if (this.chunks.length === 0) return Buffer.alloc(0);
    if (this.chunks[0].length >= n) return this.chunks[0];
    let size = 0;
    let count = 0;
    while (size < n && count < this.chunks.length) size += this.chunks[count++].length;
    const merged = Buffer.concat(this.chunks.slice(0, count), size);
    this.chunks.splice(0, count, merged);
    return merged;
  }

  /** Removes and returns exactly the first `n` bytes. */
  public take(n: number): Buffer {
    const head = this.peek(n).subarray(0, n);
    this.consume(n);
    return head;
  }

  public consume(n: number): void {
    this.length -= n;
    while (n > 0) {
      const first = this.chunks[0];
      if (first.length <= n) {
        n -= first.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }
}

function toBuffer(chunk: unknown, encoding: BufferEncoding): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding);
  throw new ConfigurationError('Streams take Buffer, Uint8Array or string chunks.');
}

export interface EncryptStreamParams {
  readonly suite: AlgorithmSuiteId;
  readonly frameLength: number;
  readonly encryptionContext?: EncryptionContext;
  readonly plaintextLength?: number;
}

/**
 * Plaintext in, one framed message out. Buffers at most one frame of plaintext; a frame is held
 * back until more input arrives, so the last one can be written as the final frame.
 */
export class EncryptStream extends Transform {
  /** The message's header info, once the header has been written. */
  public header?: MessageHeaderInfo;
  private session?: EncryptionSession;
  private readonly queue = new ByteQueue();
  private bytesIn = 0;

  constructor(private readonly materialsManager: MaterialsManager, private readonly params: EncryptStreamParams) {
    super();
  }

  public _transform(chunk: unknown, encoding: BufferEncoding, callback: TransformCallback): void {
    this.run(async () => {
      const buf = toBuffer(chunk, encoding);
      this.bytesIn += buf.length;
      this.checkLength(false);
      const session = await this.start();
      this.queue.push(buf);
      // Strictly more than a frame: the final frame must carry the last 0..frameLength bytes.
      while (this.queue.length > session.frameLength) this.emitFrame(session, this.queue.take(session.frameLength), false);
    }, callback);
  }

  public _flush(callback: TransformCallback): void {
    this.run(async () => {
      this.checkLength(true);
      const session = await this.start();
      this.emitFrame(session, this.queue.take(this.queue.length), true);
      if (session.signer && session.signingKey) this.push(serializeFooter(session.signer, session.signingKey));
      session.dispose();
    }, callback);
  }

  public _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.session?.dispose();
    callback(err);
  }

  private emitFrame(session: EncryptionSession, plaintext: Buffer, final: boolean): void {
    const frame = session.frames.frame(plaintext, final);
    session.signer?.update(frame);
    this.push(frame);
  }

  private async start(): Promise<EncryptionSession> {
    if (!this.session) {
      const session = await startEncryption(this.materialsManager, this.params);
      this.session = session;
      // Destroyed while the materials were on their way: _destroy already ran without a session.
      if (this.destroyed) {
        session.dispose();
        throw new ConfigurationError('The encrypt stream was destroyed before its data key arrived.');
      }
      this.header = this.session.info;
      this.push(this.session.headerBytes);
      this.emit('header', this.session.info);
    }
    return this.session;
  }

  private checkLength(atEnd: boolean): void {
    const stated = this.params.plaintextLength;
    if (stated === undefined) return;
    if (this.bytesIn > stated || (atEnd && this.bytesIn !== stated)) {
      throw new ConfigurationError(`The stream carried ${atEnd ? this.bytesIn : `more than ${stated}`} bytes but plaintextLength said ${stated}; state the exact length or leave it out.`);
    }
  }

  private run(work: () => Promise<void>, callback: TransformCallback): void {
    work().then(() => callback(), (err: Error) => callback(err));
  }
}

export interface DecryptStreamParams {
  readonly maxEncryptedDataKeys: number;
  /**
   * Refuse (LimitExceededError) a header declaring frames longer than this, or a non-framed body
   * longer than this, before buffering them. @default DEFAULT_MAX_FRAME_LENGTH (16 MiB)
   */
  readonly maxFrameLength?: number;
  /** Refuse (LimitExceededError) a header declaring frames shorter than this. @default 1 */
  readonly minFrameLength?: number;
  readonly expectedEncryptionContext?: EncryptionContext;
}

type DecryptState = 'header' | 'body' | 'footer' | 'done';

/**
 * One message in, plaintext out. Holds at most the header or one frame (never more than
 * `maxFrameLength` of content: larger declared frames are refused before buffering); each frame's
 * plaintext is pushed only after its tag verifies. A signed message's signature is checked when its footer
 * arrives, after the frames were released.
 */
export class DecryptStream extends Transform {
  /** The message's header info, once the header has authenticated. */
  public header?: MessageHeaderInfo;
  private session?: DecryptionSession;
  private readonly queue = new ByteQueue();
  private state: DecryptState = 'header';
  private need = 1;
  private readonly maxFrameLength: number;

  constructor(private readonly materialsManager: MaterialsManager, private readonly params: DecryptStreamParams) {
    super();
    this.maxFrameLength = checkMaxFrameLength(params.maxFrameLength, 'maxFrameLength');
  }

  public _transform(chunk: unknown, encoding: BufferEncoding, callback: TransformCallback): void {
    this.queue.push(toBuffer(chunk, encoding));
    this.process().then(() => callback(), (err: Error) => callback(err));
  }

  public _flush(callback: TransformCallback): void {
    this.process().then(() => {
      if (this.state !== 'done') {
        throw new InvalidMessageError(`The message stream ended inside its ${this.state === 'header' ? 'header' : this.state === 'body' ? 'body' : 'signature footer'}: it is truncated.`);
      }
      callback();
    }).catch((err: Error) => callback(err));
  }

  public _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.session?.dispose();
    callback(err);
  }

  private async process(): Promise<void> {
    for (;;) {
      if (this.state === 'done') {
        if (this.queue.length > 0) {
          throw new InvalidMessageError('The message stream has unexpected bytes after its end: it was extended or two messages were joined.');
        }
        return;
      }
      if (this.queue.length < this.need) return;
      if (this.state === 'header') {
        const buf = this.queue.peek(this.queue.length);
        const parsed = parseHeaderPrefix(buf, { maxEncryptedDataKeys: this.params.maxEncryptedDataKeys });
        if ('needBytes' in parsed) {
          this.need = parsed.needBytes;
          return;
        }
        checkExpectedContext(this.params.expectedEncryptionContext, parsed.header.encryptionContext);
        // Before any key provider call and before waiting for a single frame byte.
        if (parsed.header.contentType === ContentType.FRAMED && parsed.header.frameLength > this.maxFrameLength) {
          throw frameTooLarge('frames', parsed.header.frameLength, this.maxFrameLength);
        }
        checkMinFrameLength(parsed.header, this.params.minFrameLength ?? 1);
        const headerBytes = Buffer.from(buf.subarray(0, parsed.bodyOffset));
        this.queue.consume(parsed.bodyOffset);
        const session = await startDecryption(this.materialsManager, parsed.header, headerBytes, { maxFrameLength: this.maxFrameLength });
        this.session = session;
        // Destroyed while the data key was on its way: _destroy already ran without a session.
        if (this.destroyed) {
          session.dispose();
          return;
        }
        this.header = this.session.info;
        this.emit('header', this.session.info);
        this.state = 'body';
        this.need = 1;
      } else if (this.state === 'body') {
        const session = this.session as DecryptionSession;
        const buf = this.queue.peek(this.need);
        const step = session.body.next(buf, 0);
        if (step.kind === 'need') {
          this.need = step.bytes;
          continue;
        }
        session.verifier?.update(buf.subarray(0, step.consumed));
        this.queue.consume(step.consumed);
        this.need = 1;
        if (step.done) {
          this.state = session.verifier ? 'footer' : 'done';
          if (!session.verifier) session.dispose();
        }
        if (step.plaintext.length > 0) this.push(step.plaintext);
      } else {
        const session = this.session as DecryptionSession;
        const head = this.queue.peek(Math.max(this.need, 2));
        const footer = readFooter(head, 0);
        if (!footer) {
          // Wait for the whole signature its length field announces, not for one more byte.
          this.need = head.length < 2 ? 2 : 2 + head.readUInt16BE(0);
          continue;
        }
        assertSignature(session.verifier!, session.verificationKey!, footer.signature);
        this.queue.consume(footer.length);
        session.dispose();
        this.state = 'done';
      }
    }
  }
}
