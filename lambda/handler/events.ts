/**
 * Parses a Lambda event into a typed request per operation. Every size limit is checked on the
 * base64 text before anything is decoded; every error names the field and never quotes its value.
 */
import type { EnvelopeFunctionConfig } from './config';
import { ENVIRONMENT_VARIABLES, KMS_KEY_ARN_PATTERN } from './config';
import { InvalidRequestError, PayloadTooLargeError } from './errors';
import type { EncryptionContext } from '../core/types';

/** Lambda's limit for a synchronous invocation's request and, separately, its response: 6 MB. */
export const LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;
/**
 * Largest decoded binary field (plaintext or message). Its base64 (5,592,408 characters) plus the
 * message header, frame tags and JSON still fits in one synchronous response.
 */
export const MAX_BINARY_FIELD_BYTES = 4 * 1024 * 1024;
/** Base64 length of MAX_BINARY_FIELD_BYTES: longer text is refused before decoding. */
export const MAX_BASE64_FIELD_CHARS = 4 * Math.ceil(MAX_BINARY_FIELD_BYTES / 3);
/** The message format stores the encryption context in at most 2^16 - 1 bytes. */
export const MAX_ENCRYPTION_CONTEXT_BYTES = 0xffff;
/** KMS GenerateDataKey's NumberOfBytes range. */
export const DATA_KEY_BYTES = { min: 1, max: 1024, default: 32 } as const;
/** CloudTrail event history reaches 90 days back. */
export const CLOUDTRAIL_HISTORY_DAYS = 90;
export const MAX_EXPECTED_PRINCIPALS = 1000;
const RESERVED_CONTEXT_PREFIX = 'aws-crypto-';

export const OPERATIONS = ['encrypt', 'decrypt', 'generateDataKey', 'reEncrypt', 'usageReport'] as const;
export type Operation = typeof OPERATIONS[number];
/**
 * Other names accepted in an event's `operation` field: `audit` is `usageReport`. Requests
 * and log lines use the canonical name.
 */
export const OPERATION_ALIASES: Readonly<Record<string, Operation>> = { audit: 'usageReport' };

/** The canonical operation for a name from an event (an alias resolved); undefined when unknown. */
export function canonicalOperation(name: unknown): Operation | undefined {
  if (typeof name !== 'string') return undefined;
  if ((OPERATIONS as readonly string[]).includes(name)) return name as Operation;
  return Object.prototype.hasOwnProperty.call(OPERATION_ALIASES, name) ? OPERATION_ALIASES[name] : undefined;
}

/** `{ operation: 'encrypt', plaintext: <base64>, encryptionContext?: { k: v } }` */
export interface EncryptRequest {
  readonly operation: 'encrypt';
  readonly plaintext: Buffer;
  readonly encryptionContext: EncryptionContext;
}
/** `{ operation: 'decrypt', message: <base64>, encryptionContext?: <pairs the message must contain> }` */
export interface DecryptRequest {
  readonly operation: 'decrypt';
  readonly message: Buffer;
  readonly expectedEncryptionContext: EncryptionContext;
}
/** `{ operation: 'generateDataKey', encryptionContext?, numberOfBytes? }` */
export interface GenerateDataKeyRequest {
  readonly operation: 'generateDataKey';
  readonly encryptionContext: EncryptionContext;
  readonly numberOfBytes: number;
}
/** `{ operation: 'reEncrypt', message: <base64>, destinationKeyArn, encryptionContext? }` */
export interface ReEncryptRequest {
  readonly operation: 'reEncrypt';
  readonly message: Buffer;
  readonly destinationKeyArn: string;
  readonly expectedEncryptionContext: EncryptionContext;
}
/**
 * `{ operation: 'usageReport' (or its alias 'audit'), startTime?, endTime?, lookbackMinutes?, expectedPrincipals?, maxPages? }`,
 * or an EventBridge "Scheduled Event" (window: the configured lookback, ending the configured delay
 * before the schedule time).
 */
export interface UsageReportRequest {
  readonly operation: 'usageReport';
  readonly startTime: Date;
  readonly endTime: Date;
  readonly expectedPrincipals?: readonly string[];
  readonly maxPages: number;
  /** True when the event came from an EventBridge schedule. */
  readonly scheduled: boolean;
}
export type EnvelopeRequest = EncryptRequest | DecryptRequest | GenerateDataKeyRequest | ReEncryptRequest | UsageReportRequest;

const FIELDS: Readonly<Record<Operation, readonly string[]>> = {
  encrypt: ['operation', 'plaintext', 'encryptionContext'],
  decrypt: ['operation', 'message', 'encryptionContext'],
  generateDataKey: ['operation', 'encryptionContext', 'numberOfBytes'],
  reEncrypt: ['operation', 'message', 'destinationKeyArn', 'encryptionContext'],
  usageReport: ['operation', 'startTime', 'endTime', 'lookbackMinutes', 'expectedPrincipals', 'maxPages'],
};

export interface ParseRequestOptions {
  readonly config: EnvelopeFunctionConfig;
  /** The current time, for usage-report windows. */
  readonly now: Date;
}

/** Parses and validates an event. @throws InvalidRequestError, PayloadTooLargeError */
export function parseRequest(event: unknown, options: ParseRequestOptions): EnvelopeRequest {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new InvalidRequestError(`The event must be a JSON object with an "operation" field; received ${describe(event)}.`);
  }
  const e = event as Record<string, unknown>;
  if (isScheduledEvent(e)) return scheduledUsageReport(e, options);

  const operation = e.operation;
  const op = canonicalOperation(operation);
  if (op === undefined) {
    const shown = typeof operation === 'string' && /^[A-Za-z]{1,40}$/.test(operation) ? ` "${operation}"` : '';
    throw new InvalidRequestError(`Unknown operation${operation === undefined ? ' (field "operation" is missing)' : shown}; expected one of ${OPERATIONS.join(', ')}.`);
  }
  const unknown = Object.keys(e).filter((k) => !FIELDS[op].includes(k));
  if (unknown.length > 0) {
    throw new InvalidRequestError(`Unexpected field${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 5).map(fieldName).join(', ')} for ${op}; allowed: ${FIELDS[op].join(', ')}.`);
  }

  const store = options.config.branchKeyStore;
  if (store && (op === 'generateDataKey' || op === 'reEncrypt')) {
    throw new InvalidRequestError(`${op} is not offered by this function: its data keys are wrapped by branch keys of the key store ${store.logicalKeyStoreName} (${ENVIRONMENT_VARIABLES.branchKeyTable}), not by KMS. Use encrypt and decrypt.`);
  }
  switch (op) {
    case 'encrypt': {
      const plaintext = decodeBase64Field(e, 'plaintext', { allowEmpty: true });
      const encryptionContext = parseRequestEncryptionContext(e.encryptionContext, { forEncrypt: true });
      const contextKey = store?.branchKeyIdContextKey;
      if (contextKey !== undefined && !encryptionContext[contextKey]) {
        plaintext.fill(0);
        throw new InvalidRequestError(`encryptionContext[${fieldName(contextKey)}] is missing or empty: it names the branch key of the message (${ENVIRONMENT_VARIABLES.branchKeyIdContextKey}). Add it, e.g. the tenant's id.`);
      }
      return { operation: op, plaintext, encryptionContext };
    }
    case 'decrypt':
      return { operation: op, message: decodeBase64Field(e, 'message'), expectedEncryptionContext: parseRequestEncryptionContext(e.encryptionContext, { forEncrypt: false }) };
    case 'generateDataKey':
      if (!options.config.generateDataKeyEnabled) {
        throw new InvalidRequestError(`generateDataKey is turned off for this function (${ENVIRONMENT_VARIABLES.generateDataKey}=false): it would return a plaintext data key. Use encrypt instead.`);
      }
      return {
        operation: op,
        encryptionContext: parseRequestEncryptionContext(e.encryptionContext, { forEncrypt: true }),
        numberOfBytes: integerField(e, 'numberOfBytes', DATA_KEY_BYTES.min, DATA_KEY_BYTES.max, DATA_KEY_BYTES.default),
      };
    case 'reEncrypt':
      return {
        operation: op,
        message: decodeBase64Field(e, 'message'),
        destinationKeyArn: destinationKey(e.destinationKeyArn, options.config),
        expectedEncryptionContext: parseRequestEncryptionContext(e.encryptionContext, { forEncrypt: false }),
      };
    case 'usageReport':
      return adHocUsageReport(e, options);
  }
}

/**
 * Decodes a strict standard-base64 field (RFC 4648 section 4: `A-Z a-z 0-9 + /`, `=` padding,
 * canonical final bits), after checking its size from the text length alone.
 */
export function decodeBase64Field(event: Readonly<Record<string, unknown>>, field: string, options: { allowEmpty?: boolean } = {}): Buffer {
  const value = event[field];
  if (value === undefined) throw new InvalidRequestError(`Field "${field}" is missing; give the bytes as a base64 string.`);
  if (typeof value !== 'string') throw new InvalidRequestError(`Field "${field}" must be a base64 string; received ${describe(value)}.`);
  if (value.length > MAX_BASE64_FIELD_CHARS) {
    throw new PayloadTooLargeError(tooLargeMessage(field, Math.floor((value.length * 3) / 4)));
  }
  if (value.length === 0) {
    if (options.allowEmpty) return Buffer.alloc(0);
    throw new InvalidRequestError(`Field "${field}" is empty; give the bytes as a base64 string.`);
  }
  if (value.length % 4 !== 0) {
    throw new InvalidRequestError(`Field "${field}" is not valid base64: its length (${value.length}) is not a multiple of 4. Use standard base64 with "=" padding.`);
  }
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  const decodedLength = (value.length / 4) * 3 - padding;
  if (decodedLength > MAX_BINARY_FIELD_BYTES) throw new PayloadTooLargeError(tooLargeMessage(field, decodedLength));
  const bad = value.slice(0, value.length - padding).search(/[^A-Za-z0-9+/]/);
  if (bad >= 0) {
    const c = value[bad];
    const hint = c === '-' || c === '_' ? ' It looks like base64url; use standard base64 ("+" and "/").'
      : /\s/.test(c) ? ' Remove whitespace and line breaks.'
        : c === '=' ? ' "=" may only appear as padding at the end.' : '';
    throw new InvalidRequestError(`Field "${field}" is not valid base64: unexpected character at position ${bad}.${hint}`);
  }
  // Canonical encoding: the bits a padded final quantum does not use must be zero.
  if (padding > 0 && sextet(value.charCodeAt(value.length - padding - 1)) % (padding === 2 ? 16 : 4) !== 0) {
    throw new InvalidRequestError(`Field "${field}" is not canonical base64: the final character before the padding has non-zero unused bits.`);
  }
  return Buffer.from(value, 'base64');
}

/**
 * Checks an encryption context from an event: an object of string keys to string values, well-formed
 * Unicode, within the format's size limit; for new messages, no reserved `aws-crypto-` keys.
 * Messages name keys, never values.
 */
export function parseRequestEncryptionContext(value: unknown, options: { forEncrypt: boolean }): EncryptionContext {
  const out: Record<string, string> = {};
  if (value === undefined || value === null) return Object.freeze(out);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRequestError(`Field "encryptionContext" must be an object of string keys to string values; received ${describe(value)}.`);
  }
  let size = 2;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!isWellFormed(key)) throw new InvalidRequestError('Field "encryptionContext" has a key that is not well-formed Unicode (lone surrogate).');
    if (typeof v !== 'string') throw new InvalidRequestError(`encryptionContext[${fieldName(key)}] must be a string; received ${describe(v)}.`);
    if (!isWellFormed(v)) throw new InvalidRequestError(`encryptionContext[${fieldName(key)}] is not well-formed Unicode (lone surrogate).`);
    if (options.forEncrypt && key.startsWith(RESERVED_CONTEXT_PREFIX)) {
      throw new InvalidRequestError(`encryptionContext key ${fieldName(key)} uses the reserved prefix "${RESERVED_CONTEXT_PREFIX}"; choose another key.`);
    }
    size += 4 + Buffer.byteLength(key, 'utf8') + Buffer.byteLength(v, 'utf8');
    // defineProperty: a "__proto__" key stays an ordinary pair.
    Object.defineProperty(out, key, { value: v, enumerable: true, writable: false, configurable: false });
  }
  if (size > MAX_ENCRYPTION_CONTEXT_BYTES) {
    throw new InvalidRequestError(`Field "encryptionContext" takes ${size} bytes in the message header; the format allows at most ${MAX_ENCRYPTION_CONTEXT_BYTES}. Keep large data in the plaintext.`);
  }
  return Object.freeze(out);
}

function destinationKey(value: unknown, config: EnvelopeFunctionConfig): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidRequestError(`Field "destinationKeyArn" must be the ARN of the KMS key to re-wrap under; received ${describe(value)}.`);
  }
  if (config.reEncryptDestinationKeyArns.length === 0) {
    throw new InvalidRequestError(`reEncrypt is turned off for this function: no destination keys are allowed. Set ${ENVIRONMENT_VARIABLES.reEncryptDestinationKeyArns} to the key ARNs it may re-wrap under.`);
  }
  if (!KMS_KEY_ARN_PATTERN.test(value) || !config.reEncryptDestinationKeyArns.includes(value)) {
    throw new InvalidRequestError(`Field "destinationKeyArn" is not an allowed destination key; allowed: ${config.reEncryptDestinationKeyArns.join(', ')}.`);
  }
  return value;
}

function adHocUsageReport(e: Readonly<Record<string, unknown>>, { config, now }: ParseRequestOptions): UsageReportRequest {
  const endTime = timeField(e, 'endTime') ?? now;
  const lookback = integerField(e, 'lookbackMinutes', 1, CLOUDTRAIL_HISTORY_DAYS * 24 * 60, config.usageReport.lookbackMinutes);
  if (e.startTime !== undefined && e.lookbackMinutes !== undefined) {
    throw new InvalidRequestError('Give either "startTime" or "lookbackMinutes" for usageReport, not both.');
  }
  const startTime = timeField(e, 'startTime') ?? new Date(endTime.getTime() - lookback * 60_000);
  const principals = e.expectedPrincipals === undefined ? config.usageReport.expectedPrincipals : stringList(e.expectedPrincipals, 'expectedPrincipals');
  return reportWindow(startTime, endTime, now, {
    operation: 'usageReport',
    maxPages: integerField(e, 'maxPages', 1, config.usageReport.maxPages, config.usageReport.maxPages),
    scheduled: false,
    ...(principals ? { expectedPrincipals: principals } : {}),
  });
}

function scheduledUsageReport(e: Readonly<Record<string, unknown>>, { config, now }: ParseRequestOptions): UsageReportRequest {
  const at = timeField(e, 'time') ?? now;
  const endTime = new Date(at.getTime() - config.usageReport.delayMinutes * 60_000);
  const startTime = new Date(endTime.getTime() - config.usageReport.lookbackMinutes * 60_000);
  return reportWindow(startTime, endTime, now, {
    operation: 'usageReport',
    maxPages: config.usageReport.maxPages,
    scheduled: true,
    ...(config.usageReport.expectedPrincipals ? { expectedPrincipals: config.usageReport.expectedPrincipals } : {}),
  });
}

function reportWindow(startTime: Date, endTime: Date, now: Date, rest: Omit<UsageReportRequest, 'startTime' | 'endTime'>): UsageReportRequest {
  if (startTime.getTime() > endTime.getTime()) {
    throw new InvalidRequestError(`The usage report's window starts (${startTime.toISOString()}) after it ends (${endTime.toISOString()}); swap startTime and endTime.`);
  }
  const oldest = now.getTime() - CLOUDTRAIL_HISTORY_DAYS * 24 * 3_600_000;
  if (startTime.getTime() < oldest) {
    throw new InvalidRequestError(`The usage report's window starts ${startTime.toISOString()}, before CloudTrail's ${CLOUDTRAIL_HISTORY_DAYS}-day event history (${new Date(oldest).toISOString()}); query a trail's logs for older events.`);
  }
  return { ...rest, startTime, endTime };
}

function isScheduledEvent(e: Readonly<Record<string, unknown>>): boolean {
  return e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event' && e.operation === undefined;
}

function timeField(e: Readonly<Record<string, unknown>>, field: string): Date | undefined {
  const v = e[field];
  if (v === undefined) return undefined;
  const d = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? new Date(v) : undefined;
  if (!d || isNaN(d.getTime())) {
    throw new InvalidRequestError(`Field "${field}" must be an ISO 8601 date-time like 2025-05-20T10:00:00Z; received ${describe(v)}.`);
  }
  return d;
}

function integerField(e: Readonly<Record<string, unknown>>, field: string, min: number, max: number, fallback: number): number {
  const v = e[field];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidRequestError(`Field "${field}" must be a whole number from ${min} to ${max}; received ${typeof v === 'number' ? v : describe(v)}.`);
  }
  return v;
}

function stringList(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.length > MAX_EXPECTED_PRINCIPALS || !v.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 2048)) {
    throw new InvalidRequestError(`Field "${field}" must be a list of up to ${MAX_EXPECTED_PRINCIPALS} non-empty strings; received ${describe(v)}.`);
  }
  return v as string[];
}

function tooLargeMessage(field: string, bytes: number): string {
  return `Field "${field}" holds about ${bytes} bytes; this function accepts at most ${MAX_BINARY_FIELD_BYTES} bytes per field, because a synchronous `
    + `Lambda invocation carries at most ${LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES} bytes (6 MB) each way and base64 adds a third. For bigger data, `
    + 'store it in S3 and encrypt or decrypt it with the streaming helpers of cdk-secure-key/lambda (or use generateDataKey and encrypt locally).';
}

/** A type description for messages: never the value itself. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `a string of ${v.length} characters`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A field or context key name for messages, quoted and cut short. */
function fieldName(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}...` : name);
}

function sextet(code: number): number {
  if (code >= 65 && code <= 90) return code - 65;
  if (code >= 97 && code <= 122) return code - 71;
  if (code >= 48 && code <= 57) return code + 4;
  return code === 43 ? 62 : 63;
}

function isWellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}
