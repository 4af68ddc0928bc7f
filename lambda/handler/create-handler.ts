/**
 * `createHandler(deps)`: the envelope Lambda's operations (encrypt, decrypt, generateDataKey,
 * reEncrypt, usageReport) over the given dependencies. A pure factory: tests and the demo hand it a
 * key provider, a CloudTrail client, a log sink and a clock; the Lambda entry point (./index.ts)
 * builds the real ones from the environment.
 *
 * Only pure building blocks are imported at the top. The usage report's code is required when the
 * first usage report is asked for, since most containers never run one.
 */
import type { EnvelopeFunctionConfig } from './config';
import { toErrorResponse, type ErrorResponse } from './errors';
import {
  canonicalOperation, parseRequest, type DecryptRequest, type EncryptRequest, type GenerateDataKeyRequest, type ReEncryptRequest,
  type UsageReportRequest,
} from './events';
import { CallLogger, type CacheOutcome, type CallDetails, type LogSink } from './logger';
import { scanBody } from '../core/body';
import { CachingMaterialsManager } from '../core/caching-materials-manager';
import { DataKeyCache } from '../core/data-key-cache';
import { EnvelopeClient } from '../core/envelope-client';
import { ConfigurationError, InvalidMessageError, UnsupportedFormatError } from '../core/errors';
import { parseHeader, rewrapHeader } from '../core/header';
import { DefaultMaterialsManager } from '../core/materials';
import { checkExpectedContext } from '../core/session';
import { suiteInfo } from '../core/suites';
import type { EncryptionContext, KeyProvider, MaterialsManager } from '../core/types';
import type { CloudTrailLookupClient } from '../usage-report/lookup';
import type { KeyUsageReport } from '../usage-report/summarize';

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
  /** For `usageReport`. @default - usageReport is refused with a ConfigurationError */
  readonly cloudTrail?: CloudTrailLookupClient;
  /** Receives one JSON line per call. @default - standard output */
  readonly logSink?: LogSink;
  /** Epoch milliseconds, for logs, the data-key cache and usage-report windows. @default Date.now */
  readonly clock?: () => number;
  /** For the usage report's back-off. @default - a real timer */
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

/**
 * Builds a handler over the given dependencies. The data-key cache, the envelope client and the
 * usage report's rate limiter are created here, once, and shared by every call of the returned function.
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
  let usageReportLimiter: import('../usage-report/rate-limit').RequestRateLimiter | undefined;

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

  const usageReport = async (req: UsageReportRequest, log: CallDetails[], context?: EnvelopeInvocationContext): Promise<KeyUsageReport> => {
    if (!deps.cloudTrail) {
      throw new ConfigurationError('This handler has no CloudTrail client, so it cannot build a usage report; pass cloudTrail to createHandler.');
    }
    // Required here, not at the top: most containers never build a usage report.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const glue = require('./usage-report') as typeof import('./usage-report');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const rateLimit = require('../usage-report/rate-limit') as typeof import('../usage-report/rate-limit');
    usageReportLimiter ??= new rateLimit.RequestRateLimiter({ now: clock, ...(deps.sleep ? { sleep: deps.sleep } : {}) });
    const remaining = context?.getRemainingTimeInMillis?.();
    const report = await glue.runUsageReportRequest(deps.cloudTrail, req, config, {
      limiter: usageReportLimiter,
      now: clock,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      ...(typeof remaining === 'number' ? { remainingTimeMs: remaining } : {}),
    });
    log.push(glue.usageReportLogDetails(report));
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
        case 'usageReport': response = await usageReport(request, log, context); break;
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
export function operationOf(event: unknown): string {
  if (event === null || typeof event !== 'object') return 'unknown';
  const e = event as Record<string, unknown>;
  if (e.operation !== undefined) return canonicalOperation(e.operation) ?? 'unknown';
  return e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event' ? 'usageReport' : 'unknown';
}

