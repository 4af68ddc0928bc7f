import { DisabledException, KMSInternalException, NotFoundException } from '@aws-sdk/client-kms';
import { KmsError } from '../../../lambda/core/errors';
import { AwsKmsKeyProvider, type KmsCommandClient } from '../../../lambda/providers/aws-kms';
import { toKmsError } from '../../../lambda/providers/kms-key-provider-base';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function failingClient(error: unknown): KmsCommandClient & { calls: number } {
  const client = { calls: 0, send: async () => { client.calls++; throw error; } };
  return client;
}

describe('KMS errors become typed KmsErrors', () => {
  test.each([
    ['SDK DisabledException', new DisabledException({ message: 'key is disabled', $metadata: { httpStatusCode: 400 } }), 'DisabledException', false],
    ['SDK NotFoundException', new NotFoundException({ message: 'nope', $metadata: { httpStatusCode: 400 } }), 'NotFoundException', false],
    ['SDK KMSInternalException (5xx)', new KMSInternalException({ message: 'internal', $metadata: { httpStatusCode: 500 } }), 'KMSInternalException', true],
    ['throttling', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } }), 'ThrottlingException', true],
    ['a network reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'ECONNRESET', true],
    ['an unknown 503', Object.assign(new Error('unavailable'), { name: 'ServiceUnavailableError', $metadata: { httpStatusCode: 503 } }), 'ServiceUnavailableError', true],
  ])('%s', async (_, error, name, retryable) => {
    const client = failingClient(error);
    const provider = new AwsKmsKeyProvider({ client, keyId: KEY });
    const e = await provider.generateDataKey({ numberOfBytes: 32, encryptionContext: { secret: 'ctx-value' } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KmsError);
    expect(e).toMatchObject({ errorType: 'KmsError', kmsErrorName: name, retryable });
    expect((e as KmsError).message).toContain(`KMS GenerateDataKey with key ${KEY} failed`);
    expect((e as KmsError).message).not.toContain('ctx-value');
    // KMS's own text (it can name the caller's role and account) stays on `cause`, out of the message.
    expect((e as KmsError).message).not.toContain((error as Error).message);
    expect((e as KmsError).cause).toBe(error);
    expect(provider.stats).toMatchObject({ generateDataKey: 1, failures: 1 });
  });

  test.each([
    ['a DNS failure', Object.assign(new Error('getaddrinfo ENOTFOUND kms.nowhere.invalid'), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'kms.nowhere.invalid' }), 'ENOTFOUND', /host name kms\.nowhere\.invalid did not resolve/],
    ['a temporary DNS failure', Object.assign(new Error('getaddrinfo EAI_AGAIN kms.eu-west-1.amazonaws.com'), { code: 'EAI_AGAIN', syscall: 'getaddrinfo', hostname: 'kms.eu-west-1.amazonaws.com' }), 'EAI_AGAIN', /kms\.eu-west-1\.amazonaws\.com could not be resolved right now/],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 4566 }), 'ECONNREFUSED', /endpoint at 127\.0\.0\.1:4566 could not be reached \(ECONNREFUSED\)/],
    ['every address refused (AggregateError)', Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' }), 'ECONNREFUSED', /could not be reached \(ECONNREFUSED\)/],
  ])('%s: retryable, named by its code, with a hint to check the endpoint', (_, error, name, hint) => {
    const e = toKmsError(error, 'GenerateDataKey', KEY);
    expect(e).toMatchObject({ errorType: 'KmsError', kmsErrorName: name, retryable: true });
    expect(e.message).toMatch(hint);
    expect(e.message).toContain('AWS_ENDPOINT_URL_KMS');
  });

  test('messages say what to do next', () => {
    expect(toKmsError(Object.assign(new Error('x'), { name: 'AccessDeniedException' }), 'Decrypt', KEY).message).toMatch(/Grant the caller this KMS action/);
    expect(toKmsError(Object.assign(new Error('x'), { name: 'ThrottlingException' }), 'Decrypt', KEY).message).toMatch(/Retry with backoff/);
  });

  test('a malformed KMS response is refused', async () => {
    const wrongKey = KEY.replace('1234abcd-12ab', '9999abcd-12ab');
    const client: KmsCommandClient = { send: async () => ({ KeyId: wrongKey, Plaintext: new Uint8Array(32), CiphertextBlob: new Uint8Array(40) }) };
    await expect(new AwsKmsKeyProvider({ client, keyId: KEY }).generateDataKey({ numberOfBytes: 32, encryptionContext: {} }))
      .rejects.toMatchObject({ kmsErrorName: 'MalformedResponse', message: expect.stringMatching(/answered for key .* instead of/) });
    const short: KmsCommandClient = { send: async () => ({ KeyId: KEY, Plaintext: new Uint8Array(16), CiphertextBlob: new Uint8Array(40) }) };
    await expect(new AwsKmsKeyProvider({ client: short, keyId: KEY }).generateDataKey({ numberOfBytes: 32, encryptionContext: {} }))
      .rejects.toMatchObject({ kmsErrorName: 'MalformedResponse', message: expect.stringMatching(/returned 16 bytes; 32 were asked for/) });
  });

  test('a client without send() is refused at construction', () => {
    expect(() => new AwsKmsKeyProvider({ client: {} as KmsCommandClient, keyId: KEY })).toThrow(/needs client: a KMSClient/);
  });

  test('ReEncrypt refuses a data key another key wrapped, and an answer for another destination', async () => {
    const other = KEY.replace('1234abcd-12ab', '5555abcd-12ab');
    const destination = KEY.replace('1234abcd-12ab', '7777abcd-12ab');
    const client = failingClient(new Error('must not be called'));
    const provider = new AwsKmsKeyProvider({ client, keyId: KEY });
    const foreign = { providerId: 'aws-kms', providerInfo: other, encryptedDataKey: Buffer.alloc(40) };
    await expect(provider.reEncryptDataKey({ encryptedDataKey: foreign, encryptionContext: {}, destinationKeyId: destination }))
      .rejects.toThrow(/did not wrap the data key/);
    expect(client.calls).toBe(0);
    const liar: KmsCommandClient = { send: async () => ({ KeyId: other, CiphertextBlob: new Uint8Array(40) }) };
    const own = { ...foreign, providerInfo: KEY };
    const liarProvider = new AwsKmsKeyProvider({ client: liar, keyId: KEY });
    await expect(liarProvider.reEncryptDataKey({ encryptedDataKey: own, encryptionContext: {}, destinationKeyId: destination }))
      .rejects.toMatchObject({ kmsErrorName: 'MalformedResponse', message: expect.stringMatching(/instead of the destination/) });
  });
});
