/**
 * LocalKms: an offline, in-memory (or file-backed) stand-in for AWS KMS. It takes and returns the
 * AWS SDK's input/output shapes (same field names), throws errors shaped like the SDK's service
 * exceptions (same `name`s), records every call as a CloudTrail event, and can be passed wherever
 * a `KMSClient` is expected (`send(command)`), without importing the SDK.
 *
 * It is a development and test tool: key material is kept in process memory, or in plain JSON in
 * the key store file. Never use it to protect real data.
 */
import * as crypto from 'node:crypto';
import type { LocalKmsOptions } from './local-kms-base';
import { LocalKmsCryptoOperations } from './local-kms-crypto';
import { err } from './local-kms-errors';
import type { CloudTrailEvent } from './local-kms-types';

export { LocalKmsStore, DEFAULT_MAX_LOCAL_KMS_EVENTS } from './local-kms-store';
export type { LocalKmsStoreOptions, StoredKey, StoredMaterial, StoredAlias } from './local-kms-store';
export type { LocalKmsOptions } from './local-kms-base';
export { LocalKmsError } from './local-kms-errors';
export * from './local-kms-types';

/** SDK operation name -> LocalKms method, for `send()`. Read-only flag is CloudTrail's `readOnly`. */
const OPERATIONS: Record<string, { method: keyof LocalKms }> = {
  CreateKey: { method: 'createKey' },
  DescribeKey: { method: 'describeKey' },
  ListKeys: { method: 'listKeys' },
  CreateAlias: { method: 'createAlias' },
  UpdateAlias: { method: 'updateAlias' },
  DeleteAlias: { method: 'deleteAlias' },
  ListAliases: { method: 'listAliases' },
  Encrypt: { method: 'encrypt' },
  Decrypt: { method: 'decrypt' },
  GenerateDataKey: { method: 'generateDataKey' },
  GenerateDataKeyWithoutPlaintext: { method: 'generateDataKeyWithoutPlaintext' },
  GenerateDataKeyPair: { method: 'generateDataKeyPair' },
  GenerateDataKeyPairWithoutPlaintext: { method: 'generateDataKeyPairWithoutPlaintext' },
  GenerateRandom: { method: 'generateRandom' },
  ReEncrypt: { method: 'reEncrypt' },
  Sign: { method: 'sign' },
  Verify: { method: 'verify' },
  GenerateMac: { method: 'generateMac' },
  VerifyMac: { method: 'verifyMac' },
  GetPublicKey: { method: 'getPublicKey' },
  EnableKeyRotation: { method: 'enableKeyRotation' },
  DisableKeyRotation: { method: 'disableKeyRotation' },
  GetKeyRotationStatus: { method: 'getKeyRotationStatus' },
  RotateKeyOnDemand: { method: 'rotateKeyOnDemand' },
  DisableKey: { method: 'disableKey' },
  EnableKey: { method: 'enableKey' },
  ScheduleKeyDeletion: { method: 'scheduleKeyDeletion' },
  CancelKeyDeletion: { method: 'cancelKeyDeletion' },
  ReplicateKey: { method: 'replicateKey' },
  GetKeyPolicy: { method: 'getKeyPolicy' },
  PutKeyPolicy: { method: 'putKeyPolicy' },
};

/** Names of the KMS operations `send()` understands. */
export const LOCAL_KMS_OPERATIONS: readonly string[] = Object.keys(OPERATIONS);

/**
 * The LocalKms client: key management (local-kms-keys.ts) and cryptographic operations
 * (local-kms-crypto.ts) over a key store (local-kms-store.ts), reachable as methods or through
 * `send(command)`.
 */
export class LocalKms extends LocalKmsCryptoOperations {
  constructor(options: LocalKmsOptions = {}) {
    super(options);
  }

  /** A LocalKms for another region of the same account, sharing keys (and MRK material) and the event log. */
  public forRegion(region: string): LocalKms {
    return new LocalKms({ region, accountId: this.accountId, callerArn: this.callerArn, clock: this.clock, store: this.store });
  }

  /** The same LocalKms (same region, keys, event log) acting as another caller in CloudTrail events. */
  public withCaller(callerArn: string): LocalKms {
    return new LocalKms({ region: this.region, accountId: this.accountId, callerArn, clock: this.clock, store: this.store });
  }

  /** CloudTrail event records of every call made through this store (all regions, all callers), oldest first. */
  public cloudTrailEvents(filter: { region?: string } = {}): CloudTrailEvent[] {
    return this.store.events
      .filter((e) => filter.region === undefined || e.awsRegion === filter.region)
      .map((e) => structuredClone(e));
  }

  /** `KMSClient.send` drop-in: dispatches the SDK's command objects by operation name. */
  public async send(command: { input?: unknown; constructor: { name: string } }): Promise<Record<string, unknown>> {
    const name = operationName(command);
    const op = Object.prototype.hasOwnProperty.call(OPERATIONS, name) ? OPERATIONS[name] : undefined;
    if (!op) {
      throw err('UnsupportedOperationException', `LocalKms does not implement the KMS operation '${name}'. Supported: ${LOCAL_KMS_OPERATIONS.join(', ')}. Use real KMS for it.`);
    }
    const fn = this[op.method] as unknown as (input: unknown) => Promise<Record<string, unknown>>;
    const result = await fn.call(this, command.input ?? {});
    return { ...result, $metadata: { httpStatusCode: 200, requestId: crypto.randomUUID(), attempts: 1, totalRetryDelay: 0 } };
  }

  /** KMSClient compatibility: nothing to release. */
  public destroy(): void {}
}

function operationName(command: { constructor: { name: string } }): string {
  // The SDK's command schema carries the operation name, which survives minification; the class
  // name is the fallback.
  const schema = (command as { schema?: unknown }).schema;
  if (Array.isArray(schema) && typeof schema[2] === 'string') return schema[2];
  return command.constructor.name.replace(/Command$/, '');
}
