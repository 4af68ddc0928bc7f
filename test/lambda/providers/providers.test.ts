/**
 * Runs the shared KeyProvider suite against every provider: LocalKmsKeyProvider, AwsKmsKeyProvider
 * over a LocalKms drop-in client and, when SECUREKEY_KMS_ENDPOINT is set, AwsKmsKeyProvider over a
 * real KMSClient against that endpoint (see ./endpoint.ts for the variables; .ci/run points it at
 * moto_server on loopback).
 */
import { endpointAdmin, endpointClient, endpointKeyArn, endpointSettings } from './endpoint';
import { keyProviderSuite, type KeyAdmin, type ProviderFixture } from './provider-suite';
import { AwsKmsKeyProvider } from '../../../lambda/providers/aws-kms';
import { LocalKms } from '../../../lambda/providers/local-kms';
import { LocalKmsKeyProvider } from '../../../lambda/providers/local-kms-provider';

function localAdmin(kms: LocalKms): KeyAdmin {
  return {
    createKey: async (description) => {
      const k = await kms.createKey({ Description: description });
      return { keyId: k.KeyMetadata.KeyId, arn: k.KeyMetadata.Arn };
    },
    createAlias: async (aliasName, keyId) => { await kms.createAlias({ AliasName: aliasName, TargetKeyId: keyId }); },
    disableKey: async (keyId) => { await kms.disableKey({ KeyId: keyId }); },
    scheduleKeyDeletion: async (keyId) => { await kms.scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 7 }); },
  };
}

async function localFixture(make: (kms: LocalKms) => ProviderFixture['provider']): Promise<ProviderFixture> {
  const kms = new LocalKms({ region: 'eu-central-1', accountId: '123456789012' });
  const admin = localAdmin(kms);
  return {
    keyArn: (await admin.createKey('suite key')).arn,
    otherKeyArn: (await admin.createKey('suite other key')).arn,
    provider: make(kms),
    admin,
  };
}

keyProviderSuite('LocalKmsKeyProvider', () => localFixture((kms) => (o) => new LocalKmsKeyProvider({ ...o, kms })), { enforced: true });
keyProviderSuite('AwsKmsKeyProvider over the LocalKms drop-in client', () => localFixture((kms) => (o) => new AwsKmsKeyProvider({ ...o, client: kms })), { enforced: true });

const settings = endpointSettings();
if (settings) {
  keyProviderSuite(`AwsKmsKeyProvider over KMSClient at ${settings.endpoint}`, async () => {
    const client = endpointClient(settings);
    return {
      keyArn: await endpointKeyArn(client, settings, settings.keyId, 'provider-suite key'),
      otherKeyArn: await endpointKeyArn(client, settings, settings.otherKeyId, 'provider-suite other key'),
      provider: (o) => new AwsKmsKeyProvider({ ...o, client }),
      admin: endpointAdmin(client),
    };
  }, settings.keyState);
} else if (process.env.SECUREKEY_KMS_KEY_ID || process.env.SECUREKEY_KMS_OTHER_KEY_ID) {
  test('SECUREKEY_KMS_KEY_ID is set, so SECUREKEY_KMS_ENDPOINT must be too', () => {
    throw new Error('SECUREKEY_KMS_KEY_ID or SECUREKEY_KMS_OTHER_KEY_ID is set without SECUREKEY_KMS_ENDPOINT; set the endpoint (for AWS KMS: https://kms.REGION.amazonaws.com).');
  });
} else {
  test.skip('AwsKmsKeyProvider over a KMS-compatible endpoint (set SECUREKEY_KMS_ENDPOINT; see endpoint.ts)', () => undefined);
}
