import {
  ConfigurationError, EncryptionContextMismatchError, InvalidMessageError, KmsError, SecureKeyError, TooManyEncryptedDataKeysError,
} from '../../../lambda/core/errors';
import { INTERNAL_ERROR_TYPE, InvalidRequestError, PayloadTooLargeError, toErrorResponse } from '../../../lambda/handler/errors';
import { UsageReportThrottledError } from '../../../lambda/usage-report/errors';

describe('toErrorResponse', () => {
  test.each([
    ['InvalidRequestError', new InvalidRequestError('Field "plaintext" is missing.')],
    ['PayloadTooLargeError', new PayloadTooLargeError('too big')],
    ['InvalidMessageError', new InvalidMessageError('Message is truncated.')],
    ['EncryptionContextMismatchError', new EncryptionContextMismatchError('Missing key "tenant".')],
    ['TooManyEncryptedDataKeysError', new TooManyEncryptedDataKeysError(11, 10)],
    ['KmsError', new KmsError('DisabledException', 'key is disabled')],
    ['ConfigurationError', new ConfigurationError('bad')],
    ['UsageReportThrottledError', new UsageReportThrottledError(6)],
  ])('keeps the type and message of a %s', (errorType, err) => {
    const response = toErrorResponse(err);
    expect(response).toEqual({ errorType, message: err.message });
    expect(Object.keys(response)).toEqual(['errorType', 'message']);
  });

  test.each([
    ['an Error', new Error('ENOENT: /tmp/secret-file')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
    ['an object that only looks typed', { errorType: 'InvalidRequestError', message: 'forged' }],
  ])('hides %s behind a generic internal error', (_name, err) => {
    const response = toErrorResponse(err);
    expect(response.errorType).toBe(INTERNAL_ERROR_TYPE);
    expect(response.message).toMatch(/failed unexpectedly.*logs/);
    expect(JSON.stringify(response)).not.toMatch(/secret-file|reading 'x'|boom|forged/);
  });

  test('never includes a stack trace', () => {
    const err = new InvalidRequestError('x');
    expect(JSON.stringify(toErrorResponse(err))).not.toContain('at ');
    expect(toErrorResponse(err)).not.toHaveProperty('stack');
  });

  test('cuts very long messages', () => {
    const response = toErrorResponse(new SecureKeyError('LimitExceededError', 'x'.repeat(10_000)));
    expect(response.message.length).toBeLessThanOrEqual(2051);
  });

  test('refuses an errorType that is not a plain name', () => {
    expect(toErrorResponse(new SecureKeyError('Bad Type <x>', 'm')).errorType).toBe(INTERNAL_ERROR_TYPE);
  });
});
