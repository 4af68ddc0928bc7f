/**
 * LocalKms's errors, shaped like the AWS SDK's service exceptions, and the input checks that raise
 * KMS's ValidationException messages.
 */
import * as crypto from 'node:crypto';

/**
 * An error shaped like the AWS SDK's service exceptions: `name` is KMS's exception name
 * (`NotFoundException`, `DisabledException`, ...), `$fault` is `client` or `server`.
 */
export class LocalKmsError extends Error {
  public readonly $fault: 'client' | 'server';
  public readonly $metadata: { httpStatusCode: number; requestId: string; attempts: number; totalRetryDelay: number };
  public readonly $retryable?: { throttling: boolean };
  constructor(name: string, message: string, options: { fault?: 'client' | 'server'; httpStatusCode?: number; throttling?: boolean } = {}) {
    super(message);
    this.name = name;
    this.$fault = options.fault ?? 'client';
    this.$metadata = { httpStatusCode: options.httpStatusCode ?? (this.$fault === 'server' ? 500 : 400), requestId: crypto.randomUUID(), attempts: 1, totalRetryDelay: 0 };
    if (options.throttling !== undefined) this.$retryable = { throttling: options.throttling };
  }
}

export function err(name: string, message: string): LocalKmsError {
  return new LocalKmsError(name, message);
}
export function validation(message: string): LocalKmsError {
  return err('ValidationException', message);
}
export function requireBytes(value: unknown, field: string): Buffer {
  if (!(value instanceof Uint8Array)) throw validation(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null and must be bytes (Uint8Array).`);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
export function requireLength(buf: Buffer, field: string, min: number, max: number): void {
  if (buf.length < min || buf.length > max) {
    throw validation(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length between ${min} and ${max} (got ${buf.length}).`);
  }
}
