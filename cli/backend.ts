/**
 * Which key service a command talks to: AWS KMS (the default, configured the AWS SDK's usual way)
 * or the local KMS stand-in over a key store file (`--local`). The choice is explicit and never
 * changes on failure: a command either uses the backend it was given or fails saying why.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KMSClient } from '@aws-sdk/client-kms';
import { EXIT, CliError, UsageError } from './errors';
import type { KeyProvider } from '../lambda/core/types';
import { LocalKms } from '../lambda/providers/local-kms';
import { LocalKmsKeyProvider } from '../lambda/providers/local-kms-provider';
import { parseKmsArn } from '../lambda/providers/mrk';

/** The environment variable that names the local key store when --key-store is not given (the Lambda's local mode reads it too). */
export const KEY_STORE_ENV = 'SECUREKEY_LOCAL_KMS_STORE';
/** The local key store when neither --key-store nor SECUREKEY_LOCAL_KMS_STORE is given (git-ignored in this repository). */
export const DEFAULT_KEY_STORE = '.local-kms/keys.json';
/** LocalKms's own defaults, used when no key ARN or --region says otherwise. */
export const LOCAL_DEFAULT_REGION = 'us-east-1';

export interface BackendOptions {
  readonly local: boolean;
  readonly keyStore?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly endpoint?: string;
}

export interface KeyBackend {
  /** One line for stderr: which service, where. */
  readonly description: string;
  provider(keyId: string): KeyProvider;
}

/** The key store path a local command uses. */
export function keyStorePath(options: Pick<BackendOptions, 'keyStore'>, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(options.keyStore ?? env[KEY_STORE_ENV] ?? DEFAULT_KEY_STORE);
}

/** Rejects options that belong to the other backend, so nobody believes they used one while using the other. */
export function checkBackendOptions(options: BackendOptions, command: string): void {
  if (options.local) {
    for (const [name, value] of [['profile', options.profile], ['endpoint', options.endpoint]] as const) {
      if (value !== undefined) throw new UsageError(`--${name} is for AWS KMS and cannot be combined with --local`, command);
    }
  } else if (options.keyStore !== undefined) {
    throw new UsageError('--key-store is for the local KMS: add --local (without it the command uses AWS KMS)', command);
  }
}

/**
 * A LocalKms over an existing key store file. Region and account come from the key ARN when one is
 * given, else from --region (default us-east-1) and LocalKms's default account.
 */
export function openLocalKms(options: BackendOptions, keyId: string | undefined, mustExist: boolean): { kms: LocalKms; storePath: string } {
  const storePath = keyStorePath(options);
  if (existsSync(storePath) && !statSync(storePath).isFile()) {
    throw new CliError(EXIT.KEY, `the local key store ${storePath} is not a file; pass --key-store FILE`);
  }
  if (mustExist && !existsSync(storePath)) {
    throw new CliError(EXIT.KEY, `the local key store ${storePath} does not exist; create a key first (cdk-secure-key keys create --alias alias/NAME) or pass --key-store FILE`);
  }
  const arn = keyId ? parseKmsArn(keyId) : undefined;
  if (arn && options.region !== undefined && arn.region !== options.region) {
    throw new UsageError(`--region ${options.region} differs from the region of the key ARN (${arn.region}); leave --region out`);
  }
  try {
    const region = arn?.region ?? options.region ?? LOCAL_DEFAULT_REGION;
    const kms = new LocalKms({ storePath, region, ...(arn ? { accountId: arn.accountId } : {}) });
    return { kms, storePath };
  } catch (err) {
    throw new CliError(EXIT.KEY, (err as Error).message);
  }
}

function localBackend(options: BackendOptions, keyId: string): KeyBackend {
  const { kms, storePath } = openLocalKms(options, keyId, true);
  return {
    description: `backend: local KMS stand-in (key store ${storePath}, region ${kms.region}); not AWS KMS, for development only`,
    provider: (id) => new LocalKmsKeyProvider({ kms, keyId: id }),
  };
}

async function awsBackend(options: BackendOptions): Promise<KeyBackend> {
  // The SDK bundled here is pinned, so its notice that *future* SDK releases need Node 22 says
  // nothing about this tool, and would add eight lines to every run on Node 20. A user's own
  // setting wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Loaded only for this backend: the SDK is most of the bundle.
  // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
  const sdk = require('@aws-sdk/client-kms') as typeof import('@aws-sdk/client-kms');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AwsKmsKeyProvider } = require('../lambda/providers/aws-kms') as typeof import('../lambda/providers/aws-kms');
  // Region, credentials and endpoint follow the SDK's own chain (AWS_REGION, AWS_PROFILE, shared
  // config and credentials files, SSO, AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL, ...); the flags override it.
  const client: KMSClient = new sdk.KMSClient({
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
  });
  let region: string;
  try {
    region = await client.config.region();
  } catch {
    client.destroy();
    throw new CliError(EXIT.KEY, 'no AWS region for KMS: pass --region, set AWS_REGION, or give the profile a region; or use --local for the local key store');
  }
  const env = process.env;
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_KMS ?? env.AWS_ENDPOINT_URL;
  const profile = options.profile ?? env.AWS_PROFILE;
  const where = [`region ${region}`, endpoint ? `endpoint ${endpoint}` : undefined, profile ? `profile ${profile}` : undefined].filter(Boolean).join(', ');
  return {
    description: `backend: AWS KMS (${where})`,
    provider: (id) => new AwsKmsKeyProvider({ client, keyId: id }),
  };
}

/** The backend a command uses: AWS KMS unless --local. */
export async function openBackend(options: BackendOptions, keyId: string): Promise<KeyBackend> {
  return options.local ? localBackend(options, keyId) : awsBackend(options);
}
