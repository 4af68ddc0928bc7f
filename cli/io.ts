/**
 * Input and output for encrypt/decrypt. Output always goes to a temporary file first and reaches
 * its destination (renamed into place, or copied to standard output) only after the command
 * succeeded: a failed decrypt leaves no plaintext behind and does not touch the output path.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError, EXIT } from './errors';

/** Temporary files to remove if the process is interrupted. */
const pending = new Set<string>();
let handlersInstalled = false;

function removeQuietly(path: string): void {
  try {
    fs.rmSync(path, { force: true });
  } catch {
    // Best effort: the file is 0600 in a directory the user controls.
  }
  pending.delete(path);
}

function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.once(signal, () => {
      for (const path of [...pending]) removeQuietly(path);
      process.stderr.write(`\ncdk-secure-key: interrupted (${signal}); nothing was written\n`);
      process.exit(code);
    });
  }
}

export interface Input {
  readonly stream: Readable;
  /** Byte size when known (a regular file). */
  readonly size?: number;
  /** For messages: "stdin" or the path. */
  readonly name: string;
}

/** Opens the input now, so an unreadable file fails before any KMS call. `-` or nothing is standard input. */
export function openInput(path: string | undefined): Input {
  if (path === undefined || path === '-') {
    let size: number | undefined;
    try {
      const st = fs.fstatSync(0);
      if (st.isFile()) size = st.size;
    } catch {
      // No stat for stdin: size unknown.
    }
    return { stream: process.stdin, size, name: 'stdin' };
  }
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    const code = (err as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code ?? 'error';
    throw new CliError(EXIT.IO, `cannot read input ${path}: ${reason}`);
  }
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw new CliError(EXIT.IO, `cannot read input ${path}: ${st.isDirectory() ? 'it is a directory' : 'not a regular file'}`);
  }
  return { stream: fs.createReadStream('', { fd, highWaterMark: 1024 * 1024 }), size: st.size, name: path };
}

export interface Output {
  /** Where the bytes go until commit(). */
  readonly stream: Writable;
  /** "stdout" or the path. */
  readonly name: string;
  /** Moves the finished output into place (or to stdout). Call once, after the pipeline succeeded. */
  commit(): Promise<void>;
  /** Removes the temporary file. Safe to call more than once. */
  abort(): void;
}

export interface OutputOptions {
  /** Replace an existing output file. */
  readonly force: boolean;
  /** File mode for the output (decrypted plaintext: 0o600). */
  readonly mode: number;
  /** What the output holds, for messages: "plaintext" or "ciphertext". */
  readonly what: string;
}

function tempFileIn(dir: string, base: string, mode: number): { path: string; stream: fs.WriteStream } {
  const path = join(dir, `.${base}.${randomBytes(6).toString('hex')}.cdk-secure-key.tmp`);
  let fd: number;
  try {
    // 'wx': never follow or reuse an existing file; the mode applies from the first byte.
    fd = fs.openSync(path, 'wx', mode);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new CliError(EXIT.IO, `cannot write a temporary file in ${dir}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOENT' ? 'no such directory' : code ?? 'error'}`);
  }
  installSignalHandlers();
  pending.add(path);
  return { path, stream: fs.createWriteStream('', { fd }) };
}

/**
 * Prepares the output. A path that exists is refused unless `force`; its directory must exist.
 * Standard output (`-` or nothing) is fed from a temporary file in the system temp directory after
 * the command succeeded, so a reader never sees bytes of a message that then fails to verify.
 */
export function prepareOutput(path: string | undefined, options: OutputOptions): Output {
  if (path === undefined || path === '-') {
    const temp = tempFileIn(tmpdir(), 'stdout', 0o600);
    return {
      stream: temp.stream,
      name: 'stdout',
      commit: async () => {
        try {
          await pipeline(fs.createReadStream(temp.path), process.stdout, { end: false });
        } finally {
          removeQuietly(temp.path);
        }
      },
      abort: () => removeQuietly(temp.path),
    };
  }
  const target = resolve(path);
  const existing = fs.statSync(target, { throwIfNoEntry: false });
  if (existing?.isDirectory()) throw new CliError(EXIT.IO, `output ${path} is a directory; name a file`);
  if (existing && !options.force) throw new CliError(EXIT.IO, `output ${path} already exists; pass --force to replace it`);
  const dir = dirname(target);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(EXIT.IO, `cannot write ${path}: directory ${dir} does not exist`);
  const temp = tempFileIn(dir, basename(target), options.mode);
  return {
    stream: temp.stream,
    name: path,
    commit: async () => {
      // Checked again: the file may have appeared while we worked.
      if (!options.force && fs.existsSync(target)) {
        removeQuietly(temp.path);
        throw new CliError(EXIT.IO, `output ${path} appeared while the command ran; nothing was written (pass --force to replace it)`);
      }
      fs.renameSync(temp.path, target);
      pending.delete(temp.path);
    },
    abort: () => removeQuietly(temp.path),
  };
}
