/**
 * Envelope throughput against raw node:crypto AES-256-GCM and @aws-crypto/client-node, frame-length
 * sweep, and a 1 GiB stream through encrypt -> decrypt with memory sampling.
 * ENVELOPE_BENCH_STREAM_MIB overrides the stream size (default 1024).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import { fmt, medianMs } from './support';
import { EnvelopeClient } from '../lambda/core/envelope-client';
import { AlgorithmSuiteId, EncryptedDataKey, GenerateDataKeyOutput, KeyProvider } from '../lambda/core/types';

/** No key service: isolates the message format's cost (the SDK side uses a raw AES keyring). */
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

const KiB = 1024;
const MiB = 1024 * 1024;
const mbps = (bytes: number, ms: number) => (bytes / 1e6) / (ms / 1000);
const label = (n: number) => (n >= MiB ? `${n / MiB} MiB` : `${n / KiB} KiB`);

function rawGcm(key: Buffer, data: Buffer): void {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = c.update(data);
  c.final();
  const tag = c.getAuthTag();
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAuthTag(tag);
  d.update(ct);
  d.final();
}

async function throughput(): Promise<void> {
  const ours = new EnvelopeClient({ keyProvider: new InMemoryKeyProvider() });
  const oursSigned = new EnvelopeClient({
    keyProvider: new InMemoryKeyProvider(),
    suite: AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
  });
  const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = new RawAesKeyringNode({
    keyName: 'bench',
    keyNamespace: 'bench',
    unencryptedMasterKey: randomBytes(32),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const key = randomBytes(32);
  console.log('encrypt+decrypt round trip, MB/s of plaintext (median); ratios vs raw GCM and vs the SDK, suite 0x0478, 64 KiB frames');
  console.log('size      raw-gcm   ours   ours/raw   sdk    ours/sdk   ours-0x0578');
  for (const size of [1 * KiB, 64 * KiB, 1 * MiB, 16 * MiB, 64 * MiB]) {
    const data = randomBytes(size);
    const runs = size >= 16 * MiB ? 5 : size >= MiB ? 9 : 31;
    const raw = await medianMs(() => rawGcm(key, data), runs);
    const our = await medianMs(async () => {
      const { message } = await ours.encrypt(data);
      await ours.decrypt(message);
    }, runs);
    const sdkMs = size <= 16 * MiB ? await medianMs(async () => {
      const { result } = await sdk.encrypt(keyring, data, {
        suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
        frameLength: 64 * KiB,
      });
      await sdk.decrypt(keyring, result);
    }, Math.min(runs, 5), 1) : NaN;
    const signed = await medianMs(async () => {
      const { message } = await oursSigned.encrypt(data);
      await oursSigned.decrypt(message);
    }, Math.min(runs, 9));
    console.log([
      label(size).padEnd(9), fmt(mbps(size, raw), 0).padStart(7), fmt(mbps(size, our), 0).padStart(6),
      fmt(raw / our).padStart(9), (Number.isNaN(sdkMs) ? '-' : fmt(mbps(size, sdkMs), 0)).padStart(6),
      (Number.isNaN(sdkMs) ? '-' : fmt(sdkMs / our, 1) + 'x').padStart(9), fmt(mbps(size, signed), 0).padStart(12),
    ].join(' '));
  }
}

async function frameSweep(): Promise<void> {
  const data = randomBytes(16 * MiB);
  console.log('\nframe length sweep, 16 MiB encrypt+decrypt, MB/s');
  for (const frameLength of [4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB]) {
    const c = new EnvelopeClient({ keyProvider: new InMemoryKeyProvider(), frameLength });
    const ms = await medianMs(async () => {
      const { message } = await c.encrypt(data);
      await c.decrypt(message);
    }, 5);
    console.log(`${label(frameLength).padEnd(9)} ${fmt(mbps(data.length, ms), 0).padStart(6)}`);
  }
}

/** Generates `total` pseudo-random bytes without storing them (one reused 1 MiB block). */
function source(total: number): Readable {
  const block = randomBytes(MiB);
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

async function bigStream(): Promise<void> {
  const total = Number(process.env.ENVELOPE_BENCH_STREAM_MIB ?? 1024) * MiB;
  const c = new EnvelopeClient({ keyProvider: new InMemoryKeyProvider() });
  global.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakExternal = base.external + base.arrayBuffers;
  // Sampled from the sink: a timer would starve, since the pipeline runs on microtasks.
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers);
  };
  let out = 0;
  let chunks = 0;
  const t0 = process.hrtime.bigint();
  await pipeline(source(total), c.encryptStream(), c.decryptStream(), new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.length;
      if (++chunks % 64 === 0) sample();
      cb();
    },
  }));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (out !== total) throw new Error(`stream lost bytes: ${out} of ${total}`);
  console.log(`\nstream ${label(total)} encrypt -> decrypt: ${fmt(mbps(total, ms), 0)} MB/s, ` +
    `peak RSS +${fmt((peakRss - base.rss) / MiB, 1)} MiB, peak external+arrayBuffers +${fmt((peakExternal - base.external - base.arrayBuffers) / MiB, 1)} MiB`);
}

export default async function run(): Promise<void> {
  // The stream runs first so its RSS reading is not hidden by the big buffers of the other runs.
  await bigStream();
  await throughput();
  await frameSweep();
}
