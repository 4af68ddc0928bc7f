/**
 * Builds the handler's dependencies from the Lambda's environment: the configuration, then the KMS
 * and CloudTrail clients of the key's Region, or the local KMS stand-in, and the key provider: KMS
 * data keys, or branch keys from a branch key store. The AWS SDK clients, the stand-in and the
 * branch key store are required here, on the first invocation, so loading the entry point stays cheap.
 */
import { loadConfig, type EnvelopeFunctionConfig } from './config';
import type { CountingKeyProvider, EnvelopeHandlerDependencies } from './create-handler';
import { localCloudTrail } from './local-cloudtrail';
import { ConfigurationError } from '../core/errors';
import type { KmsCommandClient } from '../providers/aws-kms';
import { parseKmsArn } from '../providers/mrk';
import type { CloudTrailLookupClient } from '../usage-report/lookup';

/**
 * Variables the entry point reads besides the function's configuration (which `loadConfig`
 * checks). They select the local KMS stand-in, for the demo and local runs only.
 */
export const RUNTIME_VARIABLES = {
  /** `aws` (default): real KMS and CloudTrail. `local`: LocalKms with the key store file below. */
  kmsBackend: 'SECUREKEY_KMS_BACKEND',
  /** The LocalKms key store file (JSON) holding the function's key. Required with `local`. */
  localKmsStore: 'SECUREKEY_LOCAL_KMS_STORE',
} as const;

export type KmsBackend = 'aws' | 'local';

/** What the entry point builds on the first invocation. */
export interface EnvironmentDependencies extends EnvelopeHandlerDependencies {
  readonly backend: KmsBackend;
}

/**
 * Builds the handler's dependencies from environment variables: the configuration (every problem
 * reported at once), then the KMS and CloudTrail clients of the key's Region, or the local KMS
 * stand-in. @throws ConfigurationError
 */
export async function dependenciesFromEnvironment(env: Readonly<Record<string, string | undefined>>): Promise<EnvironmentDependencies> {
  const backendRaw = env[RUNTIME_VARIABLES.kmsBackend]?.trim() || 'aws';
  if (backendRaw !== 'aws' && backendRaw !== 'local') {
    throw new ConfigurationError(`${RUNTIME_VARIABLES.kmsBackend} is ${JSON.stringify(backendRaw.slice(0, 40))}; expected "aws" (default, real KMS) or "local" (the LocalKms stand-in, for development).`);
  }
  const storePath = env[RUNTIME_VARIABLES.localKmsStore]?.trim() || undefined;
  const rest: Record<string, string | undefined> = { ...env };
  for (const name of Object.values(RUNTIME_VARIABLES)) delete rest[name];
  const config = loadConfig(rest);
  const arn = parseKmsArn(config.keyArn)!; // loadConfig checked the ARN

  if (backendRaw === 'aws') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
    const { KMSClient } = require('@aws-sdk/client-kms') as typeof import('@aws-sdk/client-kms');
    // The key's Region, not the function's: KMS calls and CloudTrail event history are regional.
    return {
      backend: 'aws',
      config,
      keyProvider: keyProviderOf(config, new KMSClient({ region: arn.region }), arn.region),
      cloudTrail: new CloudTrailOnFirstUse(arn.region),
    };
  }

  if (storePath === undefined) {
    throw new ConfigurationError(`${RUNTIME_VARIABLES.kmsBackend}=local needs ${RUNTIME_VARIABLES.localKmsStore}: the LocalKms key store file that holds ${config.keyArn}.`);
  }
  const { LocalKms } = loadLocalKms();
  const kms = new LocalKms({
    region: arn.region,
    accountId: arn.accountId,
    storePath,
    callerArn: `arn:aws:sts::${arn.accountId}:assumed-role/EnvelopeFunctionRole/local`,
  });
  try {
    await kms.describeKey({ KeyId: config.keyArn });
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    throw new ConfigurationError(`The local KMS key store ${storePath} has no usable key ${config.keyArn} (${name}); create the key in that store (LocalKms with storePath) and set SECUREKEY_KEY_ARN to its ARN.`);
  }
  // The same provider classes as in production: LocalKms understands the SDK's commands.
  return { backend: 'local', config, keyProvider: keyProviderOf(config, kms, arn.region), cloudTrail: localCloudTrail(kms) };
}

/**
 * Data keys from KMS under `config.keyArn`, or, with a branch key store, wrapped by its branch keys
 * (whose KMS key is `config.keyArn`; its table is in the key's Region, where the BranchKeyStore
 * construct creates both).
 */
function keyProviderOf(config: EnvelopeFunctionConfig, client: KmsCommandClient, region: string): CountingKeyProvider {
  const store = config.branchKeyStore;
  if (store === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { AwsKmsKeyProvider } = require('../providers/aws-kms') as typeof import('../providers/aws-kms');
    return new AwsKmsKeyProvider({ client, keyId: config.keyArn });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
  const { DecryptCommand } = require('@aws-sdk/client-kms') as typeof import('@aws-sdk/client-kms');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { branchKeyProvider, dynamoDbTableOf } = require('./branch-key-store') as typeof import('./branch-key-store');
  return branchKeyProvider({
    store,
    kmsKeyArn: config.keyArn,
    table: dynamoDbTableOf(region),
    decrypt: async (input) => (await client.send(new DecryptCommand(input))) as { Plaintext?: Uint8Array },
  });
}

/**
 * The local stand-in. In the bundle this require is rewritten to a separate file next to the
 * function's directory, so the deployed function never carries it (see lambda/build-bundle.mjs).
 */
function loadLocalKms(): typeof import('../providers/local-kms') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../providers/local-kms') as typeof import('../providers/local-kms');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'MODULE_NOT_FOUND') {
      throw new ConfigurationError(`The local KMS stand-in is not deployed with the function; remove ${RUNTIME_VARIABLES.kmsBackend} to use AWS KMS.`);
    }
    throw err;
  }
}

/**
 * A CloudTrail client whose SDK is loaded, and client built, on the first usage-report request: encrypt
 * and decrypt never load it (the bundle keeps it in a chunk of its own, see lambda/build-bundle.mjs).
 */
export class CloudTrailOnFirstUse implements CloudTrailLookupClient {
  private built?: import('@aws-sdk/client-cloudtrail').CloudTrailClient;
  constructor(public readonly region: string) {}

  /** The client, built now if it was not yet. */
  public get client(): import('@aws-sdk/client-cloudtrail').CloudTrailClient {
    // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
    this.built ??= new (require('@aws-sdk/client-cloudtrail') as typeof import('@aws-sdk/client-cloudtrail')).CloudTrailClient({ region: this.region });
    return this.built;
  }

  public send(command: Parameters<CloudTrailLookupClient['send']>[0]): ReturnType<CloudTrailLookupClient['send']> {
    return this.client.send(command);
  }
}
