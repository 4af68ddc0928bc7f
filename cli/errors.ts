/**
 * Exit codes and the mapping from any failure to one exit code and one line of text. The line
 * never carries plaintext, key material or encryption-context values: the envelope core's errors
 * already hold none, and the CLI's own messages name keys and paths only.
 */
import { printable } from './printable';
import {
  CommitmentMismatchError, ConfigurationError, EncryptionContextMismatchError, InvalidMessageError, KmsError,
  LimitExceededError, NoDecryptableDataKeyError, SecureKeyError, SignatureVerificationError,
  TooManyEncryptedDataKeysError, UnsupportedFormatError,
} from '../lambda/core/errors';

/** The CLI's exit codes (docs/cli.md lists them; `cdk-secure-key --help` prints them). */
export const EXIT = {
  /** Done. */
  OK: 0,
  /** A bug or an error nobody anticipated (please report it); or `report` without aws-cdk-lib installed. */
  INTERNAL: 1,
  /** Bad command line: unknown command or option, missing or malformed value. */
  USAGE: 2,
  /** Input or output: unreadable input, output exists (no --force), cannot write. */
  IO: 3,
  /** The key service: unknown, disabled or pending-deletion key, access denied, no credentials or region, missing key store. */
  KEY: 4,
  /** The message: not an Encryption SDK message, tampered, truncated, wrong encryption context, bad signature. */
  MESSAGE: 5,
  /** `report` found error-level findings. */
  FINDINGS: 6,
  /** `can`: the principal may not perform the action on the key. */
  DENIED: 7,
} as const;

export const EXIT_CODE_TEXT: ReadonlyArray<readonly [number, string]> = [
  [EXIT.OK, 'success'],
  [EXIT.INTERNAL, 'unexpected internal error (a bug: please report it), or report without aws-cdk-lib installed'],
  [EXIT.USAGE, 'bad command line (unknown command or option, missing or malformed value)'],
  [EXIT.IO, 'input or output problem (unreadable input, output exists without --force, cannot write)'],
  [EXIT.KEY, 'key service problem (unknown, disabled or deleted key, access denied, no AWS credentials or region, no key store)'],
  [EXIT.MESSAGE, 'the message cannot be trusted (not a message, tampered, truncated, wrong encryption context, bad signature)'],
  [EXIT.FINDINGS, 'report: error-level findings'],
  [EXIT.DENIED, 'can: denied (the principal may not perform the action on the key)'],
];

/** A failure the CLI itself detected, with the exit code it ends with. */
export class CliError extends Error {
  constructor(public readonly exitCode: number, message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad command line. `command` names the help to point at. */
export class UsageError extends CliError {
  constructor(message: string, public readonly command?: string) {
    super(EXIT.USAGE, message);
    this.name = 'UsageError';
  }
}

const KMS_CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'ExpiredTokenException', 'UnrecognizedClientException', 'InvalidSignatureException']);

/** One exit code and one line for any error thrown by a command. */
export function describeFailure(error: unknown): { exitCode: number; line: string } {
  // Messages may quote a message's own text (context keys, provider info): shown inertly, on one line.
  const line = (text: string): string => printable(text.replace(/\s*\n\s*/g, ' ').trim(), 2000, true);
  if (error instanceof UsageError) {
    const hint = error.command ? ` (see: cdk-secure-key ${error.command} --help)` : ' (see: cdk-secure-key --help)';
    return { exitCode: error.exitCode, line: line(error.message) + hint };
  }
  if (error instanceof CliError) return { exitCode: error.exitCode, line: line(error.message) };
  if (error instanceof KmsError) {
    if (KMS_CREDENTIAL_ERRORS.has(error.kmsErrorName)) {
      return {
        exitCode: EXIT.KEY,
        line: line(`${error.message} No usable AWS credentials: set AWS_PROFILE (or --profile), sign in (aws sso login), or use --local for the local key store.`),
      };
    }
    return { exitCode: EXIT.KEY, line: line(error.message) };
  }
  if (error instanceof NoDecryptableDataKeyError) {
    const cause = (error as { cause?: unknown }).cause;
    const kms = cause instanceof KmsError ? ` ${cause.message}` : '';
    return { exitCode: EXIT.KEY, line: line(`${error.message}${kms}`) };
  }
  if (error instanceof InvalidMessageError || error instanceof CommitmentMismatchError || error instanceof SignatureVerificationError
    || error instanceof EncryptionContextMismatchError || error instanceof UnsupportedFormatError
    || error instanceof TooManyEncryptedDataKeysError || error instanceof LimitExceededError) {
    return { exitCode: EXIT.MESSAGE, line: line(error.message) };
  }
  if (error instanceof ConfigurationError) return { exitCode: EXIT.USAGE, line: line(error.message) };
  if (error instanceof SecureKeyError) return { exitCode: EXIT.INTERNAL, line: line(error.message) };
  const fsError = describeFsError(error);
  if (fsError) return { exitCode: EXIT.IO, line: fsError };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { exitCode: EXIT.INTERNAL, line: line(`unexpected error (${message}); please report it`) };
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EPIPE: 'the reader closed the pipe',
  EEXIST: 'already exists',
};

/** Node file-system errors as "cannot <verb> <path>: <reason>". */
export function describeFsError(error: unknown): string | undefined {
  const e = error as { code?: unknown; syscall?: unknown; path?: unknown };
  if (!e || typeof e.code !== 'string' || !(e.code in FS_REASONS)) return undefined;
  const reason = FS_REASONS[e.code];
  return typeof e.path === 'string' ? `cannot ${e.syscall === 'open' || e.syscall === 'read' ? 'open' : String(e.syscall ?? 'use')} ${e.path}: ${reason}` : `I/O error: ${reason}`;
}
