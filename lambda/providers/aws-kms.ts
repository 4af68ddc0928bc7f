/**
 * KeyProvider over AWS KMS through a `KMSClient` from `@aws-sdk/client-kms` that the caller builds
 * (region, endpoint, credentials and retries are the caller's). The only module in lambda/ that
 * imports the AWS SDK. A LocalKms also fits `client`, since it understands the SDK's commands.
 */
// The SDK is bundled into the Lambda by esbuild; library users who import this module install it
// themselves (the lead decides whether it becomes a peer dependency).
// eslint-disable-next-line import/no-extraneous-dependencies
import { DecryptCommand, GenerateDataKeyCommand, ReEncryptCommand } from '@aws-sdk/client-kms';
import { KmsKeyProviderBase, type KmsKeyProviderCommonOptions } from './kms-key-provider-base';
import { ConfigurationError } from '../core/errors';

/** What the provider needs of a client: `KMSClient` and `LocalKms` both fit. */
export interface KmsCommandClient {
  send(command: GenerateDataKeyCommand | DecryptCommand | ReEncryptCommand): Promise<object>;
}

export interface AwsKmsKeyProviderOptions extends KmsKeyProviderCommonOptions {
  /** A `KMSClient` (or any client with the same `send`). */
  readonly client: KmsCommandClient;
}

type Out = { KeyId?: string; Plaintext?: Uint8Array; CiphertextBlob?: Uint8Array };

/**
 * Data keys from AWS KMS, written as the AWS Encryption SDK writes them: provider id `aws-kms`,
 * provider info the key ARN KMS returns. Decrypt is multi-Region aware: a data key wrapped under a
 * multi-Region key elsewhere is unwrapped with the configured replica (or, in discovery mode, with
 * the replica in `discovery.region`).
 */
export class AwsKmsKeyProvider extends KmsKeyProviderBase {
  constructor(options: AwsKmsKeyProviderOptions) {
    const client = options?.client;
    if (!client || typeof client.send !== 'function') {
      throw new ConfigurationError('AwsKmsKeyProvider needs client: a KMSClient from @aws-sdk/client-kms (or a LocalKms).');
    }
    super({
      generateDataKey: async (input) => (await client.send(new GenerateDataKeyCommand(input))) as Out,
      decrypt: async (input) => (await client.send(new DecryptCommand(input))) as Out,
      reEncrypt: async (input) => (await client.send(new ReEncryptCommand(input))) as Out,
    }, options);
  }
}
