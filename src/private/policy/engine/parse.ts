/**
 * Policy documents -> normalized statements. Accepts CloudFormation JSON (intrinsics are made symbolic:
 * `{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"]]}`
 * becomes `arn:${AWS::Partition}:iam::${AWS::AccountId}:root`) or plain JSON. Every way of writing an
 * account as a principal (root ARN, bare account ID, an intrinsic that builds either) becomes one
 * `account` entry; operators are split into set qualifier, base, negation and IfExists.
 */
import { createHash } from 'node:crypto';
import { Condition, PrincipalEntry, Statement } from './model';
import { asArray, normalize, symbolic } from '../json';

/** Placeholder values to substitute after normalization (e.g. `${AWS::Partition}` -> `aws`). */
export type Substitutions = Readonly<Record<string, string>>;

/** One ARN or ID segment: plain text without colons, or a `${...}` placeholder (which may hold colons). */
const SEGMENT = '(?:\\$\\{[^}]*\\}|[^:$])+';
const ROOT_ARN = new RegExp(`^arn:${SEGMENT}:iam::(${SEGMENT}):root$`);
const IAM_ARN = new RegExp(`^arn:${SEGMENT}:(?:iam|sts)::(${SEGMENT}):`);

/** The account of a root ARN or a bare account ID; undefined for anything else. */
export function accountOfRootPrincipal(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  return ROOT_ARN.exec(principal)?.[1];
}

/** The account an IAM or STS ARN names, when it is written out. */
export function accountOfIamArn(arn: string): string | undefined {
  return IAM_ARN.exec(arn)?.[1];
}

function substitute(value: string, subs: Substitutions | undefined): string {
  if (!subs) return value;
  return value.replace(/\$\{[^}]*\}/g, (m) => subs[m] ?? m);
}

function strings(v: unknown, subs: Substitutions | undefined): string[] {
  return asArray(v as unknown).map((x) => substitute(typeof x === 'string' ? x : symbolic(x), subs));
}

/** Classifies a Principal/NotPrincipal block. */
export function principalEntries(p: unknown, subs?: Substitutions): PrincipalEntry[] {
  if (p === '*') return [{ type: 'everyone' }];
  if (!p || typeof p !== 'object' || Array.isArray(p)) return [];
  const out: PrincipalEntry[] = [];
  for (const [type, raw] of Object.entries(p as Record<string, unknown>)) {
    for (const written of strings(raw, undefined)) {
      const value = substitute(written, subs);
      if (type === 'AWS') {
        const account = accountOfRootPrincipal(value);
        if (value === '*') out.push({ type: 'everyone' });
        else if (account !== undefined) out.push({ type: 'account', account, written });
        else out.push({ type: 'arn', arn: value, account: accountOfIamArn(value) });
      } else if (type === 'Service') {
        out.push({ type: 'service', service: value });
      } else {
        out.push({ type: 'other', value: `${type}:${value}` });
      }
    }
  }
  return out;
}

/** Base operators the engine knows, in canonical spelling; the positive form of each. */
const BASES = [
  'StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'NumericEquals', 'NumericLessThan', 'NumericLessThanEquals',
  'NumericGreaterThan', 'NumericGreaterThanEquals', 'DateEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan',
  'DateGreaterThanEquals', 'Bool', 'BinaryEquals', 'IpAddress', 'ArnEquals', 'ArnLike', 'Null',
];
const BASE_BY_LOWER = new Map(BASES.map((b) => [b.toLowerCase(), b]));
/** Negated spellings -> their positive base. */
const NEGATED: Record<string, string> = {
  stringnotequals: 'StringEquals', stringnotequalsignorecase: 'StringEqualsIgnoreCase', stringnotlike: 'StringLike',
  numericnotequals: 'NumericEquals', datenotequals: 'DateEquals', notipaddress: 'IpAddress', arnnotequals: 'ArnEquals', arnnotlike: 'ArnLike',
};

/** Splits an operator: `ForAllValues:StringNotLikeIfExists` -> { set: 'all', base: 'StringLike', negated, ifExists }. */
export function parseOperator(operator: string): Pick<Condition, 'base' | 'negated' | 'ifExists' | 'set'> {
  let op = operator;
  let set: 'any' | 'all' | undefined;
  const lower = () => op.toLowerCase();
  if (lower().startsWith('forallvalues:')) { set = 'all'; op = op.slice('ForAllValues:'.length); }
  else if (lower().startsWith('foranyvalue:')) { set = 'any'; op = op.slice('ForAnyValue:'.length); }
  let ifExists = false;
  if (lower().endsWith('ifexists') && lower() !== 'null') { ifExists = true; op = op.slice(0, -'IfExists'.length); }
  const l = lower();
  if (NEGATED[l]) return { base: NEGATED[l], negated: true, ifExists, set };
  return { base: BASE_BY_LOWER.get(l), negated: false, ifExists, set };
}

function conditionsOf(raw: unknown, subs: Substitutions | undefined): Condition[] {
  if (!raw || typeof raw !== 'object') return [];
  const out: Condition[] = [];
  for (const [operator, block] of Object.entries(raw as Record<string, unknown>)) {
    if (!block || typeof block !== 'object') continue;
    for (const [key, value] of Object.entries(block as Record<string, unknown>)) {
      out.push({ operator, ...parseOperator(operator), key: key.toLowerCase(), keyAsWritten: key, values: strings(value, subs) });
    }
  }
  return out;
}

/** Canonical JSON (sorted keys, sorted string arrays) for the content hash. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(canonical);
    return items.every((x) => typeof x === 'string') ? [...new Set(items as string[])].sort() : items;
  }
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/**
 * `Sid:<sid>`, or `Hash:<8 hex>` of the statement without its Sid (actions lower-cased, arrays sorted): an
 * id that survives adding, removing and reordering other statements.
 */
export function statementId(json: Record<string, unknown>): string {
  if (typeof json.Sid === 'string' && json.Sid !== '') return `Sid:${json.Sid}`;
  const { Sid: _sid, ...rest } = json;
  const lowerActions = (a: unknown) => (a === undefined ? undefined : asArray(a as unknown).map((x) => String(x).toLowerCase()));
  const body = canonical({ ...rest, Action: lowerActions(rest.Action), NotAction: lowerActions(rest.NotAction) });
  return `Hash:${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 8)}`;
}

/** Normalizes one statement (CloudFormation or plain JSON). */
export function parseStatement(raw: unknown, index: number, subs?: Substitutions): Statement {
  const json = normalize(raw) as Record<string, unknown>;
  const has = (k: string) => json[k] !== undefined;
  const principals = has('Principal') || has('NotPrincipal')
    ? { not: !has('Principal'), entries: principalEntries(has('Principal') ? json.Principal : json.NotPrincipal, subs) }
    : undefined;
  return {
    id: statementId(json),
    sid: typeof json.Sid === 'string' ? json.Sid : undefined,
    index,
    effect: json.Effect === 'Deny' ? 'Deny' : 'Allow',
    principals,
    actions: has('NotAction') ? { not: true, patterns: strings(json.NotAction, subs) } : { not: false, patterns: strings(json.Action, subs) },
    resources: has('Resource') || has('NotResource')
      ? { not: !has('Resource'), patterns: strings(has('Resource') ? json.Resource : json.NotResource, subs) }
      : undefined,
    conditions: conditionsOf(json.Condition, subs),
    json,
  };
}

/**
 * The statements of a policy document: an object with `Statement` (one statement or a list), a JSON string
 * of one, or a list of statements. Anything else gives no statements.
 */
export function parsePolicy(doc: unknown, subs?: Substitutions): Statement[] {
  let d = doc;
  if (typeof d === 'string') {
    try { d = JSON.parse(d); } catch { return []; }
  }
  const list = Array.isArray(d) ? d : asArray((d as { Statement?: unknown } | undefined)?.Statement as unknown);
  return list.filter((s) => s && typeof s === 'object').map((s, i) => parseStatement(s, i, subs));
}
