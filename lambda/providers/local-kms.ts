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
import { appFromTemplates, cloudAssemblySources, type LocalKmsAppKey, type LocalKmsAppOptions, type LocalKmsAppPrincipal, type LocalKmsTemplateSource } from './local-kms-app';
import type { LocalKmsCallOrigin, LocalKmsPrincipal } from './local-kms-authorization';
import type { LocalKmsOptions } from './local-kms-base';
import { err } from './local-kms-errors';
import { LocalKmsGrantOperations } from './local-kms-grant-operations';
import { newMaterial } from './local-kms-material';
import { LocalKmsStore, type StoredKey } from './local-kms-store';
import type { CloudTrailEvent, KmsKeySpec, KmsKeyUsage } from './local-kms-types';
import { ConfigurationError } from '../core/errors';

export { LocalKmsStore, DEFAULT_MAX_LOCAL_KMS_EVENTS } from './local-kms-store';
export type { LocalKmsStoreOptions, StoredKey, StoredMaterial, StoredAlias } from './local-kms-store';
export type { LocalKmsOptions } from './local-kms-base';
export { LocalKmsError } from './local-kms-errors';
export type { LocalKmsApp, LocalKmsAppKey, LocalKmsAppOptions, LocalKmsAppPrincipal, LocalKmsTemplateSource } from './local-kms-app';
export type { LocalKmsCallOrigin, LocalKmsPrincipal, KmsAuthorizationDecision, KmsDecidingStatement } from './local-kms-authorization';
export type { KmsCreateGrantInput, KmsGrantListEntry, KmsListGrantsInput, KmsRetireGrantInput, KmsRevokeGrantInput } from './local-kms-grant-operations';
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
  CreateGrant: { method: 'createGrant' },
  ListGrants: { method: 'listGrants' },
  ListRetirableGrants: { method: 'listRetirableGrants' },
  RetireGrant: { method: 'retireGrant' },
  RevokeGrant: { method: 'revokeGrant' },
};

/** Names of the KMS operations `send()` understands. */
export const LOCAL_KMS_OPERATIONS: readonly string[] = Object.keys(OPERATIONS);

/** Options of `LocalKms.fromCloudAssembly` and `LocalKms.fromTemplates`. */
export interface LocalKmsFromAppOptions extends LocalKmsAppOptions {
  /** Region of the returned LocalKms. @default - the region of the app's first key (or defaultRegion) */
  readonly region?: string;
  /** Account of the returned LocalKms. @default - the account of the app's first key (or defaultAccount) */
  readonly accountId?: string;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

/**
 * The LocalKms client: key management (local-kms-keys.ts), cryptographic operations
 * (local-kms-crypto.ts) and grants (local-kms-grant-operations.ts) over a key store
 * (local-kms-store.ts), reachable as methods or through `send(command)`.
 */
export class LocalKms extends LocalKmsGrantOperations {
  /**
   * Loads the keys and IAM principals of a synthesized app (`cdk synth`'s output directory) and
   * enforces their policies: `kms.as('Stack/AppRole').send(new DecryptCommand(...))`.
   */
  public static fromCloudAssembly(dir: string, options: LocalKmsFromAppOptions = {}): LocalKms {
    return LocalKms.fromTemplates(cloudAssemblySources(dir), options);
  }

  /** Loads the keys and IAM principals of CloudFormation templates and enforces their policies. */
  public static fromTemplates(sources: readonly LocalKmsTemplateSource[], options: LocalKmsFromAppOptions = {}): LocalKms {
    const app = appFromTemplates(sources, options);
    const first = app.keys[0];
    const store = new LocalKmsStore();
    const now = (options.clock ?? (() => new Date()))();
    // Primaries before replicas: a replica shares its primary's key material.
    const isReplica = (k: LocalKmsAppKey) => k.primaryRegion !== undefined && k.primaryRegion !== k.region;
    const ordered = [...app.keys].sort((a, b) => Number(isReplica(a)) - Number(isReplica(b)));
    for (const k of ordered) installKey(store, k, now);
    return new LocalKms({
      region: options.region ?? first?.region ?? options.defaultRegion,
      accountId: options.accountId ?? first?.account ?? options.defaultAccount,
      clock: options.clock,
      store,
      enforcePolicies: true,
      app,
    });
  }

  constructor(options: LocalKmsOptions = {}) {
    super(options);
  }

  /** A LocalKms for another region (and, optionally, account) sharing keys (and MRK material), the event log, the caller and enforcement. */
  public forRegion(region: string, accountId: string = this.accountId): LocalKms {
    return new LocalKms({ ...this.sameSetup(), region, accountId });
  }

  /** The same LocalKms (same region, keys, event log) acting as another caller, with no IAM policies of its own. */
  public withCaller(callerArn: string): LocalKms {
    return new LocalKms({ ...this.sameSetup(), callerArn, principal: undefined, origin: undefined });
  }

  /**
   * The same LocalKms acting as a principal of the loaded app, named by construct path
   * (`Stack/AppRole`), `Stack/<logical ID>` or ARN; `origin` says it calls through a service.
   */
  public as(principal: string, origin: LocalKmsCallOrigin = {}): LocalKms {
    return this.asPrincipal(this.principalOf(principal), origin);
  }

  /** The same LocalKms acting as any principal (its ARN, account and identity-policy statements). */
  public asPrincipal(principal: LocalKmsPrincipal, origin: LocalKmsCallOrigin = {}): LocalKms {
    return new LocalKms({ ...this.sameSetup(), principal, origin });
  }

  /**
   * The same LocalKms acting as an AWS service principal calling as itself (CloudWatch Logs,
   * CloudTrail...); `origin.sourceArn`/`sourceAccount` say for which resource.
   */
  public asService(service: string, origin: LocalKmsCallOrigin = {}): LocalKms {
    if (!/^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(service)) {
      throw new ConfigurationError(`LocalKms.asService: '${service}' is not a service principal name like 'logs.us-east-1.amazonaws.com'.`);
    }
    return this.asPrincipal({ arn: service, service, account: origin.sourceAccount ?? this.accountId, iamStatements: [] }, origin);
  }

  /** A principal of the loaded app, by construct path, `Stack/<logical ID>` or ARN. */
  public principalOf(name: string): LocalKmsAppPrincipal {
    const all = this.app?.principals ?? [];
    const found = all.find((p) => p.path === name || p.arn === name || `${p.stackName}/${p.logicalId}` === name)
      ?? all.find((p) => isCdkLogicalIdOf(name, p.stackName, p.logicalId));
    if (!found) {
      throw new ConfigurationError(`LocalKms: no IAM role or user '${name}' in the loaded app. Known: ${all.map((p) => p.path).join(', ') || '(none: load an app with LocalKms.fromCloudAssembly)'}.`);
    }
    return found;
  }

  /** A key of the loaded app, by construct path, `Stack/<logical ID>`, alias name or ARN. */
  public keyOf(name: string): LocalKmsAppKey {
    const all = this.app?.keys ?? [];
    const found = all.find((k) => k.path === name || k.arn === name || `${k.stackName}/${k.logicalId}` === name || k.aliases.includes(name))
      ?? all.find((k) => isCdkLogicalIdOf(name, k.stackName, k.logicalId));
    if (!found) {
      throw new ConfigurationError(`LocalKms: no KMS key '${name}' in the loaded app. Known: ${all.map((k) => k.path).join(', ') || '(none: load an app with LocalKms.fromCloudAssembly)'}.`);
    }
    return found;
  }

  private sameSetup(): LocalKmsOptions {
    return {
      region: this.region,
      accountId: this.accountId,
      callerArn: this.callerArn,
      clock: this.clock,
      store: this.store,
      enforcePolicies: this.enforcePolicies,
      principal: this.principal,
      origin: this.origin,
      app: this.app,
    };
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

/**
 * Whether `Stack/A/B` names the resource `logicalId` of stack `Stack` as CDK derives logical IDs
 * (path components without `Resource`/`Default`, non-alphanumerics removed, 8 hex digits of hash):
 * how a construct path finds its resource in a template synthesized without path metadata.
 */
function isCdkLogicalIdOf(name: string, stackName: string, logicalId: string): boolean {
  const [stack, ...rest] = name.split('/');
  if (stack !== stackName || rest.length === 0) return false;
  const human = rest.filter((c) => c !== 'Resource' && c !== 'Default').join('').replace(/[^A-Za-z0-9]/g, '');
  return new RegExp(`^${human}[0-9A-F]{8}$`).test(logicalId);
}

/** Puts a key of the app into the store, as CloudFormation would have created it. */
function installKey(store: LocalKmsStore, k: LocalKmsAppKey, now: Date): void {
  const primary = k.primaryRegion !== undefined && k.primaryRegion !== k.region ? store.getKey(k.primaryRegion, k.keyId) : undefined;
  const materialId = primary?.materialId ?? `${k.account}/${k.keyId}`;
  if (!primary) store.materials[materialId] = [newMaterial(k.keySpec as KmsKeySpec, now)];
  const key: StoredKey = {
    keyId: k.keyId,
    region: k.region,
    accountId: k.account,
    creationDate: now.toISOString(),
    description: k.description,
    keyState: k.enabled ? 'Enabled' : 'Disabled',
    keySpec: k.keySpec as KmsKeySpec,
    keyUsage: k.keyUsage as KmsKeyUsage,
    multiRegion: k.multiRegion,
    primaryRegion: k.primaryRegion,
    rotationEnabled: k.rotation,
    rotationPeriodInDays: k.rotation ? k.rotationPeriodInDays ?? 365 : undefined,
    lastRotation: now.toISOString(),
    policy: k.policy,
    tags: [],
    materialId,
  };
  store.putKey(key);
  for (const alias of k.aliases) {
    store.putAlias({ aliasName: alias, region: k.region, targetKeyId: k.keyId, creationDate: now.toISOString(), lastUpdatedDate: now.toISOString() });
  }
}
