/** The progress bar: drawn on a terminal for inputs over PROGRESS_MIN_BYTES, never otherwise. */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Progress, PROGRESS_MIN_BYTES, progressLine, type ProgressTarget } from '../../cli/progress';

class FakeTerminal implements ProgressTarget {
  public readonly writes: string[] = [];
  constructor(public readonly isTTY: boolean, public readonly columns = 100) {}
  public write(text: string): boolean {
    this.writes.push(text);
    return true;
  }
}

/** Pushes `total` bytes in 1 MiB chunks through a Progress whose clock advances 200 ms per read. */
async function run(target: FakeTerminal, total: number, options: { quiet?: boolean; knownSize?: boolean } = {}): Promise<Progress> {
  let t = 0;
  const progress = new Progress({ label: 'encrypt', total: options.knownSize === false ? undefined : total, target, quiet: options.quiet ?? false, now: () => (t += 200) });
  const chunk = Buffer.alloc(1024 * 1024);
  let left = total;
  const source = new Readable({
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(chunk.subarray(0, n));
    },
  });
  let received = 0;
  await pipeline(source, progress, new Writable({ write(c: Buffer, _e, cb) { received += c.length; cb(); } }));
  expect(received).toBe(total);
  progress.clear();
  return progress;
}

describe('Progress', () => {
  test('on a terminal, a large input draws a bar up to 100% and clears it at the end', async () => {
    const tty = new FakeTerminal(true);
    const p = await run(tty, 10 * 1024 * 1024);
    expect(p.bytes).toBe(10 * 1024 * 1024);
    const lines = tty.writes.filter((w) => w.includes('%'));
    expect(lines.length).toBeGreaterThan(2);
    expect(lines[lines.length - 1]).toContain('[########################] 100% 10.0 MiB of 10.0 MiB');
    expect(tty.writes[tty.writes.length - 1]).toBe('\r\x1b[2K');
  });

  test('an input of unknown size shows the bytes once past the threshold', async () => {
    const tty = new FakeTerminal(true);
    await run(tty, 6 * 1024 * 1024, { knownSize: false });
    expect(tty.writes.some((w) => /encrypt 6\.0 MiB/.test(w))).toBe(true);
    expect(tty.writes.every((w) => !w.includes('%'))).toBe(true);
  });

  test.each([
    ['not a terminal', new FakeTerminal(false), 10 * 1024 * 1024, false],
    ['--quiet', new FakeTerminal(true), 10 * 1024 * 1024, true],
    ['a small input', new FakeTerminal(true), PROGRESS_MIN_BYTES, false],
  ])('nothing is drawn for %s', async (_name, target, size, quiet) => {
    const p = await run(target, size, { quiet });
    expect(p.bytes).toBe(size);
    expect(target.writes).toEqual([]);
  });

  test('the line: bar, percent, sizes, rate', () => {
    expect(progressLine('decrypt', 3 * 1024 * 1024, 12 * 1024 * 1024, 1000)).toBe('decrypt [######------------------]  25% 3.0 MiB of 12.0 MiB 3.0 MiB/s');
  });
});
