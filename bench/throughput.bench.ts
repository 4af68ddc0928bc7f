/**
 * Whole-buffer throughput of ours against raw node:crypto AES-256-GCM (the ceiling), in a child
 * process that holds nothing else: no Encryption SDK (bench/envelope.bench.ts measures ours against
 * it in a process of their own). Whichever contender runs when the garbage collector runs pays for
 * everything the previous contenders left behind; the SDK leaves far more than ours or raw GCM, and
 * with all of them in one process ours and sliced raw GCM lost up to half their speed to it.
 *
 * All contenders of one size run in the same rounds, in rotating order; ratios are taken per round
 * (paired) and reported as median and IQR.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { oursWithWarmCache } from './ours';
import {
  batchFor, Contender, interleave, KiB, mbps, median, MiB, pairedRatio, quantile, Spread,
} from './support';
import { DEFAULT_FRAME_LENGTH } from '../lambda/core/envelope-client';
import { LocalKms } from '../lambda/providers/local-kms';

export const THROUGHPUT_SIZES = [1 * KiB, 64 * KiB, 1 * MiB, 16 * MiB];

/**
 * One contender's encrypt and decrypt of the same plaintext; `decrypt` opens a message made once.
 * A contender without `encrypt` is measured decrypting only.
 */
export interface Pair {
  readonly name: string;
  readonly encrypt?: () => unknown;
  readonly decrypt: () => unknown;
}

/** node:crypto's GCM is fed this much per update() call by the sliced contenders (ours feeds the same). */
const SLICE = 64 * KiB;

/**
 * Raw AES-256-GCM, no framing, no KDF, no header, three ways each direction:
 * - `raw`: one update() over the whole buffer, whose output node:crypto allocates afresh each call;
 * - `raw-sliced`: 64 KiB slices, each slice's output copied into one output buffer reused by every
 *   call (no fresh memory per call);
 * - `raw-sliced-fresh`: the same into a fresh output buffer per call, as any whole-buffer API that
 *   returns a new message must: the difference to `raw-sliced` is what a fresh output costs.
 * The ceiling of a round is the faster of `raw` and `raw-sliced` in that round.
 */
function rawPairs(data: Buffer): Pair[] {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(data), c.final()]);
  const tag = c.getAuthTag();
  const reused = Buffer.allocUnsafe(data.length);
  const sealSliced = (out: Buffer) => {
    const e = createCipheriv('aes-256-gcm', key, iv);
    let pos = 0;
    for (let at = 0; at < data.length; at += SLICE) pos += e.update(data.subarray(at, at + SLICE)).copy(out, pos);
    e.final();
    e.getAuthTag();
    return out;
  };
  const openSliced = (out: Buffer) => {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAuthTag(tag);
    let pos = 0;
    for (let at = 0; at < ct.length; at += SLICE) pos += d.update(ct.subarray(at, at + SLICE)).copy(out, pos);
    d.final();
    return out;
  };
  return [
    {
      name: 'raw',
      encrypt: () => {
        const e = createCipheriv('aes-256-gcm', key, iv);
        const out = e.update(data);
        e.final();
        e.getAuthTag();
        return out;
      },
      decrypt: () => {
        const d = createDecipheriv('aes-256-gcm', key, iv);
        d.setAuthTag(tag);
        const out = d.update(ct);
        d.final();
        return out;
      },
    },
    { name: 'raw-sliced', encrypt: () => sealSliced(reused), decrypt: () => openSliced(reused) },
    {
      name: 'raw-sliced-fresh',
      encrypt: () => sealSliced(Buffer.allocUnsafe(data.length)),
      decrypt: () => openSliced(Buffer.allocUnsafe(data.length)),
    },
  ];
}

export interface ThroughputRow {
  readonly size: number;
  readonly rounds: number;
  /** Median MB/s (10^6 bytes of plaintext per CPU second) per contender and direction. */
  readonly mbps: Record<string, { encrypt: number; decrypt: number }>;
  /** Paired per-round ratios of CPU time: ours' speed over the other's (above 1 = ours faster). */
  readonly oursVs: Record<string, { encrypt: Spread; decrypt: Spread }>;
  /** CPU ms per call of every sample, per contender and direction (for ratios across processes). */
  readonly cpuMs: Record<string, { encrypt: number[]; decrypt: number[] }>;
  /** Median minor page faults per call (fresh memory from the OS). */
  readonly faults: Record<string, { encrypt: number; decrypt: number }>;
  /** Ours decrypting with decryptInto() into a reused target: MB/s, faults per call, speed over the ceiling's. */
  readonly oursInto?: { readonly mbps: number; readonly faults: number; readonly vsCeiling: Spread };
  /** Rounds in which whole-buffer raw GCM was the faster raw way (the ceiling), per direction. */
  readonly ceilingWholeBufferRounds?: { encrypt: number; decrypt: number };
}

export interface ThroughputResult {
  readonly frameLength: number;
  readonly contenders: Record<string, string>;
  /** How the samples were taken (CPU pinning, sample length, warm-up). */
  readonly method: string;
  readonly rows: ThroughputRow[];
  /**
   * Ours against raw GCM again at the larger sizes, in a child left with glibc's default malloc
   * settings (the main rows run with the bench's steadier settings: see bench/index.ts).
   */
  readonly defaultAllocator?: ThroughputResult;
}

/** Every contender's sample lasts about this long (several calls per sample for fast ones). */
export const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS ?? 100);

export const CEILING_CONTENDERS: Record<string, string> = {
  'raw': 'node:crypto AES-256-GCM, one update() over the whole buffer into the fresh buffer node:crypto returns',
  'raw-sliced': 'node:crypto AES-256-GCM in 64 KiB update() slices, copied into one output buffer reused by every call',
  'raw-sliced-fresh': 'as raw-sliced, into a fresh output buffer per call (what any whole-buffer API returning a new message pays)',
  'ceiling': 'the faster of raw and raw-sliced in each round',
  'ours': `ours, whole-buffer encrypt()/decrypt(), suite 0x0478, ${DEFAULT_FRAME_LENGTH / KiB} KiB frames (defaults), LocalKms provider behind a warm data-key cache`,
  'ours-into': 'ours, decryptInto() a target buffer reused by every call (decrypt only; what a caller that reuses its plaintext buffer gets)',
};

/** Rounds per size: fewer at 16 MiB, whose samples are one or two calls each. */
export const roundsFor = (size: number): number => (size >= 16 * MiB ? 21 : 31);

/** Builds each pair's contenders (a batch per sample sized to SAMPLE_MS) and runs them interleaved. */
export async function measurePairs(pairs: readonly Pair[], rounds: number) {
  const list: Contender[] = [];
  for (const p of pairs) {
    if (p.encrypt) list.push({ name: `${p.name}:encrypt`, run: p.encrypt, batch: await batchFor(p.encrypt, SAMPLE_MS) });
    list.push({ name: `${p.name}:decrypt`, run: p.decrypt, batch: await batchFor(p.decrypt, SAMPLE_MS) });
  }
  const t = await interleave(list, rounds);
  return {
    cpu: (name: string, dir: string): number[] => t.get(`${name}:${dir}`)!.cpuMs,
    faults: (name: string, dir: string): number => quantile(t.get(`${name}:${dir}`)!.faults, 0.5),
  };
}

/** Ours against raw GCM, in a process without the Encryption SDK. */
export async function throughput(sizes: readonly number[] = THROUGHPUT_SIZES): Promise<ThroughputResult> {
  const kms = new LocalKms();
  const keyArn = (await kms.createKey({ Description: 'bench' })).KeyMetadata.Arn;
  const { client: ours } = await oursWithWarmCache(kms, keyArn);
  const rows: ThroughputRow[] = [];
  for (const size of sizes) {
    const data = randomBytes(size);
    const oursMessage = (await ours.encrypt(data)).message;
    const target = Buffer.alloc(size);
    const pairs: Pair[] = [
      ...rawPairs(data),
      { name: 'ours', encrypt: () => ours.encrypt(data), decrypt: () => ours.decrypt(oursMessage) },
      { name: 'ours-into', decrypt: () => ours.decryptInto(oursMessage, target) },
    ];
    const rounds = roundsFor(size);
    const { cpu, faults } = await measurePairs(pairs, rounds);
    const ceilingCpu = (dir: string) => cpu('raw', dir).map((w, i) => Math.min(w, cpu('raw-sliced', dir)[i]));
    const row: ThroughputRow = {
      size,
      rounds,
      mbps: {},
      cpuMs: {},
      oursVs: {},
      faults: {},
      oursInto: {
        mbps: mbps(size, median(cpu('ours-into', 'decrypt'))),
        faults: faults('ours-into', 'decrypt'),
        vsCeiling: pairedRatio(ceilingCpu('decrypt'), cpu('ours-into', 'decrypt')),
      },
      ceilingWholeBufferRounds: {
        encrypt: cpu('raw', 'encrypt').filter((w, i) => w <= cpu('raw-sliced', 'encrypt')[i]).length,
        decrypt: cpu('raw', 'decrypt').filter((w, i) => w <= cpu('raw-sliced', 'decrypt')[i]).length,
      },
    };
    for (const p of pairs) {
      if (!p.encrypt) continue;
      row.mbps[p.name] = { encrypt: mbps(size, median(cpu(p.name, 'encrypt'))), decrypt: mbps(size, median(cpu(p.name, 'decrypt'))) };
      row.cpuMs[p.name] = { encrypt: cpu(p.name, 'encrypt'), decrypt: cpu(p.name, 'decrypt') };
      if (p.name !== 'ours') {
        row.oursVs[p.name] = {
          encrypt: pairedRatio(cpu(p.name, 'encrypt'), cpu('ours', 'encrypt')),
          decrypt: pairedRatio(cpu(p.name, 'decrypt'), cpu('ours', 'decrypt')),
        };
      }
      row.faults[p.name] = { encrypt: faults(p.name, 'encrypt'), decrypt: faults(p.name, 'decrypt') };
    }
    row.mbps.ceiling = { encrypt: mbps(size, median(ceilingCpu('encrypt'))), decrypt: mbps(size, median(ceilingCpu('decrypt'))) };
    row.oursVs.ceiling = {
      encrypt: pairedRatio(ceilingCpu('encrypt'), cpu('ours', 'encrypt')),
      decrypt: pairedRatio(ceilingCpu('decrypt'), cpu('ours', 'decrypt')),
    };
    rows.push(row);
  }
  return { frameLength: DEFAULT_FRAME_LENGTH, contenders: CEILING_CONTENDERS, method: samplingMethod(), rows };
}

/** Rounds of the 1 KiB rate (short samples, so many rounds). */
export const SMALL_RATE_ROUNDS = 41;

/**
 * Ours alone at 1 KiB with a warm cache, as bench/envelope.bench.ts's smallMessageRate measures it
 * beside the Encryption SDK (same suite, context and cache limits), in a process without the SDK.
 */
export interface SmallRateAlone {
  readonly opsPerSecond: { encrypt: number; decrypt: number };
  readonly cpuMs: { encrypt: number[]; decrypt: number[] };
}

export async function smallRateAlone(): Promise<SmallRateAlone> {
  const kms = new LocalKms();
  const keyArn = (await kms.createKey({ Description: 'bench' })).KeyMetadata.Arn;
  const { client: ours } = await oursWithWarmCache(kms, keyArn);
  const data = randomBytes(KiB);
  const context = { purpose: 'bench' };
  const message = (await ours.encrypt(data, { encryptionContext: context })).message;
  const encrypt = () => ours.encrypt(data, { encryptionContext: context });
  const decrypt = () => ours.decrypt(message);
  const t = await interleave([
    { name: 'encrypt', run: encrypt, batch: await batchFor(encrypt, SAMPLE_MS) },
    { name: 'decrypt', run: decrypt, batch: await batchFor(decrypt, SAMPLE_MS) },
  ], SMALL_RATE_ROUNDS);
  const cpuMs = { encrypt: t.get('encrypt')!.cpuMs, decrypt: t.get('decrypt')!.cpuMs };
  return { opsPerSecond: { encrypt: 1000 / median(cpuMs.encrypt), decrypt: 1000 / median(cpuMs.decrypt) }, cpuMs };
}

/** How this child process was measured, for the report. */
export function samplingMethod(): string {
  const pinned = process.env.BENCH_PINNED_CPU;
  const mmap = process.env.MALLOC_MMAP_THRESHOLD_;
  const trim = process.env.MALLOC_TRIM_THRESHOLD_;
  const allocator = mmap !== undefined && trim !== undefined
    ? `glibc malloc with MALLOC_MMAP_THRESHOLD_=${mmap} and MALLOC_TRIM_THRESHOLD_=${trim} (freed memory stays with the process)`
    : 'glibc malloc at its defaults';
  return `CPU time (user + system) per call, ${SAMPLE_MS} ms samples, 2 warm-up rounds, contenders interleaved in rotating order, `
    + `${pinned !== undefined ? `process pinned to CPU ${pinned} (taskset)` : 'process not pinned (taskset unavailable)'}, ${allocator}`;
}

/**
 * Speed ratio of two contenders measured in different processes (not paired round by round): the
 * ratio of their medians, with a range from their quartiles (baseline's first over ours' third, and
 * the other way), which is wider than a paired IQR would be.
 */
export function unpairedRatio(baseline: readonly number[], ours: readonly number[]): Spread {
  return {
    median: median(baseline) / median(ours),
    p25: quantile(baseline, 0.25) / quantile(ours, 0.75),
    p75: quantile(baseline, 0.75) / quantile(ours, 0.25),
  };
}

/** Suffix of the figures of Encryption SDK contenders measured in a process without ours. */
export const ALONE = '-alone';

/**
 * One row per size: ours against raw GCM from the ceiling child; the Encryption SDK's figures and
 * ours over them, paired, from the child where both ran; and ours (from the ceiling child) over
 * the SDK measured in a child of its own, unpaired, under `<sdk>-alone`.
 */
export function mergeThroughput(
  ceiling: ThroughputResult, sdk: ThroughputResult, sdkAlone: ThroughputResult, defaultAllocator?: ThroughputResult,
): ThroughputResult {
  const rows = ceiling.rows.map((row) => {
    const paired = sdk.rows.find((r) => r.size === row.size);
    const alone = sdkAlone.rows.find((r) => r.size === row.size);
    const merged = {
      ...row,
      mbps: { ...row.mbps, ...paired?.mbps },
      oursVs: { ...row.oursVs, ...paired?.oursVs },
      faults: { ...row.faults, ...paired?.faults },
    };
    for (const [name, cpu] of Object.entries(alone?.cpuMs ?? {})) {
      merged.mbps[`${name}${ALONE}`] = alone!.mbps[name];
      merged.oursVs[`${name}${ALONE}`] = {
        encrypt: unpairedRatio(cpu.encrypt, row.cpuMs.ours.encrypt),
        decrypt: unpairedRatio(cpu.decrypt, row.cpuMs.ours.decrypt),
      };
    }
    return merged;
  });
  return {
    frameLength: ceiling.frameLength,
    contenders: {
      ...ceiling.contenders,
      ...sdk.contenders,
      'ours-with-sdk': 'ours again, in the same process as the Encryption SDK, in the same rounds',
    },
    method: `${ceiling.method}. Three child processes: ours and raw GCM; ours and the Encryption SDK; the Encryption SDK alone`,
    rows,
    defaultAllocator,
  };
}
