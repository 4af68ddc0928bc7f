/**
 * A provider configured with an alias uses whatever key the alias points to; `expectedKeyArn` pins
 * it, so an administrator who points the alias at another key cannot redirect new data keys.
 */
import { EnvelopeClient } from '../../../lambda/core/envelope-client';
import { ConfigurationError, KmsError } from '../../../lambda/core/errors';
import { AwsKmsKeyProvider } from '../../../lambda/providers/aws-kms';
import { LocalKms } from '../../../lambda/providers/local-kms';

async function setup(): Promise<{ kms: LocalKms; a: string; b: string }> {
  const kms = new LocalKms({ region: 'eu-central-1', accountId: '123456789012' });
  const a = (await kms.createKey({ Description: 'expected' })).KeyMetadata.Arn!;
  const b = (await kms.createKey({ Description: 'attacker' })).KeyMetadata.Arn!;
  await kms.createAlias({ AliasName: 'alias/app', TargetKeyId: a });
  return { kms, a, b };
}

describe('an alias-configured provider', () => {
  test('without expectedKeyArn, follows the alias to another key (the documented default)', async () => {
    const { kms, b } = await setup();
    const provider = new AwsKmsKeyProvider({ client: kms, keyId: 'alias/app' });
    await kms.updateAlias({ AliasName: 'alias/app', TargetKeyId: b });
    const { encryptedDataKey } = await provider.generateDataKey({ numberOfBytes: 32, encryptionContext: {} });
    expect(encryptedDataKey.providerInfo).toBe(b);
  });

  test('with expectedKeyArn, refuses data keys from the key the alias was pointed at', async () => {
    const { kms, a, b } = await setup();
    const provider = new AwsKmsKeyProvider({ client: kms, keyId: 'alias/app', expectedKeyArn: a });
    const client = new EnvelopeClient({ keyProvider: provider });
    const { message } = await client.encrypt(Buffer.from('before'));
    await kms.updateAlias({ AliasName: 'alias/app', TargetKeyId: b });
    await expect(provider.generateDataKey({ numberOfBytes: 32, encryptionContext: {} }))
      .rejects.toThrow(new RegExp(`answered for key ${b} instead of alias/app \\(expected ${a}`));
    await expect(client.encrypt(Buffer.from('after'))).rejects.toBeInstanceOf(KmsError);
    // Messages under the expected key are still recognised as this provider's; decryption goes
    // through the alias, which now names another key, so it fails rather than trusting that key.
    await expect(client.decrypt(message)).rejects.toThrow();
    await kms.updateAlias({ AliasName: 'alias/app', TargetKeyId: a });
    expect((await client.decrypt(message)).plaintext.toString()).toBe('before');
  });

  test('expectedKeyArn must be a key ARN, and agree with a key-ARN keyId', async () => {
    const { kms, a, b } = await setup();
    expect(() => new AwsKmsKeyProvider({ client: kms, keyId: 'alias/app', expectedKeyArn: 'alias/app' })).toThrow(ConfigurationError);
    expect(() => new AwsKmsKeyProvider({ client: kms, keyId: a, expectedKeyArn: b })).toThrow(/name different keys/);
    expect(new AwsKmsKeyProvider({ client: kms, keyId: a, expectedKeyArn: a }).expectedKeyArn).toBe(a);
  });
});
