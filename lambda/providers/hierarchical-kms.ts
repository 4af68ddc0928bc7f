/**
 * The KMS calls of the branch key store (GenerateDataKeyWithoutPlaintext, ReEncrypt, Decrypt) over a
 * `KMSClient` from `@aws-sdk/client-kms` that the caller builds. A LocalKms also fits `client`.
 */
// eslint-disable-next-line import/no-extraneous-dependencies
import { DecryptCommand, GenerateDataKeyWithoutPlaintextCommand, ReEncryptCommand } from '@aws-sdk/client-kms';
import { ConfigurationError } from '../core/errors';
import type { BranchKeyKms } from '../hierarchy/branch-key-store-client';

/** What the operations need of a client: `KMSClient` and `LocalKms` both fit. */
export interface BranchKeyKmsCommandClient {
  send(command: GenerateDataKeyWithoutPlaintextCommand | DecryptCommand | ReEncryptCommand): Promise<object>;
}

export function kmsBranchKeyOperations(client: BranchKeyKmsCommandClient): BranchKeyKms {
  if (!client || typeof client.send !== 'function') {
    throw new ConfigurationError('kmsBranchKeyOperations needs client: a KMSClient from @aws-sdk/client-kms (or a LocalKms).');
  }
  return {
    generateDataKeyWithoutPlaintext: async (input) =>
      (await client.send(new GenerateDataKeyWithoutPlaintextCommand(input))) as { CiphertextBlob?: Uint8Array },
    reEncrypt: async (input) => (await client.send(new ReEncryptCommand(input))) as { CiphertextBlob?: Uint8Array },
    decrypt: async (input) => (await client.send(new DecryptCommand(input))) as { Plaintext?: Uint8Array },
  };
}
