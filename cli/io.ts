/**
 * Input and output for encrypt/decrypt. Output always goes to a temporary file first and reaches
 * its destination (linked or renamed into place, or copied to standard output) only after the
 * command succeeded: a failed decrypt leaves no plaintext behind and does not touch the output path.
 *
 * Standard output is staged in a temporary file that is unlinked as soon as it is opened, so
 * nothing is left on disk even when the process is killed (SIGKILL, out of memory); no plaintext is
 * written to standard output before the whole message verified (every frame's tag and, for a signed
 * message, the signature). A file output is created exclusively: an existing file, or a symbolic
 * link (dangling or not), is replaced only with --force.
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

function tempFileIn(dir: string, base: string, mode: number, keepOpen = false): { path: string; fd: number; stream: fs.WriteStream } {
  const path = join(dir, `.${base}.${randomBytes(6).toString('hex')}.cdk-secure-key.tmp`);
  let fd: number;
  try {
    // 'wx': never follow or reuse an existing file; the mode applies from the first byte.
    fd = fs.openSync(path, keepOpen ? 'wx+' : 'wx', mode);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new CliError(EXIT.IO, `cannot write a temporary file in ${dir}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOENT' ? 'no such directory' : code ?? 'error'}`);
  }
  installSignalHandlers();
  pending.add(path);
  return { path, fd, stream: fs.createWriteStream('', { fd, autoClose: !keepOpen }) };
}

/**
 * Prepares the output. A path that exists (a file, or a symbolic link even when it points nowhere)
 * is refused unless `force`; its directory must exist. Standard output (`-` or nothing) is fed from
 * an unlinked temporary file after the command succeeded, so a reader never sees bytes of a message
 * that then fails to verify, and a killed process leaves nothing behind.
 */
export function prepareOutput(path: string | undefined, options: OutputOptions): Output {
  if (path === undefined || path === '-') return stdoutOutput();
  const target = resolve(path);
  // lstat: a symbolic link is an existing output, whether or not its target exists.
  const existing = fs.lstatSync(target, { throwIfNoEntry: false });
  if (existing?.isDirectory()) throw new CliError(EXIT.IO, `output ${path} is a directory; name a file`);
  if (existing && !options.force) throw new CliError(EXIT.IO, `output ${path} already exists${existing.isSymbolicLink() ? ' (a symbolic link)' : ''}; pass --force to replace it`);
  const dir = dirname(target);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(EXIT.IO, `cannot write ${path}: directory ${dir} does not exist`);
  const temp = tempFileIn(dir, basename(target), options.mode);
  return {
    stream: temp.stream,
    name: path,
    commit: async () => {
      if (options.force) {
        // rename replaces a file or a link at the target, never writes through the link.
        fs.renameSync(temp.path, target);
        pending.delete(temp.path);
        return;
      }
      placeExclusively(temp.path, target, path);
    },
    abort: () => removeQuietly(temp.path),
  };
}

/**
 * Moves `temp` to `target` only if nothing (file, link, anything) is there: link(2) fails with EEXIST
 * atomically, so a file that appeared while the command ran is never overwritten. On file systems
 * without hard links, an exclusive copy (O_CREAT | O_EXCL) does the same.
 */
function placeExclusively(temp: string, target: string, shown: string): void {
  const appeared = (): CliError => new CliError(EXIT.IO, `output ${shown} appeared while the command ran; nothing was written (pass --force to replace it)`);
  try {
    fs.linkSync(temp, target);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EEXIST') {
      removeQuietly(temp);
      throw appeared();
    }
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EMLINK') {
      removeQuietly(temp);
      throw err;
    }
    try {
      fs.copyFileSync(temp, target, fs.constants.COPYFILE_EXCL);
    } catch (copyErr) {
      removeQuietly(temp);
      if ((copyErr as { code?: string }).code === 'EEXIST') throw appeared();
      throw copyErr;
    }
  }
  removeQuietly(temp);
}

/** Standard output, staged in a temporary file that has no name from the moment it exists. */
function stdoutOutput(): Output {
  const temp = tempFileIn(tmpdir(), 'stdout', 0o600, true);
  // Unlinked now: the open descriptor keeps the data; no name remains for a killed process to leave.
  let unlinked = false;
  try {
    fs.unlinkSync(temp.path);
    pending.delete(temp.path);
    unlinked = true;
  } catch {
    // A platform that cannot unlink an open file keeps the name; the signal handlers remove it.
  }
  const fd = temp.fd;
  const close = (): void => {
    try {
      fs.closeSync(fd);
    } catch {
      // Already closed.
    }
  };
  return {
    stream: temp.stream,
    name: 'stdout',
    commit: async () => {
      try {
        // The write stream was opened with autoClose off, so the descriptor is still ours to read back.
        await pipeline(fs.createReadStream('', { fd, start: 0, autoClose: false, highWaterMark: 1024 * 1024 }), process.stdout, { end: false });
      } finally {
        close();
        if (!unlinked) removeQuietly(temp.path);
      }
    },
    abort: () => {
      close();
      if (!unlinked) removeQuietly(temp.path);
    },
  };
}
