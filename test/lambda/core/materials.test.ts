import { randomBytes } from 'node:crypto';
import { KmsError, NoDecryptableDataKeyError } from '../../../lambda/core/errors';
import { DefaultMaterialsManager } from '../../../lambda/core/materials';
import { AlgorithmSuiteId, type EncryptedDataKey, type KeyProvider } from '../../../lambda/core/types';

const EDK: EncryptedDataKey = { providerId: 'aws-kms', providerInfo: 'arn:aws:kms:us-east-1:111122223333:key/k', encryptedDataKey: randomBytes(40) };

function failingProvider(error: unknown): KeyProvider {
  return {
    providerId: 'aws-kms',
    keyId: EDK.providerInfo,
    canDecrypt: () => true,
    generateDataKey: async () => { throw error; },
    decryptDataKey: async () => { throw error; },
    reEncryptDataKey: async () => { throw error; },
  };
}

const request = { suite: AlgorithmSuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, encryptionContext: {}, encryptedDataKeys: [EDK, EDK] };

describe('DefaultMaterialsManager.decryptMaterials failures', () => {
  test('a transient KMS failure surfaces as the retryable KmsError, not as an undecryptable message', async () => {
    const throttled = new KmsError('ThrottlingException', 'KMS Decrypt failed. Retry with backoff.', { retryable: true });
    await expect(new DefaultMaterialsManager(failingProvider(throttled)).decryptMaterials(request)).rejects.toBe(throttled);
  });

  test('permanent failures give NoDecryptableDataKeyError naming the KMS exceptions', async () => {
    const invalid = new KmsError('InvalidCiphertextException', 'KMS Decrypt failed.');
    const e = await new DefaultMaterialsManager(failingProvider(invalid)).decryptMaterials(request).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NoDecryptableDataKeyError);
    expect((e as Error).message).toContain('(InvalidCiphertextException, InvalidCiphertextException)');
  });
});
