/**
 * A KMS-compatible endpoint for the provider suite, from the environment:
 *   SECUREKEY_KMS_ENDPOINT              the endpoint URL (for example moto_server on loopback); when set, the
 *                                       endpoint suite runs and fails, never skips, if the endpoint is unusable
 *   SECUREKEY_KMS_REGION                the region (default AWS_REGION, else us-east-1)
 *   SECUREKEY_KMS_KEY_ID                the key to use: key id, key ARN, alias name or alias ARN
 *                                       (default: a key the suite creates with CreateKey)
 *   SECUREKEY_KMS_OTHER_KEY_ID          a second key, for ReEncrypt (default: one the suite creates)
 *   SECUREKEY_KMS_ENFORCES_KEY_STATE    "0" when the endpoint uses disabled and pending-deletion keys as if
 *                                       enabled (moto 5 does); default "1", as AWS KMS
 * Credentials come from the SDK's chain; on a loopback endpoint without AWS_ACCESS_KEY_ID, fixed test
 * credentials are used (local emulators accept any).
 */
import {
  CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, KMSClient, ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import type { KeyAdmin, KeyStateBehaviour } from './provider-suite';

export interface EndpointSettings {
  readonly endpoint: string;
  readonly region: string;
  readonly keyId?: string;
  readonly otherKeyId?: string;
  readonly keyState: KeyStateBehaviour;
}

export function endpointSettings(env: NodeJS.ProcessEnv = process.env): EndpointSettings | undefined {
  const endpoint = env.SECUREKEY_KMS_ENDPOINT;
  if (!endpoint) return undefined;
  const enforces = env.SECUREKEY_KMS_ENFORCES_KEY_STATE ?? '1';
  if (enforces !== '0' && enforces !== '1') {
    throw new Error(`SECUREKEY_KMS_ENFORCES_KEY_STATE must be "0" or "1"; received ${JSON.stringify(enforces)}.`);
  }
  return {
    endpoint,
    region: env.SECUREKEY_KMS_REGION ?? env.AWS_REGION ?? 'us-east-1',
    keyId: env.SECUREKEY_KMS_KEY_ID || undefined,
    otherKeyId: env.SECUREKEY_KMS_OTHER_KEY_ID || undefined,
    keyState: enforces === '1'
      ? { enforced: true }
      : { enforced: false, reason: `SECUREKEY_KMS_ENFORCES_KEY_STATE=0: ${endpoint} uses disabled and pending-deletion keys as if enabled` },
  };
}

function isLoopback(endpoint: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

export function endpointClient(s: EndpointSettings): KMSClient {
  const testCredentials = isLoopback(s.endpoint) && !process.env.AWS_ACCESS_KEY_ID
    ? { credentials: { accessKeyId: 'securekey-test', secretAccessKey: 'securekey-test' } }
    : {};
  // One attempt: a broken endpoint fails at once with its own error instead of after retries.
  return new KMSClient({ endpoint: s.endpoint, region: s.region, maxAttempts: 1, ...testCredentials });
}

export function endpointAdmin(client: KMSClient): KeyAdmin {
  return {
    createKey: async (description) => {
      const out = await client.send(new CreateKeyCommand({ Description: description }));
      return { keyId: out.KeyMetadata!.KeyId!, arn: out.KeyMetadata!.Arn! };
    },
    createAlias: async (aliasName, keyId) => { await client.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId })); },
    disableKey: async (keyId) => { await client.send(new DisableKeyCommand({ KeyId: keyId })); },
    scheduleKeyDeletion: async (keyId) => { await client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 })); },
  };
}

/** The key ARN of a key id, ARN or alias, or of a new key when none is given. Errors name the endpoint. */
export async function endpointKeyArn(client: KMSClient, s: EndpointSettings, given: string | undefined, description: string): Promise<string> {
  try {
    if (given === undefined) return (await endpointAdmin(client).createKey(description)).arn;
    const out = await client.send(new DescribeKeyCommand({ KeyId: given }));
    return out.KeyMetadata!.Arn!;
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string };
    const what = given === undefined ? 'CreateKey' : `DescribeKey ${given}`;
    throw new Error(`SECUREKEY_KMS_ENDPOINT=${s.endpoint} is set but unusable: ${what} failed with ${err.code ?? err.name}: ${err.message}`, { cause: e });
  }
}
