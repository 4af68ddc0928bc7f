/**
 * Typed errors of the envelope helpers. Messages say what was wrong and what to do next; they never
 * contain plaintext, data keys or encryption-context values.
 */
export class SecureKeyError extends Error {
  /** Stable machine-readable name, e.g. `InvalidMessageError`. */
  public readonly errorType: string;
  constructor(errorType: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = errorType;
    this.errorType = errorType;
  }
}

/** The message is malformed, truncated, extended or fails authentication. */
export class InvalidMessageError extends SecureKeyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidMessageError', message, options);
  }
}

/** The message uses a format version or algorithm suite we refuse (v1, non-committing suites). */
export class UnsupportedFormatError extends SecureKeyError {
  constructor(message: string) {
    super('UnsupportedFormatError', message);
  }
}

/** The key commitment in the header does not match the data key. */
export class CommitmentMismatchError extends SecureKeyError {
  constructor(message = 'Key commitment does not match the data key: the message was not made with this data key. Do not trust it.') {
    super('CommitmentMismatchError', message);
  }
}

/** The ECDSA signature of a signed message does not verify. */
export class SignatureVerificationError extends SecureKeyError {
  constructor(message = 'Message signature does not verify: the message was tampered with or truncated.') {
    super('SignatureVerificationError', message);
  }
}

/** The message's encryption context lacks a pair the caller required. Names the keys, never the values. */
export class EncryptionContextMismatchError extends SecureKeyError {
  constructor(message: string) {
    super('EncryptionContextMismatchError', message);
  }
}

/** The header holds more encrypted data keys than the configured maximum. */
export class TooManyEncryptedDataKeysError extends SecureKeyError {
  constructor(count: number, max: number) {
    super('TooManyEncryptedDataKeysError', `Message has ${count} encrypted data keys; the maximum allowed is ${max}. Raise maxEncryptedDataKeys only if you trust the sender.`);
  }
}

/** No key provider could decrypt any of the message's encrypted data keys. */
export class NoDecryptableDataKeyError extends SecureKeyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NoDecryptableDataKeyError', message, options);
  }
}

/**
 * A key service (KMS or the local stand-in) refused or failed a call. `kmsErrorName` is KMS's own
 * exception name (NotFoundException, DisabledException, KMSInvalidStateException, ...).
 */
export class KmsError extends SecureKeyError {
  public readonly kmsErrorName: string;
  public readonly retryable: boolean;
  constructor(kmsErrorName: string, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super('KmsError', `${kmsErrorName}: ${message}`, options);
    this.kmsErrorName = kmsErrorName;
    this.retryable = options?.retryable ?? false;
  }
}

/** Invalid options or configuration, named with the value received and what is allowed. */
export class ConfigurationError extends SecureKeyError {
  constructor(message: string) {
    super('ConfigurationError', message);
  }
}

/** A data-key cache limit or another usage limit prevents the operation. */
export class LimitExceededError extends SecureKeyError {
  constructor(message: string) {
    super('LimitExceededError', message);
  }
}
