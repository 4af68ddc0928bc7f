import { SecureKeyError } from '../core/errors';

/** The event is not a valid request: unknown operation, missing or mistyped field, bad base64, ... */
export class InvalidRequestError extends SecureKeyError {
  constructor(message: string) {
    super('InvalidRequestError', message);
  }
}

/** A binary field is bigger than a synchronous Lambda invocation can carry back and forth. */
export class PayloadTooLargeError extends SecureKeyError {
  constructor(message: string) {
    super('PayloadTooLargeError', message);
  }
}

/** What the Lambda returns for a failed call: no stack trace, no plaintext, no context values. */
export interface ErrorResponse {
  readonly errorType: string;
  readonly message: string;
}

/** errorType of anything that is not one of our typed errors. */
export const INTERNAL_ERROR_TYPE = 'InternalError';
const INTERNAL_ERROR_MESSAGE = 'The envelope function failed unexpectedly. Nothing was returned; see the function\'s logs (by request ID) and retry.';
const MAX_MESSAGE_CHARS = 2048;

/**
 * Maps an error to the response body. Typed errors (SecureKeyError and subclasses) keep their type
 * and message, which are written never to contain secrets; anything else becomes a generic
 * InternalError, because its message (from a library or the runtime) might quote data.
 */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (err instanceof SecureKeyError && /^[A-Za-z]{1,64}$/.test(err.errorType)) {
    const message = err.message.length > MAX_MESSAGE_CHARS ? `${err.message.slice(0, MAX_MESSAGE_CHARS)}...` : err.message;
    return { errorType: err.errorType, message };
  }
  return { errorType: INTERNAL_ERROR_TYPE, message: INTERNAL_ERROR_MESSAGE };
}
