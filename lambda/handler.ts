/**
 * The envelope Lambda: encrypt, decrypt, generateDataKey, reEncrypt and audit for other services.
 *
 * `createHandler(deps)` is a pure factory: tests and the demo hand it a key provider, a CloudTrail
 * client, a log sink and a clock. `handler` (the Lambda entry point) builds the real dependencies
 * from the environment once per container, on the first invocation, so loading this module stays
 * cheap and the data-key cache lives as long as the warm container.
 *
 * Only pure building blocks are imported at the top. The AWS SDK clients, the audit code and the
 * local KMS stand-in are required when first needed (see `dependenciesFromEnvironment`).
 */
import type { CloudTrailLookupClient } from './audit/lookup';
import type { KeyUsageReport } from './audit/summarize';
import { scanBody } from './core/body';
import { CachingMaterialsManager } from './core/caching-materials-manager';
import { DataKeyCache } from './core/data-key-cache';
import { EnvelopeClient } from './core/envelope-client';
import { ConfigurationError, InvalidMessageError, UnsupportedFormatError } from './core/errors';
import { parseHeader, rewrapHeader } from './core/header';
import { DefaultMaterialsManager } from './core/materials';
import { checkExpectedContext } from './core/session';
import { suiteInfo } from './core/suites';
import type { EncryptionContext, KeyProvider, MaterialsManager } from './core/types';
import { loadConfig, type EnvelopeFunctionConfig } from './handler/config';
import { toErrorResponse, type ErrorResponse } from './handler/errors';
import {
  parseRequest, type AuditRequest, type DecryptRequest, type EncryptRequest, type GenerateDataKeyRequest,
  type ReEncryptRequest,
} from './handler/events';
import { CallLogger, type CacheOutcome, type CallDetails, type LogSink } from './handler/logger';
import { parseKmsArn } from './providers/mrk';

// ---- public types ------------------------------------------------------------------------------

/** A key provider that counts the KMS requests it makes (every provider of this package does). */
export interface CountingKeyProvider extends KeyProvider {
  /** KMS requests made so far, failed ones included. */
  readonly calls: number;
}

/** Everything the handler needs, built once per container. */
export interface EnvelopeHandlerDependencies {
  readonly config: EnvelopeFunctionConfig;
  /** Data keys under `config.keyArn`: an `AwsKmsKeyProvider` over a `KMSClient` (or over a `LocalKms`). */
  readonly keyProvider: CountingKeyProvider;
  /** For `audit`. @default - audit is refused with a ConfigurationError */
  readonly cloudTrail?: CloudTrailLookupClient;
  /** Receives one JSON line per call. @default - standard output */
  readonly logSink?: LogSink;
  /** Epoch milliseconds, for logs, the data-key cache and audit windows. @default Date.now */
  readonly clock?: () => number;
  /** For audit back-off. @default - a real timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The part of Lambda's context object the handler reads. */
export interface EnvelopeInvocationContext {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

/** `encrypt`: the message, base64. */
export interface EncryptResponse {
  readonly message: string;
}
/** `decrypt`: the plaintext (base64) and the message's whole encryption context. */
export interface DecryptResponse {
  readonly plaintext: string;
  readonly encryptionContext: EncryptionContext;
}
/** `generateDataKey`, shaped like KMS's answer: the key ARN, the plaintext data key and its encrypted copy (base64). */
export interface GenerateDataKeyResponse {
  readonly keyId: string;
  readonly plaintext: string;
  readonly ciphertextBlob: string;
}
/** `reEncrypt`: the re-wrapped message (base64) and the key its data key is now wrapped under. */
export interface ReEncryptResponse {
  readonly message: string;
  readonly keyId: string;
}
export type EnvelopeResponse = EncryptResponse | DecryptResponse | GenerateDataKeyResponse | ReEncryptResponse | KeyUsageReport | ErrorResponse;

/** A handler function; it never throws: failures come back as `{ errorType, message }`. */
export type EnvelopeHandler = (event: unknown, context?: EnvelopeInvocationContext) => Promise<EnvelopeResponse>;

// ---- the handler ---------------------------------------------------------------------------------

/**
 * Builds a handler over the given dependencies. The data-key cache, the envelope client and the
 * audit rate limiter are created here, once, and shared by every call of the returned function.
 */
export function createHandler(deps: EnvelopeHandlerDependencies): EnvelopeHandler {
  const { config, keyProvider } = deps;
  if (!config || !keyProvider || typeof keyProvider.calls !== 'number') {
    throw new ConfigurationError('createHandler needs config (loadConfig(env)) and keyProvider (a KMS key provider of this package, which counts its calls).');
  }
  const clock = deps.clock ?? Date.now;
  const logger = new CallLogger({ sink: deps.logSink, now: clock, keyArn: config.keyArn });
  const underlying = new DefaultMaterialsManager(keyProvider);
  const materialsManager: MaterialsManager = config.cache.enabled
    ? new CachingMaterialsManager({
      underlying,
      cache: new DataKeyCache({ capacity: config.cache.capacity, clock }),
      maxAgeSeconds: config.cache.maxAgeSeconds,
      maxMessagesEncrypted: config.cache.maxMessagesEncrypted,
      maxBytesEncrypted: config.cache.maxBytesEncrypted,
    })
    : underlying;
  const client = new EnvelopeClient({
    materialsManager,
    suite: config.suite,
    frameLength: config.frameLength,
    maxEncryptedDataKeys: config.maxEncryptedDataKeys,
  });
  // One per container: CloudTrail's LookupEvents limit is per account and Region.
  let auditLimiter: import('./audit/rate-limit').RequestRateLimiter | undefined;

  const cacheOutcome = (hit: boolean, plaintextBytes?: number): CacheOutcome => {
    if (!config.cache.enabled) return 'disabled';
    if (hit) return 'hit';
    return plaintextBytes !== undefined && plaintextBytes > config.cache.maxBytesEncrypted ? 'bypass' : 'miss';
  };

  const encrypt = async (req: EncryptRequest, log: CallDetails[]): Promise<EncryptResponse> => {
    log.push({ inputBytes: req.plaintext.length, encryptionContext: req.encryptionContext });
    try {
      const { message, header } = await client.encrypt(req.plaintext, { encryptionContext: req.encryptionContext });
      log.push({ outputBytes: message.length, cache: cacheOutcome(header.cacheHit, req.plaintext.length) });
      return { message: message.toString('base64') };
    } finally {
      req.plaintext.fill(0);
    }
  };

  const decrypt = async (req: DecryptRequest, log: CallDetails[]): Promise<DecryptResponse> => {
    log.push({ inputBytes: req.message.length, encryptionContext: req.expectedEncryptionContext });
    const { plaintext, header } = await client.decrypt(req.message, { expectedEncryptionContext: req.expectedEncryptionContext });
    try {
      log.push({ outputBytes: plaintext.length, cache: cacheOutcome(header.cacheHit), encryptionContext: header.encryptionContext });
      return { plaintext: plaintext.toString('base64'), encryptionContext: { ...header.encryptionContext } };
    } finally {
      plaintext.fill(0);
    }
  };

  // Straight from KMS, never from the cache: the caller encrypts locally, out of reach of the
  // cache's message and byte limits, so it must get a key nobody else holds.
  const generateDataKey = async (req: GenerateDataKeyRequest, log: CallDetails[]): Promise<GenerateDataKeyResponse> => {
    log.push({ encryptionContext: req.encryptionContext, cache: config.cache.enabled ? 'bypass' : 'disabled' });
    const { plaintextDataKey, encryptedDataKey } = await keyProvider.generateDataKey({
      numberOfBytes: req.numberOfBytes, encryptionContext: req.encryptionContext,
    });
    try {
      log.push({ outputBytes: encryptedDataKey.encryptedDataKey.length });
      return {
        keyId: encryptedDataKey.providerInfo,
        plaintext: plaintextDataKey.toString('base64'),
        ciphertextBlob: encryptedDataKey.encryptedDataKey.toString('base64'),
      };
    } finally {
      plaintextDataKey.fill(0);
    }
  };

  // The data key comes from the materials manager (a cache hit saves the Decrypt); KMS ReEncrypt
  // wraps it under the destination key; the header gets the new encrypted data key and a new
  // header tag; the body bytes are copied unchanged.
  const reEncrypt = async (req: ReEncryptRequest, log: CallDetails[]): Promise<ReEncryptResponse> => {
    log.push({ inputBytes: req.message.length, encryptionContext: req.expectedEncryptionContext });
    const { header, bodyOffset } = parseHeader(req.message, { maxEncryptedDataKeys: config.maxEncryptedDataKeys });
    if (suiteInfo(header.suite).signed) {
      throw new UnsupportedFormatError('A signed (0x0578) message cannot be re-wrapped: its signature covers the header. Decrypt it and encrypt it again under the other key instead.');
    }
    checkExpectedContext(req.expectedEncryptionContext, header.encryptionContext);
    // The body is copied, not decrypted: check its structure (frames, lengths, no trailing bytes)
    // before any KMS call, as decrypt does.
    if (scanBody(header, req.message, bodyOffset).end !== req.message.length) {
      throw new InvalidMessageError('The message has bytes after its body; it is damaged or two messages were joined.');
    }
    // Exactly one data key of the function's key, so the key checked below (possibly from the cache,
    // whose entries cover the whole set of encrypted data keys) is the one KMS ReEncrypt re-wraps.
    const candidates = header.encryptedDataKeys.filter((edk) => keyProvider.canDecrypt(edk));
    if (candidates.length !== 1) {
      throw new InvalidMessageError(`reEncrypt needs exactly one encrypted data key for key ${keyProvider.keyId}; the message has ${candidates.length}.`);
    }
    const materials = await materialsManager.decryptMaterials({
      suite: header.suite, encryptionContext: header.encryptionContext, encryptedDataKeys: header.encryptedDataKeys,
    });
    try {
      // Checks the data key against the commitment and the old header tag before any KMS ReEncrypt.
      rewrapHeader(header, header.encryptedDataKeys, materials.plaintextDataKey);
      const wrapped = await keyProvider.reEncryptDataKey({
        encryptedDataKey: candidates[0], encryptionContext: header.encryptionContext, destinationKeyId: req.destinationKeyArn,
      });
      const newHeader = rewrapHeader(header, [wrapped], materials.plaintextDataKey);
      const message = Buffer.concat([newHeader, req.message.subarray(bodyOffset)]);
      log.push({ outputBytes: message.length, cache: cacheOutcome(materials.cacheHit === true) });
      return { message: message.toString('base64'), keyId: wrapped.providerInfo };
    } finally {
      materials.plaintextDataKey.fill(0);
    }
  };

  const audit = async (req: AuditRequest, log: CallDetails[], context?: EnvelopeInvocationContext): Promise<KeyUsageReport> => {
    if (!deps.cloudTrail) {
      throw new ConfigurationError('This handler has no CloudTrail client, so it cannot audit; pass cloudTrail to createHandler.');
    }
    // Required here, not at the top: most containers never audit.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const glue = require('./handler/audit') as typeof import('./handler/audit');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const rateLimit = require('./audit/rate-limit') as typeof import('./audit/rate-limit');
    auditLimiter ??= new rateLimit.RequestRateLimiter({ now: clock, ...(deps.sleep ? { sleep: deps.sleep } : {}) });
    const remaining = context?.getRemainingTimeInMillis?.();
    const report = await glue.runAuditRequest(deps.cloudTrail, req, config, {
      limiter: auditLimiter,
      now: clock,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      ...(typeof remaining === 'number' ? { remainingTimeMs: remaining } : {}),
    });
    log.push(glue.auditLogDetails(report));
    return report;
  };

  return async (event, context) => {
    const timer = logger.start(operationOf(event), context?.awsRequestId);
    const callsBefore = keyProvider.calls;
    const log: CallDetails[] = [];
    const details = (): CallDetails => Object.assign({}, ...log, { kmsCalls: keyProvider.calls - callsBefore }) as CallDetails;
    try {
      const request = parseRequest(event, { config, now: new Date(clock()) });
      let response: EnvelopeResponse;
      switch (request.operation) {
        case 'encrypt': response = await encrypt(request, log); break;
        case 'decrypt': response = await decrypt(request, log); break;
        case 'generateDataKey': response = await generateDataKey(request, log); break;
        case 'reEncrypt': response = await reEncrypt(request, log); break;
        case 'audit': response = await audit(request, log, context); break;
      }
      timer.succeed(details());
      return response;
    } catch (err) {
      timer.fail(err, details());
      return toErrorResponse(err);
    }
  };
}

/** The operation named by an event, for the log line (the logger maps anything unknown to `unknown`). */
function operationOf(event: unknown): string {
  if (event === null || typeof event !== 'object') return 'unknown';
  const e = event as Record<string, unknown>;
  if (typeof e.operation === 'string') return e.operation;
  return e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event' ? 'audit' : 'unknown';
}

// ---- the Lambda entry point ----------------------------------------------------------------------

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
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AwsKmsKeyProvider } = require('./providers/aws-kms') as typeof import('./providers/aws-kms');

  if (backendRaw === 'aws') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
    const { KMSClient } = require('@aws-sdk/client-kms') as typeof import('@aws-sdk/client-kms');
    // The key's Region, not the function's: KMS calls and CloudTrail event history are regional.
    return {
      backend: 'aws',
      config,
      keyProvider: new AwsKmsKeyProvider({ client: new KMSClient({ region: arn.region }), keyId: config.keyArn }),
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
  // The same provider class as in production: LocalKms understands the SDK's commands.
  return { backend: 'local', config, keyProvider: new AwsKmsKeyProvider({ client: kms, keyId: config.keyArn }), cloudTrail: localCloudTrail(kms) };
}

/**
 * A CloudTrail client whose SDK is loaded, and client built, on the first audit request: encrypt and
 * decrypt never load it (the bundle keeps it in a chunk of its own, see lambda/build-bundle.mjs).
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

/**
 * The local stand-in. In the bundle this require is rewritten to a separate file next to the
 * function's directory, so the deployed function never carries it (see lambda/build-bundle.mjs).
 */
function loadLocalKms(): typeof import('./providers/local-kms') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('./providers/local-kms') as typeof import('./providers/local-kms');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'MODULE_NOT_FOUND') {
      throw new ConfigurationError(`The local KMS stand-in is not deployed with the function; remove ${RUNTIME_VARIABLES.kmsBackend} to use AWS KMS.`);
    }
    throw err;
  }
}

/** What `localCloudTrail` reads: `LocalKms#cloudTrailEvents()`. */
export interface CloudTrailEventSource {
  cloudTrailEvents(): ReadonlyArray<LocalCloudTrailRecord>;
}

/** The fields of a LocalKms CloudTrail record that LookupEvents answers with. */
export interface LocalCloudTrailRecord {
  readonly eventID: string;
  readonly eventName: string;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly readOnly: boolean;
  readonly resources: ReadonlyArray<{ readonly ARN: string; readonly type: string }>;
  readonly userIdentity: { readonly userName?: string; readonly arn?: string };
}

/**
 * A LookupEvents-compatible client over LocalKms's CloudTrail records, so `audit` works offline:
 * filters by the lookup attribute and window, newest first, 50 per page with NextToken.
 */
export function localCloudTrail(source: CloudTrailEventSource): CloudTrailLookupClient {
  return {
    send: async (command) => {
      const input = command.input;
      const attribute = input.LookupAttributes?.[0];
      const start = input.StartTime instanceof Date ? input.StartTime.getTime() : -Infinity;
      const end = input.EndTime instanceof Date ? input.EndTime.getTime() : Infinity;
      const matching = source.cloudTrailEvents()
        .filter((r) => {
          const t = Date.parse(r.eventTime);
          if (t < start || t > end) return false;
          if (attribute?.AttributeKey === 'ResourceName') return r.resources.some((res) => res.ARN === attribute.AttributeValue);
          if (attribute?.AttributeKey === 'EventSource') return r.eventSource === attribute.AttributeValue;
          return true;
        })
        .reverse();
      const pageSize = Math.min(input.MaxResults ?? 50, 50);
      const from = input.NextToken ? Number(input.NextToken) : 0;
      const page = matching.slice(from, from + pageSize);
      const next = from + pageSize < matching.length ? String(from + pageSize) : undefined;
      return {
        $metadata: { httpStatusCode: 200 },
        Events: page.map((r) => ({
          EventId: r.eventID,
          EventName: r.eventName,
          ReadOnly: String(r.readOnly),
          EventTime: new Date(r.eventTime),
          EventSource: r.eventSource,
          Username: r.userIdentity.userName ?? r.userIdentity.arn,
          Resources: r.resources.map((res) => ({ ResourceType: res.type, ResourceName: res.ARN })),
          CloudTrailEvent: JSON.stringify(r),
        })),
        ...(next ? { NextToken: next } : {}),
      };
    },
  };
}

let container: Promise<EnvelopeHandler> | undefined;

/** Builds the container's handler on first use; a configuration error is kept and answered to every call. */
async function containerHandler(): Promise<EnvelopeHandler> {
  container ??= (async () => {
    const started = Date.now();
    try {
      const deps = await dependenciesFromEnvironment(process.env);
      writeInitLine({ level: 'INFO', backend: deps.backend, keyArn: deps.config.keyArn, cacheCapacity: deps.config.cache.capacity, durationMs: Date.now() - started });
      return createHandler(deps);
    } catch (err) {
      const response = toErrorResponse(err);
      // Configuration messages name variables and their (non-secret) values: the operator needs them.
      writeInitLine({ level: 'ERROR', ...response, durationMs: Date.now() - started });
      const logger = new CallLogger();
      return async (event: unknown, context?: EnvelopeInvocationContext) => {
        logger.start(operationOf(event), context?.awsRequestId).fail(err);
        return response;
      };
    }
  })();
  return container;
}

function writeInitLine(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ timestamp: new Date().toISOString(), type: 'securekey.init', ...fields })}\n`);
}

/**
 * The Lambda entry point. Configuration errors are returned as `{ errorType: 'ConfigurationError',
 * message }` from every invocation (and logged once), rather than thrown during init, where Lambda
 * would answer callers with a stack trace.
 */
export const handler = async (event: unknown, context?: EnvelopeInvocationContext): Promise<EnvelopeResponse> =>
  (await containerHandler())(event, context);
