/**
 * Runs the shared KeyProvider suite against every provider: LocalKmsKeyProvider, AwsKmsKeyProvider
 * over a LocalKms drop-in client and, when SECUREKEY_KMS_ENDPOINT and SECUREKEY_KMS_KEY_ID are
 * set, AwsKmsKeyProvider over a real KMSClient against that endpoint (never required; CI uses the
 * local stand-in).
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { keyProviderSuite, type ProviderFixture } from './provider-suite';
import { AwsKmsKeyProvider } from '../../../lambda/providers/aws-kms';
import { LocalKms } from '../../../lambda/providers/local-kms';
import { LocalKmsKeyProvider } from '../../../lambda/providers/local-kms-provider';

async function localFixture(make: (kms: LocalKms) => ProviderFixture['provider']): Promise<ProviderFixture> {
  const kms = new LocalKms({ region: 'eu-central-1', accountId: '123456789012' });
  const a = await kms.createKey({ Description: 'suite key' });
  const b = await kms.createKey({ Description: 'suite other key' });
  return {
    keyArn: a.KeyMetadata.Arn,
    otherKeyArn: b.KeyMetadata.Arn,
    provider: make(kms),
    disabledKeyArn: async () => {
      const k = await kms.createKey({});
      await kms.disableKey({ KeyId: k.KeyMetadata.KeyId });
      return k.KeyMetadata.Arn;
    },
  };
}

keyProviderSuite('LocalKmsKeyProvider', () => localFixture((kms) => (o) => new LocalKmsKeyProvider({ ...o, kms })), { canDisableKeys: true });
keyProviderSuite('AwsKmsKeyProvider over the LocalKms drop-in client', () => localFixture((kms) => (o) => new AwsKmsKeyProvider({ ...o, client: kms })), { canDisableKeys: true });

const endpoint = process.env.SECUREKEY_KMS_ENDPOINT;
const endpointKeyId = process.env.SECUREKEY_KMS_KEY_ID;
if (endpoint && endpointKeyId) {
  keyProviderSuite(`AwsKmsKeyProvider over KMSClient at ${endpoint}`, async () => {
    const client = new KMSClient({ endpoint, region: process.env.SECUREKEY_KMS_REGION ?? process.env.AWS_REGION ?? 'us-east-1' });
    const other = process.env.SECUREKEY_KMS_OTHER_KEY_ID ?? endpointKeyId;
    return { keyArn: endpointKeyId, otherKeyArn: other, provider: (o) => new AwsKmsKeyProvider({ ...o, client }) };
  }, { canDisableKeys: false });
} else {
  test.skip('AwsKmsKeyProvider over a KMS-compatible endpoint (set SECUREKEY_KMS_ENDPOINT and SECUREKEY_KMS_KEY_ID, a key ARN)', () => undefined);
}
