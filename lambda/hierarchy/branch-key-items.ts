/**
 * Branch key items as the branch key store specification defines them, and the AWS KMS encryption
 * context built from them. Pure: no I/O.
 *
 * Every branch key id has three kinds of item in the table (partition key `branch-key-id`, sort key
 * `type`): `branch:ACTIVE` (the version to encrypt with, with a `version` attribute),
 * `branch:version:<uuid>` (every version, for decrypt) and `beacon:ACTIVE` (a beacon key for
 * searchable encryption). Each holds `enc` (the key wrapped by KMS), `kms-arn`, `create-time`,
 * `hierarchy-version` (number 1) and the custom encryption context as `aws-crypto-ec:<key>`.
 */
import { ConfigurationError, InvalidMessageError } from '../core/errors';

export const ATTR_BRANCH_KEY_ID = 'branch-key-id';
export const ATTR_TYPE = 'type';
export const ATTR_VERSION = 'version';
export const ATTR_ENC = 'enc';
export const ATTR_KMS_ARN = 'kms-arn';
export const ATTR_CREATE_TIME = 'create-time';
export const ATTR_HIERARCHY_VERSION = 'hierarchy-version';
/** KMS encryption context key carrying the logical key store name (not stored on items). */
export const CONTEXT_TABLE_NAME = 'tablename';
export const CUSTOM_CONTEXT_PREFIX = 'aws-crypto-ec:';
export const TYPE_ACTIVE = 'branch:ACTIVE';
export const TYPE_BEACON = 'beacon:ACTIVE';
export const TYPE_VERSION_PREFIX = 'branch:version:';
export const HIERARCHY_VERSION = '1';

/** A DynamoDB attribute value, in the low-level client's shape (only the kinds items use). */
export interface BranchKeyAttributeValue {
  readonly S?: string;
  readonly N?: string;
  readonly B?: Uint8Array;
}

export type BranchKeyItem = Readonly<Record<string, BranchKeyAttributeValue>>;

/** Which item a read asks for. */
export type BranchKeyItemKind = { kind: 'active' } | { kind: 'version'; version: string } | { kind: 'beacon' };

export function sortKeyOf(which: BranchKeyItemKind): string {
  if (which.kind === 'active') return TYPE_ACTIVE;
  if (which.kind === 'beacon') return TYPE_BEACON;
  return TYPE_VERSION_PREFIX + which.version;
}

/** What a new key or version is made of, before KMS wraps it. */
export interface BranchKeyItemFields {
  readonly branchKeyId: string;
  /** `branch:ACTIVE`, `branch:version:<uuid>` or `beacon:ACTIVE`. */
  readonly type: string;
  /** For `branch:ACTIVE` only: `branch:version:<uuid>`. */
  readonly version?: string;
  readonly kmsArn: string;
  readonly createTime: string;
  /** Custom encryption context, without the prefix. */
  readonly customContext: Readonly<Record<string, string>>;
}

/** The KMS encryption context for a branch or beacon key (every item attribute but `enc`, plus `tablename`). */
export function kmsContextForFields(fields: BranchKeyItemFields, logicalKeyStoreName: string): Record<string, string> {
  const context: Record<string, string> = {
    [ATTR_BRANCH_KEY_ID]: fields.branchKeyId,
    [ATTR_TYPE]: fields.type,
    [ATTR_CREATE_TIME]: fields.createTime,
    [CONTEXT_TABLE_NAME]: logicalKeyStoreName,
    [ATTR_KMS_ARN]: fields.kmsArn,
    [ATTR_HIERARCHY_VERSION]: HIERARCHY_VERSION,
  };
  if (fields.version !== undefined) context[ATTR_VERSION] = fields.version;
  for (const key of Object.keys(fields.customContext)) {
    context[CUSTOM_CONTEXT_PREFIX + key] = fields.customContext[key];
  }
  return context;
}

/** The item to write for `fields`, holding `enc`. */
export function itemForFields(fields: BranchKeyItemFields, enc: Uint8Array): Record<string, BranchKeyAttributeValue> {
  const item: Record<string, BranchKeyAttributeValue> = {
    [ATTR_BRANCH_KEY_ID]: { S: fields.branchKeyId },
    [ATTR_TYPE]: { S: fields.type },
    [ATTR_ENC]: { B: enc },
    [ATTR_KMS_ARN]: { S: fields.kmsArn },
    [ATTR_CREATE_TIME]: { S: fields.createTime },
    [ATTR_HIERARCHY_VERSION]: { N: HIERARCHY_VERSION },
  };
  if (fields.version !== undefined) item[ATTR_VERSION] = { S: fields.version };
  for (const key of Object.keys(fields.customContext)) {
    item[CUSTOM_CONTEXT_PREFIX + key] = { S: fields.customContext[key] };
  }
  return item;
}

/** A stored item, checked against the record format, with its KMS encryption context. */
export interface ParsedBranchKeyItem {
  readonly fields: BranchKeyItemFields;
  readonly enc: Buffer;
  /** The KMS encryption context `enc` was wrapped under. */
  readonly kmsContext: Record<string, string>;
  /** For branch keys: the version UUID (from `version` on ACTIVE, else from `type`). */
  readonly branchKeyVersion?: string;
}

/** Checks a stored item against the record format and what was asked for; never trusts it otherwise. */
export function parseBranchKeyItem(
  item: BranchKeyItem | undefined, branchKeyId: string, which: BranchKeyItemKind, logicalKeyStoreName: string,
): ParsedBranchKeyItem {
  const sortKey = sortKeyOf(which);
  if (!item) {
    throw new ConfigurationError(`No branch key item "${sortKey}" for branch key id "${branchKeyId}" in the key store; create the branch key first (CreateKey).`);
  }
  const str = (name: string): string => {
    const value = item[name]?.S;
    if (typeof value !== 'string' || value.length === 0) {
      throw new InvalidMessageError(`Branch key item "${sortKey}" of "${branchKeyId}" lacks the string attribute "${name}" the record format requires.`);
    }
    return value;
  };
  const id = str(ATTR_BRANCH_KEY_ID);
  const type = str(ATTR_TYPE);
  if (id !== branchKeyId || type !== sortKey) {
    throw new InvalidMessageError(`The key store returned item "${type}" of "${id}" when asked for "${sortKey}" of "${branchKeyId}".`);
  }
  const enc = item[ATTR_ENC]?.B;
  if (!(enc instanceof Uint8Array) || enc.length === 0) {
    throw new InvalidMessageError(`Branch key item "${sortKey}" of "${branchKeyId}" lacks the binary attribute "${ATTR_ENC}".`);
  }
  if (item[ATTR_HIERARCHY_VERSION]?.N !== HIERARCHY_VERSION) {
    throw new InvalidMessageError(`Branch key item "${sortKey}" of "${branchKeyId}" has ${ATTR_HIERARCHY_VERSION} ${JSON.stringify(item[ATTR_HIERARCHY_VERSION]?.N)}; only ${HIERARCHY_VERSION} is supported.`);
  }
  let version: string | undefined;
  let branchKeyVersion: string | undefined;
  if (which.kind === 'active') {
    version = str(ATTR_VERSION);
    if (!version.startsWith(TYPE_VERSION_PREFIX)) {
      throw new InvalidMessageError(`Branch key item "${sortKey}" of "${branchKeyId}" has a ${ATTR_VERSION} that does not start with "${TYPE_VERSION_PREFIX}".`);
    }
    branchKeyVersion = version.slice(TYPE_VERSION_PREFIX.length);
  } else if (which.kind === 'version') {
    if (item[ATTR_VERSION] !== undefined) {
      throw new InvalidMessageError(`Branch key item "${sortKey}" of "${branchKeyId}" must not have a "${ATTR_VERSION}" attribute.`);
    }
    branchKeyVersion = which.version;
  }
  const customContext: Record<string, string> = {};
  const otherAttributes: Record<string, string> = {};
  const known = new Set([ATTR_BRANCH_KEY_ID, ATTR_TYPE, ATTR_ENC, ATTR_KMS_ARN, ATTR_CREATE_TIME, ATTR_HIERARCHY_VERSION, ATTR_VERSION]);
  for (const name of Object.keys(item)) {
    if (known.has(name)) continue;
    // Every other attribute is authenticated by KMS as part of the context, so it must be a string.
    const value = item[name]?.S;
    if (typeof value !== 'string') {
      throw new InvalidMessageError(`Branch key item "${sortKey}" of "${branchKeyId}" has a non-string attribute "${name}"; it cannot be authenticated.`);
    }
    // The specification binds every additional attribute into the KMS context; only prefixed ones
    // are the branch key's custom encryption context.
    if (name.startsWith(CUSTOM_CONTEXT_PREFIX)) customContext[name.slice(CUSTOM_CONTEXT_PREFIX.length)] = value;
    else otherAttributes[name] = value;
  }
  const fields: BranchKeyItemFields = {
    branchKeyId: id, type, version, kmsArn: str(ATTR_KMS_ARN), createTime: str(ATTR_CREATE_TIME), customContext,
  };
  return { fields, enc: Buffer.from(enc), kmsContext: { ...otherAttributes, ...kmsContextForFields(fields, logicalKeyStoreName) }, branchKeyVersion };
}

/** ISO 8601 in UTC to microsecond precision, as the specification asks for `create-time`. */
export function createTimeOf(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}
