/**
 * One JSON log line per call. Lines are built field by field from a whitelist, each value checked
 * against its own type or pattern, so plaintext, data keys or context values cannot slip in through
 * an extra property or a mistyped field. The encryption context is logged as its keys only.
 *
 * Text a caller chooses (encryption-context key names, principal ARNs from CloudTrail, the request
 * id) never carries a word the construct's metric filters anchor on (METRIC_FILTER_TOKENS): the
 * filters are regular expressions over the raw line, so such a word inside a key name could
 * otherwise spell a finding. A name that is not short and plain is logged as `sha256:` and the first
 * 16 hex digits of its SHA-256 instead, which an operator can recompute from a suspected name.
 */
import { createHash } from 'node:crypto';
import { OPERATIONS } from './events';
import { SecureKeyError } from '../core/errors';
import type { EncryptionContext } from '../core/types';

/** Receives one complete JSON line (no trailing newline). */
export type LogSink = (line: string) => void;

/** How the data key of a call was obtained. */
export type CacheOutcome = 'hit' | 'miss' | 'bypass' | 'disabled';

/** What a call may report about itself. Anything else is dropped. */
export interface CallDetails {
  /** Bytes of the decoded binary input (plaintext or message). */
  readonly inputBytes?: number;
  /** Bytes of the binary output (message, plaintext or data key ciphertext). */
  readonly outputBytes?: number;
  /** Only the keys are logged. */
  readonly encryptionContext?: EncryptionContext;
  readonly cache?: CacheOutcome;
  /** KMS requests this call made. */
  readonly kmsCalls?: number;
  /** For usage-report calls: the headline of the report. */
  readonly usageReport?: {
    readonly events: number;
    readonly principals: number;
    readonly complete: boolean;
    readonly unexpectedPrincipals: readonly string[];
  };
}

/** A logged call. Field names here are the complete list a line can contain. */
export interface CallLogRecord {
  readonly timestamp: string;
  readonly level: 'INFO' | 'ERROR';
  readonly type: 'securekey.call';
  readonly operation: string;
  readonly outcome: 'success' | 'error';
  readonly durationMs: number;
  readonly requestId?: string;
  readonly keyArn?: string;
  readonly errorType?: string;
  readonly inputBytes?: number;
  readonly outputBytes?: number;
  readonly encryptionContextKeys?: readonly string[];
  readonly cache?: CacheOutcome;
  readonly kmsCalls?: number;
  readonly usageReportEvents?: number;
  readonly usageReportPrincipals?: number;
  readonly usageReportComplete?: boolean;
  /** Number of unexpected principals (the list below is capped); alarm on `{ $.usageReportUnexpected > 0 }`. */
  readonly usageReportUnexpected?: number;
  readonly unexpectedPrincipals?: readonly string[];
}

export const MAX_LOGGED_CONTEXT_KEYS = 32;
export const MAX_LOGGED_PRINCIPALS = 50;
/**
 * The words the envelope function's metric filter patterns start with (src/private/envelope-settings.ts,
 * USAGE_REPORT_FINDING_PATTERNS; a test keeps the two in step). Case-sensitive, as CloudWatch Logs regex is.
 */
export const METRIC_FILTER_TOKENS = ['usageReport', 'operation', 'outcome'] as const;
/** Key names logged as they are: short, from a plain character set, and free of the tokens above. */
const PLAIN_NAME = /^[A-Za-z0-9_.:/@+=-]{1,64}$/;
const CACHE_OUTCOMES: readonly string[] = ['hit', 'miss', 'bypass', 'disabled'];
const REQUEST_ID = /^[A-Za-z0-9-]{1,128}$/;
const ERROR_TYPE = /^[A-Za-z]{1,64}$/;
const ARN_LIKE = /^[A-Za-z0-9+=,.@:/_-]{1,512}$/;

export interface CallLoggerOptions {
  /** @default one line to standard output */
  readonly sink?: LogSink;
  /** @default Date.now */
  readonly now?: () => number;
  /** The function's key, added to every line. */
  readonly keyArn?: string;
}

/** Times a call and logs it once, on success or failure. */
export interface CallTimer {
  succeed(details?: CallDetails): void;
  /** Logs the error's type (typed errors) or InternalError; never its message. */
  fail(err: unknown, details?: CallDetails): void;
}

export class CallLogger {
  private readonly sink: LogSink;
  private readonly now: () => number;
  private readonly keyArn?: string;

  constructor(options: CallLoggerOptions = {}) {
    this.sink = options.sink ?? ((line) => process.stdout.write(`${line}\n`));
    this.now = options.now ?? Date.now;
    this.keyArn = options.keyArn;
  }

  public start(operation: string, requestId?: string): CallTimer {
    const started = this.now();
    let done = false;
    const finish = (outcome: 'success' | 'error', errorType: string | undefined, details: CallDetails | undefined): void => {
      if (done) return;
      done = true;
      const at = this.now();
      const record = buildCallLogRecord({ at, durationMs: at - started, operation, outcome, requestId, keyArn: this.keyArn, errorType, details });
      this.sink(JSON.stringify(record));
    };
    return {
      succeed: (details) => finish('success', undefined, details),
      fail: (err, details) => finish('error', errorTypeOf(err), details),
    };
  }
}

/** The error type a log line or response names: a typed error's own, else InternalError. */
export function errorTypeOf(err: unknown): string {
  return err instanceof SecureKeyError && ERROR_TYPE.test(err.errorType) ? err.errorType : 'InternalError';
}

/** Builds a log record from whitelisted, checked values only. Exposed for tests and other sinks. */
export function buildCallLogRecord(input: {
  at: number;
  durationMs: number;
  operation: string;
  outcome: 'success' | 'error';
  requestId?: string;
  keyArn?: string;
  errorType?: string;
  details?: CallDetails;
}): CallLogRecord {
  const d: Partial<Record<keyof CallDetails, unknown>> = input.details && typeof input.details === 'object' ? input.details : {};
  const outcome = input.outcome === 'error' ? 'error' : 'success';
  const record: Record<string, unknown> = {
    timestamp: new Date(Number.isFinite(input.at) ? input.at : 0).toISOString(),
    level: outcome === 'error' ? 'ERROR' : 'INFO',
    type: 'securekey.call',
    operation: (OPERATIONS as readonly string[]).includes(input.operation) ? input.operation : 'unknown',
    outcome,
    durationMs: count(input.durationMs) ?? 0,
  };
  const set = (name: keyof CallLogRecord, value: unknown): void => {
    if (value !== undefined) record[name] = value;
  };
  set('requestId', typeof input.requestId === 'string' && REQUEST_ID.test(input.requestId) && !hasFilterToken(input.requestId) ? input.requestId : undefined);
  set('keyArn', typeof input.keyArn === 'string' && ARN_LIKE.test(input.keyArn) ? input.keyArn : undefined);
  set('errorType', outcome === 'error' ? (typeof input.errorType === 'string' && ERROR_TYPE.test(input.errorType) ? input.errorType : 'InternalError') : undefined);
  set('inputBytes', count(d.inputBytes));
  set('outputBytes', count(d.outputBytes));
  set('encryptionContextKeys', contextKeys(d.encryptionContext));
  set('cache', typeof d.cache === 'string' && CACHE_OUTCOMES.includes(d.cache) ? d.cache : undefined);
  set('kmsCalls', count(d.kmsCalls));
  const report = d.usageReport && typeof d.usageReport === 'object' ? d.usageReport as Partial<Record<string, unknown>> : undefined;
  if (report) {
    set('usageReportEvents', count(report.events));
    set('usageReportPrincipals', count(report.principals));
    set('usageReportComplete', typeof report.complete === 'boolean' ? report.complete : undefined);
    set('usageReportUnexpected', Array.isArray(report.unexpectedPrincipals) ? report.unexpectedPrincipals.length : undefined);
    set('unexpectedPrincipals', Array.isArray(report.unexpectedPrincipals)
      ? report.unexpectedPrincipals.filter((p): p is string => typeof p === 'string')
        .map((p) => (ARN_LIKE.test(p) && !hasFilterToken(p) ? p : hashedName(p))).slice(0, MAX_LOGGED_PRINCIPALS)
      : undefined);
  }
  return record as unknown as CallLogRecord;
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;
}

function contextKeys(ctx: unknown): string[] | undefined {
  if (!ctx || typeof ctx !== 'object' || Array.isArray(ctx)) return undefined;
  return Object.keys(ctx)
    .sort()
    .slice(0, MAX_LOGGED_CONTEXT_KEYS)
    .map(loggedName);
}

/** A caller-chosen name as a log line may carry it: plain names as they are, anything else hashed. */
export function loggedName(name: string): string {
  return PLAIN_NAME.test(name) && !hasFilterToken(name) ? name : hashedName(name);
}

function hashedName(name: string): string {
  return `sha256:${createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 16)}`;
}

function hasFilterToken(text: string): boolean {
  return METRIC_FILTER_TOKENS.some((t) => text.includes(t));
}
