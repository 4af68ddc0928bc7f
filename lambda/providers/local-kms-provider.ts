/**
 * KeyProvider over a LocalKms instance, called directly (no AWS SDK). Behaves exactly as
 * AwsKmsKeyProvider: both share KmsKeyProviderBase.
 */
import { KmsKeyProviderBase, type KmsKeyProviderCommonOptions } from './kms-key-provider-base';
import { LocalKms } from './local-kms';
import { ConfigurationError } from '../core/errors';

export interface LocalKmsKeyProviderOptions extends KmsKeyProviderCommonOptions {
  /** The LocalKms of the region this provider calls. */
  readonly kms: LocalKms;
}

export class LocalKmsKeyProvider extends KmsKeyProviderBase {
  public readonly kms: LocalKms;

  constructor(options: LocalKmsKeyProviderOptions) {
    const kms = options?.kms;
    if (!(kms instanceof LocalKms)) throw new ConfigurationError('LocalKmsKeyProvider needs kms: a LocalKms instance.');
    super({
      generateDataKey: (input) => kms.generateDataKey(input),
      decrypt: (input) => kms.decrypt(input),
      reEncrypt: (input) => kms.reEncrypt(input),
    }, options);
    this.kms = kms;
  }
}
