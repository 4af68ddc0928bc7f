/**
 * Peak RSS while streaming a large plaintext (1 GiB by default) through encryptStream, and through
 * encryptStream -> decryptStream, each in its own fresh `node` process so nothing else the bench
 * allocated counts. The peak is the kernel's high-water mark (`resourceUsage().maxRSS`) at the end.
 * The baseline is the same source piped through a PassThrough in the same kind of process.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { KiB, mbps, MiB } from './support';
import { EnvelopeClient } from '../lambda/core/envelope-client';
import { EncryptedDataKey, GenerateDataKeyOutput, KeyProvider } from '../lambda/core/types';

export type StreamMode = 'baseline' | 'encrypt' | 'encrypt-decrypt';
export const STREAM_MODES: readonly StreamMode[] = ['baseline', 'encrypt', 'encrypt-decrypt'];

export interface StreamRun {
  readonly mode: StreamMode;
  readonly bytes: number;
  /** MB/s of plaintext through the whole pipeline. */
  readonly mbps: number;
  /** The process's peak resident set, MiB (includes Node itself). */
  readonly peakRssMiB: number;
  /** RSS before the stream started, MiB. */
  readonly startRssMiB: number;
}

/** One data key, no key service: a stream's memory is the envelope's, not a KMS client's. */
class InMemoryKeyProvider implements KeyProvider {
  public readonly providerId = 'bench';
  public readonly keyId = 'bench-key';
  public async generateDataKey(): Promise<GenerateDataKeyOutput> {
    const key = randomBytes(32);
    return { plaintextDataKey: key, encryptedDataKey: { providerId: 'bench', providerInfo: 'bench-key', encryptedDataKey: Buffer.from(key) } };
  }
  public async decryptDataKey(input: { encryptedDataKey: EncryptedDataKey }): Promise<Buffer> {
    return Buffer.from(input.encryptedDataKey.encryptedDataKey);
  }
  public async reEncryptDataKey(): Promise<EncryptedDataKey> {
    throw new Error('not used');
  }
  public canDecrypt(edk: EncryptedDataKey): boolean {
    return edk.providerId === 'bench';
  }
}

/** `total` pseudo-random bytes in 64 KiB chunks (a file read stream's size), from one reused block. */
function source(total: number): Readable {
  const block = randomBytes(64 * KiB);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(block.length, total - sent);
      sent += n;
      this.push(Buffer.from(block.subarray(0, n)));
    },
  });
}

/** Child side: runs one stream and reports its memory. */
export async function streamRun(mode: StreamMode, bytes: number): Promise<StreamRun> {
  const client = new EnvelopeClient({ keyProvider: new InMemoryKeyProvider() });
  const stages: Transform[] = mode === 'baseline' ? [new PassThrough()]
    : mode === 'encrypt' ? [client.encryptStream()]
      : [client.encryptStream(), client.decryptStream()];
  let out = 0;
  const startRssMiB = process.memoryUsage().rss / MiB;
  const t0 = process.hrtime.bigint();
  await pipeline([source(bytes), ...stages, new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.length;
      cb();
    },
  })]);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (mode !== 'encrypt' && out !== bytes) throw new Error(`stream lost bytes: ${out} of ${bytes}`);
  if (mode === 'encrypt' && out <= bytes) throw new Error(`encrypted stream too short: ${out} for ${bytes}`);
  return { mode, bytes, mbps: mbps(bytes, ms), peakRssMiB: process.resourceUsage().maxRSS / KiB, startRssMiB };
}
