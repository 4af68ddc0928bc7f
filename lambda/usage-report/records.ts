/**
 * The CloudTrail shapes the usage report reads, declared structurally so the pure code never imports the
 * AWS SDK. `LookupEventsItem` matches `Event` of `@aws-sdk/client-cloudtrail`; `CloudTrailRecord`
 * is the JSON record CloudTrail writes (the `CloudTrailEvent` string of a LookupEvents item, a
 * trail's log file entry, or the `detail` of an EventBridge "AWS API Call via CloudTrail" event).
 */

/** The `userIdentity` element of a CloudTrail record. */
export interface CloudTrailUserIdentity {
  /** Root, IAMUser, AssumedRole, FederatedUser, AWSAccount, AWSService, SAMLUser, WebIdentityUser, IdentityCenterUser, ... */
  readonly type?: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  /** The AWS service that made the request on the principal's behalf, e.g. `s3.amazonaws.com`. */
  readonly invokedBy?: string;
  readonly sessionContext?: {
    readonly sessionIssuer?: {
      readonly type?: string;
      readonly principalId?: string;
      readonly arn?: string;
      readonly accountId?: string;
      readonly userName?: string;
    };
    readonly attributes?: Readonly<Record<string, string>>;
  };
}

/** One resource of a CloudTrail record (`resources[]`). */
export interface CloudTrailResource {
  readonly ARN?: string;
  readonly accountId?: string;
  readonly type?: string;
}

/** A CloudTrail record, as JSON. Only the fields the usage report reads are typed. */
export interface CloudTrailRecord {
  readonly eventVersion?: string;
  readonly userIdentity?: CloudTrailUserIdentity;
  /** ISO 8601, e.g. `2025-05-20T20:46:16Z`. */
  readonly eventTime?: string;
  readonly eventSource?: string;
  readonly eventName?: string;
  readonly awsRegion?: string;
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
  readonly requestParameters?: Readonly<Record<string, unknown>> | null;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly eventID?: string;
  readonly readOnly?: boolean;
  readonly resources?: readonly CloudTrailResource[];
  readonly eventType?: string;
  readonly recipientAccountId?: string;
}

/** One item of LookupEvents' `Events[]` (structurally the SDK's `Event`). */
export interface LookupEventsItem {
  readonly EventId?: string;
  readonly EventName?: string;
  readonly ReadOnly?: string;
  readonly AccessKeyId?: string;
  readonly EventTime?: Date;
  readonly EventSource?: string;
  readonly Username?: string;
  readonly Resources?: ReadonlyArray<{ readonly ResourceType?: string; readonly ResourceName?: string }>;
  /** The full CloudTrail record as a JSON string. */
  readonly CloudTrailEvent?: string;
}

/** What `summarizeKeyUsage` accepts: LookupEvents items or CloudTrail records, mixed freely. */
export type KeyEventInput = LookupEventsItem | CloudTrailRecord;

/** A principal reduced to the identity that key usage should be counted against. */
export interface NormalizedPrincipal {
  /**
   * The identity usage counts against: a role ARN for assumed-role sessions, a user ARN, a root ARN,
   * an AWS service principal (`s3.amazonaws.com`) for AWSService, an account ID for AWSAccount.
   */
  readonly id: string;
  /** CloudTrail's `userIdentity.type`, or `Unknown`. */
  readonly type: string;
  readonly accountId?: string;
  /** The role session name of an assumed-role session (kept aside: sessions of one role count as the role). */
  readonly sessionName?: string;
  /** The service that called on the principal's behalf, when it is not itself the principal. */
  readonly invokedBy?: string;
}

/** One KMS call read from CloudTrail, reduced to what the report needs. */
export interface KeyEvent {
  readonly eventId?: string;
  readonly eventName: string;
  readonly eventSource: string;
  readonly eventTime: Date;
  readonly principal: NormalizedPrincipal;
  /** ARNs named by the record (`resources[].ARN` and LookupEvents `Resources[].ResourceName`). */
  readonly resourceArns: readonly string[];
  /** `requestParameters.keyId` / `destinationKeyId`, used when a record has no resources. */
  readonly requestKeyIds: readonly string[];
  /** Set when the call failed (AccessDenied, DisabledException, ...). */
  readonly errorCode?: string;
}

const STS_ASSUMED_ROLE = /^arn:([a-z0-9-]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
const IAM_PRINCIPAL = /^arn:([a-z0-9-]+):iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/;

/**
 * Reduces a `userIdentity` to the principal usage is counted against. Assumed-role sessions count
 * as their role (each Lambda invocation or EC2 instance is a new session of the same role).
 */
export function normalizePrincipal(identity: CloudTrailUserIdentity | undefined): NormalizedPrincipal {
  if (!identity || typeof identity !== 'object') return { id: 'unknown', type: 'Unknown' };
  const type = str(identity.type) ?? 'Unknown';
  const accountId = str(identity.accountId);
  const arn = str(identity.arn);
  const invokedBy = str(identity.invokedBy);
  const base = { type, ...(accountId ? { accountId } : {}) };
  switch (type) {
    case 'AssumedRole': {
      const sts = arn ? STS_ASSUMED_ROLE.exec(arn) : null;
      const sessionName = sts?.[4] ?? sessionFromPrincipalId(str(identity.principalId));
      // The session issuer ARN keeps the role's path; rebuilding from the STS ARN cannot.
      const roleArn = str(identity.sessionContext?.sessionIssuer?.arn)
        ?? (sts ? `arn:${sts[1]}:iam::${sts[2]}:role/${sts[3]}` : undefined);
      return {
        ...base,
        id: roleArn ?? arn ?? `AssumedRole:${str(identity.principalId) ?? 'unknown'}`,
        ...(sessionName ? { sessionName } : {}),
        ...(invokedBy ? { invokedBy } : {}),
      };
    }
    case 'AWSService':
      return { ...base, id: invokedBy ?? 'AWSService:unknown' };
    case 'AWSAccount':
      return { ...base, id: accountId ?? `AWSAccount:${str(identity.principalId) ?? 'unknown'}`, ...(invokedBy ? { invokedBy } : {}) };
    default:
      // IAMUser, Root, FederatedUser, SAMLUser, WebIdentityUser, IdentityCenterUser, and types added later.
      return {
        ...base,
        id: arn ?? (type === 'Root' && accountId ? `arn:aws:iam::${accountId}:root` : `${type}:${str(identity.userName) ?? str(identity.principalId) ?? 'unknown'}`),
        ...(invokedBy ? { invokedBy } : {}),
      };
  }
}

/**
 * The form two principal identifiers are compared in. IAM role and user names are unique within an
 * account whatever their path, so `role/service-role/X` and `role/X` are the same principal; an
 * assumed-role session ARN stands for its role.
 */
export function principalMatchKey(principal: string): string {
  const p = principal.trim();
  const sts = STS_ASSUMED_ROLE.exec(p);
  if (sts) return `arn:${sts[1]}:iam::${sts[2]}:role/${sts[3]}`;
  const iam = IAM_PRINCIPAL.exec(p);
  if (iam) return `arn:${iam[1]}:iam::${iam[2]}:${iam[3]}/${iam[4]}`;
  return p;
}

/**
 * Reads one LookupEvents item or CloudTrail record. Returns undefined when it is not a usable
 * record (no event name or time, or a `CloudTrailEvent` that is not JSON).
 */
export function toKeyEvent(input: KeyEventInput): KeyEvent | undefined {
  if (!input || typeof input !== 'object') return undefined;
  const item = input as LookupEventsItem;
  let record: CloudTrailRecord;
  if (typeof item.CloudTrailEvent === 'string') {
    try {
      const parsed: unknown = JSON.parse(item.CloudTrailEvent);
      if (!parsed || typeof parsed !== 'object') return undefined;
      record = parsed as CloudTrailRecord;
    } catch {
      return undefined;
    }
  } else if ('eventName' in input || 'userIdentity' in input) {
    record = input as CloudTrailRecord;
  } else {
    record = {};
  }
  const eventName = str(record.eventName) ?? str(item.EventName);
  const eventSource = str(record.eventSource) ?? str(item.EventSource);
  const eventTime = parseTime(record.eventTime) ?? (item.EventTime instanceof Date ? item.EventTime : undefined);
  if (!eventName || !eventSource || !eventTime || isNaN(eventTime.getTime())) return undefined;

  const resourceArns = new Set<string>();
  for (const r of Array.isArray(record.resources) ? record.resources : []) {
    const a = str(r?.ARN);
    if (a) resourceArns.add(a);
  }
  for (const r of Array.isArray(item.Resources) ? item.Resources : []) {
    const a = str(r?.ResourceName);
    if (a) resourceArns.add(a);
  }
  const params = record.requestParameters && typeof record.requestParameters === 'object' ? record.requestParameters : {};
  const requestKeyIds = ['keyId', 'destinationKeyId', 'sourceKeyId']
    .map((k) => str(params[k]))
    .filter((v): v is string => v !== undefined);
  const errorCode = str(record.errorCode);
  const eventId = str(record.eventID) ?? str(item.EventId);
  return {
    ...(eventId ? { eventId } : {}),
    eventName,
    eventSource,
    eventTime,
    principal: normalizePrincipal(record.userIdentity),
    resourceArns: [...resourceArns],
    requestKeyIds,
    ...(errorCode ? { errorCode } : {}),
  };
}

function sessionFromPrincipalId(principalId: string | undefined): string | undefined {
  const i = principalId?.indexOf(':') ?? -1;
  return i >= 0 ? principalId!.slice(i + 1) || undefined : undefined;
}

function parseTime(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const d = new Date(value);
  return isNaN(d.getTime()) ? undefined : d;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
