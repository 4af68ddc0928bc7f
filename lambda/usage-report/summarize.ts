import { KeyEvent, KeyEventInput, principalMatchKey, toKeyEvent } from './records';
import { ConfigurationError } from '../core/errors';

/** The KMS event source; events from other services that merely name the key are not key usage. */
export const KMS_EVENT_SOURCE = 'kms.amazonaws.com';

/** At most this many role session names are listed per principal (the count is always exact). */
export const MAX_SESSION_NAMES_PER_PRINCIPAL = 20;

/** How far `lookupKeyEvents` got, so a report can say whether it covers its whole window. */
export interface LookupStats {
  readonly pagesRead: number;
  readonly eventsRead: number;
  /** LookupEvents requests sent, retries included. */
  readonly requests: number;
  readonly throttledRetries: number;
  /** Set when a cap or deadline stopped reading before CloudTrail ran out of pages. */
  readonly truncated?: {
    readonly reason: 'maxPages' | 'maxEvents' | 'deadline';
    /** The oldest event read; LookupEvents returns newest first, so the window is covered from here to its end. */
    readonly oldestEventTime?: Date;
  };
}

export interface SummarizeKeyUsageOptions {
  /** ARN of the KMS key to report on. Events for other keys are ignored. */
  readonly keyArn: string;
  /**
   * Principals expected to use the key: role or user ARNs (any path), assumed-role session ARNs
   * (count as their role), root ARNs, AWS service principals (`s3.amazonaws.com`) and account IDs
   * (for `AWSAccount` callers).
   * @default - no principal is flagged as unexpected
   */
  readonly expectedPrincipals?: readonly string[];
  /** Events outside `[start, end]` (inclusive, as LookupEvents) are ignored. */
  readonly window: { readonly start: Date; readonly end: Date };
  /** Statistics of the lookup that produced the events; a truncated lookup makes the report incomplete. */
  readonly lookup?: LookupStats;
}

/** Counts of one principal, one operation, or one principal's use of one operation. */
export interface UsageCounts {
  /** Calls recorded, failed ones included. */
  readonly count: number;
  /** Calls that CloudTrail recorded with an `errorCode` (denied, disabled key, ...). */
  readonly errorCount: number;
  /** ISO 8601. */
  readonly firstSeen: string;
  /** ISO 8601. */
  readonly lastSeen: string;
}

export interface PrincipalUsage extends UsageCounts {
  /** See `NormalizedPrincipal.id`: a role ARN for assumed-role sessions. */
  readonly principal: string;
  /** CloudTrail's `userIdentity.type`. */
  readonly type: string;
  readonly accountId?: string;
  /** Whether the principal is in the expected set; absent when no expected set was given. */
  readonly expected?: boolean;
  /** Per KMS operation (`Decrypt`, `GenerateDataKey`, ...). */
  readonly operations: Readonly<Record<string, UsageCounts>>;
  /** Distinct role session names seen (up to MAX_SESSION_NAMES_PER_PRINCIPAL). */
  readonly sessionNames: readonly string[];
  readonly sessionCount: number;
  /** Services that called on this principal's behalf. */
  readonly invokedBy: readonly string[];
}

export interface OperationUsage extends UsageCounts {
  readonly operation: string;
  /** Distinct principals that called it. */
  readonly principals: number;
}

/** Who used a key, how, and when, over one window. Plain JSON (dates as ISO strings). */
export interface KeyUsageReport {
  readonly keyArn: string;
  readonly window: { readonly start: string; readonly end: string };
  /** False when a page or event cap (or a deadline) stopped the lookup before the window's start. */
  readonly complete: boolean;
  readonly truncation?: {
    readonly reason: 'maxPages' | 'maxEvents' | 'deadline';
    /** The part of the window the report covers: from the oldest event read to the window's end. */
    readonly coveredFrom?: string;
    readonly message: string;
  };
  readonly totals: {
    readonly events: number;
    readonly failedCalls: number;
    readonly principals: number;
    readonly operations: number;
  };
  /** Most active first. */
  readonly principals: readonly PrincipalUsage[];
  /** Most frequent first. */
  readonly operations: readonly OperationUsage[];
  readonly expectedPrincipalsChecked: boolean;
  /** Principals not in the expected set, most active first; empty when no set was given. */
  readonly unexpectedPrincipals: readonly string[];
  /** Records read but not counted, by reason. */
  readonly ignored: {
    readonly otherKeys: number;
    readonly otherSources: number;
    readonly outsideWindow: number;
    readonly unreadable: number;
    readonly duplicates: number;
  };
  readonly lookup?: { readonly pagesRead: number; readonly requests: number; readonly throttledRetries: number };
}

/**
 * Aggregates CloudTrail records of KMS calls into a key-usage report. Pure: no I/O, no clock.
 * Accepts LookupEvents items and raw CloudTrail records; ignores (and counts) records for other
 * keys, other event sources, outside the window, unreadable or repeated.
 */
export function summarizeKeyUsage(events: Iterable<KeyEventInput>, options: SummarizeKeyUsageOptions): KeyUsageReport {
  const { keyArn, window } = options;
  if (typeof keyArn !== 'string' || keyArn.length === 0) {
    throw new ConfigurationError('summarizeKeyUsage: keyArn must be the ARN of the KMS key to report on, got an empty value.');
  }
  if (!(window?.start instanceof Date) || !(window?.end instanceof Date) || isNaN(window.start.getTime()) || isNaN(window.end.getTime())) {
    throw new ConfigurationError('summarizeKeyUsage: window.start and window.end must be valid Dates.');
  }
  if (window.start.getTime() > window.end.getTime()) {
    throw new ConfigurationError(`summarizeKeyUsage: window.start (${window.start.toISOString()}) is after window.end (${window.end.toISOString()}); swap them.`);
  }
  const keyId = keyArn.includes(':key/') ? keyArn.slice(keyArn.indexOf(':key/') + 5) : undefined;
  const expected = options.expectedPrincipals ? new Set(options.expectedPrincipals.map(principalMatchKey)) : undefined;

  const ignored = { otherKeys: 0, otherSources: 0, outsideWindow: 0, unreadable: 0, duplicates: 0 };
  const seenIds = new Set<string>();
  const principals = new Map<string, PrincipalAcc>();
  const operations = new Map<string, OperationAcc>();
  let total = 0;
  let failed = 0;

  for (const input of events) {
    const e = toKeyEvent(input);
    if (!e) { ignored.unreadable++; continue; }
    if (e.eventSource !== KMS_EVENT_SOURCE) { ignored.otherSources++; continue; }
    if (!isForKey(e, keyArn, keyId)) { ignored.otherKeys++; continue; }
    const t = e.eventTime.getTime();
    if (t < window.start.getTime() || t > window.end.getTime()) { ignored.outsideWindow++; continue; }
    if (e.eventId !== undefined) {
      if (seenIds.has(e.eventId)) { ignored.duplicates++; continue; }
      seenIds.add(e.eventId);
    }
    total++;
    if (e.errorCode) failed++;

    let p = principals.get(e.principal.id);
    if (!p) {
      const { id, type, accountId } = e.principal;
      p = { principal: id, type, accountId, counts: newCounts(t), operations: new Map(), sessions: new Set(), invokedBy: new Set() };
      principals.set(e.principal.id, p);
    }
    add(p.counts, t, e);
    let po = p.operations.get(e.eventName);
    if (!po) { po = newCounts(t); p.operations.set(e.eventName, po); }
    add(po, t, e);
    if (e.principal.sessionName) p.sessions.add(e.principal.sessionName);
    if (e.principal.invokedBy) p.invokedBy.add(e.principal.invokedBy);

    let op = operations.get(e.eventName);
    if (!op) { op = { counts: newCounts(t), principals: new Set() }; operations.set(e.eventName, op); }
    add(op.counts, t, e);
    op.principals.add(e.principal.id);
  }

  const principalUsage: PrincipalUsage[] = [...principals.values()]
    .map((p) => ({
      principal: p.principal,
      type: p.type,
      ...(p.accountId ? { accountId: p.accountId } : {}),
      ...(expected ? { expected: expected.has(principalMatchKey(p.principal)) } : {}),
      ...toUsage(p.counts),
      operations: Object.fromEntries([...p.operations.entries()].sort(([a], [b]) => cmp(a, b)).map(([name, c]) => [name, toUsage(c)])),
      sessionNames: [...p.sessions].sort(cmp).slice(0, MAX_SESSION_NAMES_PER_PRINCIPAL),
      sessionCount: p.sessions.size,
      invokedBy: [...p.invokedBy].sort(cmp),
    }))
    .sort((a, b) => b.count - a.count || cmp(a.principal, b.principal));
  const operationUsage: OperationUsage[] = [...operations.entries()]
    .map(([operation, o]) => ({ operation, ...toUsage(o.counts), principals: o.principals.size }))
    .sort((a, b) => b.count - a.count || cmp(a.operation, b.operation));

  const truncated = options.lookup?.truncated;
  return {
    keyArn,
    window: { start: window.start.toISOString(), end: window.end.toISOString() },
    complete: truncated === undefined,
    ...(truncated ? { truncation: describeTruncation(truncated, window) } : {}),
    totals: { events: total, failedCalls: failed, principals: principalUsage.length, operations: operationUsage.length },
    principals: principalUsage,
    operations: operationUsage,
    expectedPrincipalsChecked: expected !== undefined,
    unexpectedPrincipals: principalUsage.filter((p) => p.expected === false).map((p) => p.principal),
    ignored,
    ...(options.lookup ? { lookup: pick(options.lookup) } : {}),
  };
}

interface MutableCounts { count: number; errorCount: number; first: number; last: number }
interface PrincipalAcc {
  principal: string;
  type: string;
  accountId?: string;
  counts: MutableCounts;
  operations: Map<string, MutableCounts>;
  sessions: Set<string>;
  invokedBy: Set<string>;
}
interface OperationAcc { counts: MutableCounts; principals: Set<string> }

function isForKey(e: KeyEvent, keyArn: string, keyId: string | undefined): boolean {
  if (e.resourceArns.length > 0) return e.resourceArns.includes(keyArn);
  // Records without resources (rare) name the key in their request parameters, as an ARN or bare ID.
  return e.requestKeyIds.some((k) => k === keyArn || (keyId !== undefined && k === keyId));
}

function newCounts(t: number): MutableCounts {
  return { count: 0, errorCount: 0, first: t, last: t };
}

function add(c: MutableCounts, t: number, e: KeyEvent): void {
  c.count++;
  if (e.errorCode) c.errorCount++;
  if (t < c.first) c.first = t;
  if (t > c.last) c.last = t;
}

function toUsage(c: MutableCounts): UsageCounts {
  return { count: c.count, errorCount: c.errorCount, firstSeen: new Date(c.first).toISOString(), lastSeen: new Date(c.last).toISOString() };
}

function describeTruncation(t: NonNullable<LookupStats['truncated']>, window: { start: Date; end: Date }): NonNullable<KeyUsageReport['truncation']> {
  const what = t.reason === 'deadline' ? 'the time budget ran out' : `the ${t.reason} cap was reached`;
  const coveredFrom = t.oldestEventTime?.toISOString();
  const covered = coveredFrom ? `events from ${coveredFrom} to ${window.end.toISOString()}` : 'no complete part of the window';
  return {
    reason: t.reason,
    ...(coveredFrom ? { coveredFrom } : {}),
    message: `Incomplete: ${what} before CloudTrail returned every event since ${window.start.toISOString()}; the report covers ${covered}. `
      + 'Raise maxPages/maxEvents, report on a shorter window, or query a trail\'s logs for long windows.',
  };
}

function pick({ pagesRead, requests, throttledRetries }: LookupStats): { pagesRead: number; requests: number; throttledRetries: number } {
  return { pagesRead, requests, throttledRetries };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
