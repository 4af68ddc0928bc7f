/**
 * A progress bar on standard error for long inputs: a pass-through stream counting the bytes it
 * carries. Drawn only on a terminal and only for inputs over PROGRESS_MIN_BYTES (for an input of
 * unknown size, once that many bytes went through), at most every RENDER_INTERVAL_MS.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Smaller inputs finish before a bar would be worth reading. */
export const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;
const RENDER_INTERVAL_MS = 100;
const BAR_WIDTH = 24;

export interface ProgressTarget {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): boolean;
}

export interface ProgressOptions {
  /** "encrypt" or "decrypt". */
  readonly label: string;
  /** Input size in bytes, when known. */
  readonly total?: number;
  readonly target: ProgressTarget;
  /** Never draw (--quiet). */
  readonly quiet: boolean;
  /** Milliseconds clock. @default Date.now */
  readonly now?: () => number;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** The line drawn for `done` of `total` bytes after `elapsedMs`. */
export function progressLine(label: string, done: number, total: number | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? `${formatBytes(Math.round(done / (elapsedMs / 1000)))}/s` : '';
  if (total === undefined || total === 0) return `${label} ${formatBytes(done)} ${rate}`.trimEnd();
  const fraction = Math.min(1, done / total);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
  return `${label} [${bar}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${formatBytes(done)} of ${formatBytes(total)} ${rate}`.trimEnd();
}

export class Progress extends Transform {
  private done = 0;
  private lastDraw = 0;
  private drawn = false;
  private readonly started: number;
  private readonly now: () => number;
  private readonly enabled: boolean;

  constructor(private readonly options: ProgressOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.enabled = !options.quiet && options.target.isTTY === true && (options.total === undefined || options.total > PROGRESS_MIN_BYTES);
  }

  /** Bytes that went through so far. */
  public get bytes(): number {
    return this.done;
  }

  public _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.done += chunk.length;
    if (this.enabled && this.done > PROGRESS_MIN_BYTES) {
      const t = this.now();
      if (t - this.lastDraw >= RENDER_INTERVAL_MS) {
        this.lastDraw = t;
        this.draw(t);
      }
    }
    callback(null, chunk);
  }

  public _flush(callback: TransformCallback): void {
    if (this.drawn) this.draw(this.now());
    callback();
  }

  /** Clears the bar's line, so the next message starts on a clean line. */
  public clear(): void {
    if (this.drawn) this.options.target.write('\r\x1b[2K');
    this.drawn = false;
  }

  private draw(t: number): void {
    const width = Math.max(20, (this.options.target.columns ?? 80) - 1);
    const text = progressLine(this.options.label, this.done, this.options.total, t - this.started).slice(0, width);
    this.options.target.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  }
}
