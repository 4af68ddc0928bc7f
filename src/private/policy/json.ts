/**
 * Policy documents as CloudFormation holds them, made readable: intrinsics become symbolic strings
 * (`${AppRole.Arn}`, `arn:${AWS::Partition}:iam::${AWS::AccountId}:root`), so the checks and the access
 * report run on a synthesized template without CDK and show what they could not resolve instead of
 * guessing it.
 */

/** One statement of a normalized policy document (every leaf a string, number or boolean). */
export interface StatementJson {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** A CloudFormation resource with its Properties normalized. */
export interface ResourceJson {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
  /** `aws:cdk:path` metadata, when CDK wrote the template. */
  readonly constructPath?: string;
  /** The account of the resource's stack, a 12-digit ID; absent when known only at deploy time. */
  readonly account?: string;
}

export function asArray<T>(v: T | T[] | undefined | null): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** Renders one intrinsic (or plain value) as a string; `${...}` marks what is only known at deploy time. */
export function symbolic(value: unknown): string {
  const v = normalize(value);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Replaces every intrinsic in a JSON value by a symbolic string: `{Ref: X}` -> `${X}`,
 * `{Fn::GetAtt: [X, Arn]}` -> `${X.Arn}`, `Fn::Join` and `Fn::Sub` are joined, anything else becomes
 * `${Fn::Name(...)}`. Plain values are kept.
 */
export function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return intrinsic(keys[0], obj[keys[0]]);
  return Object.fromEntries(keys.map((k) => [k, normalize(obj[k])]));
}

function intrinsic(name: string, arg: unknown): unknown {
  switch (name) {
    case 'Ref':
      return `\${${String(arg)}}`;
    case 'Fn::GetAtt': {
      const parts = Array.isArray(arg) ? arg.map((a) => symbolic(a)) : String(arg).split('.');
      return `\${${parts.join('.')}}`;
    }
    case 'Fn::Join': {
      if (Array.isArray(arg) && arg.length === 2 && Array.isArray(arg[1])) {
        return (arg[1] as unknown[]).map((p) => symbolic(p)).join(String(arg[0]));
      }
      break;
    }
    case 'Fn::Sub': {
      if (typeof arg === 'string') return arg;
      if (Array.isArray(arg) && typeof arg[0] === 'string') {
        const vars = (arg[1] ?? {}) as Record<string, unknown>;
        return arg[0].replace(/\$\{([^}!][^}]*)\}/g, (m, v: string) => (v in vars ? symbolic(vars[v]) : m));
      }
      break;
    }
    case 'Fn::Select': {
      if (Array.isArray(arg) && Array.isArray(arg[1]) && /^\d+$/.test(String(arg[0]))) {
        const picked = (arg[1] as unknown[])[Number(arg[0])];
        if (picked !== undefined) return normalize(picked);
      }
      break;
    }
    case 'Fn::If':
      // Either branch may apply at deploy time; keep both visible rather than pick one.
      break;
    default:
      break;
  }
  return `\${${name}(${JSON.stringify(arg)})}`;
}

/** The statements of a policy document; a document with a single statement object counts as one. */
export function statementsOf(doc: unknown): StatementJson[] {
  const d = doc as { Statement?: unknown } | undefined;
  if (!d || typeof d !== 'object') return [];
  return asArray(d.Statement as StatementJson | StatementJson[]).filter((s) => s && typeof s === 'object');
}

/** `Sid 'X'` or `Statement[2]`: how findings name a statement. */
export function statementName(s: StatementJson, index: number): string {
  return s.Sid ? `Sid:${s.Sid}` : `Statement[${index}]`;
}

const globCache = new Map<string, RegExp>();

/** IAM wildcard match (`*`, `?`), case-insensitive for action names. */
export function globMatch(pattern: string, value: string, ignoreCase = true): boolean {
  const cacheKey = `${ignoreCase ? 'i' : 's'}:${pattern}`;
  let re = globCache.get(cacheKey);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'i' : '');
    globCache.set(cacheKey, re);
  }
  return re.test(value);
}

/** Whether a statement covers an action, honouring `NotAction`. */
export function coversAction(s: StatementJson, action: string): boolean {
  if (s.NotAction !== undefined) return !asArray(s.NotAction).some((a) => globMatch(String(a), action));
  return asArray(s.Action).some((a) => globMatch(String(a), action));
}

/** The principals of a statement by type; `{AWS: '*'}` and `'*'` both count as the wildcard. */
export interface Principals {
  readonly wildcard: boolean;
  readonly aws: string[];
  readonly service: string[];
  /** Federated and CanonicalUser principals, as `Type:value`. */
  readonly other: string[];
}

export function principalsOf(p: unknown): Principals {
  if (p === '*') return { wildcard: true, aws: [], service: [], other: [] };
  if (!p || typeof p !== 'object') return { wildcard: false, aws: [], service: [], other: [] };
  const obj = p as Record<string, unknown>;
  const aws = asArray(obj.AWS as unknown).map((x) => symbolic(x));
  const other = Object.keys(obj).filter((k) => k !== 'AWS' && k !== 'Service')
    .flatMap((k) => asArray(obj[k] as unknown).map((x) => `${k}:${symbolic(x)}`));
  return {
    wildcard: aws.includes('*'),
    aws: aws.filter((a) => a !== '*'),
    service: asArray(obj.Service as unknown).map((x) => symbolic(x)),
    other,
  };
}

/** One ARN segment: plain text without colons, or a `${...}` placeholder (which may hold colons). */
export const SEGMENT = '(?:\\$\\{[^}]*\\}|[^:$])+';

/** `arn:...:iam::<account>:root` or a bare account ID: the account as a principal. */
export function accountOfRoot(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  const m = new RegExp(`^arn:${SEGMENT}:iam::(${SEGMENT}):root$`).exec(principal);
  return m ? m[1] : undefined;
}

/** Condition keys (lower case) a statement tests with a positive operator (not `...Not...`, not `Null`). */
export function positiveConditionKeys(s: StatementJson): string[] {
  const keys: string[] = [];
  for (const [op, block] of Object.entries(s.Condition ?? {})) {
    if (/Not/.test(op) || op === 'Null' || !block || typeof block !== 'object') continue;
    keys.push(...Object.keys(block).map((k) => k.toLowerCase()));
  }
  return keys;
}

/** Whether a positive condition pins `key` to values without wildcards. */
export function pinsKey(s: StatementJson, key: string): boolean {
  for (const [op, block] of Object.entries(s.Condition ?? {})) {
    if (/Not/.test(op) || op === 'Null' || /^ForAnyValue:|^ForAllValues:/.test(op) || !block || typeof block !== 'object') continue;
    for (const [k, v] of Object.entries(block)) {
      if (k.toLowerCase() !== key) continue;
      const values = asArray(v as unknown).map((x) => symbolic(x));
      if (values.length > 0 && values.every((x) => x !== '*' && x !== '')) return true;
    }
  }
  return false;
}

/** Renders a Condition block as readable clauses: `kms:ViaService StringEquals s3.us-east-1.amazonaws.com`. */
export function conditionClauses(condition: StatementJson['Condition']): string[] {
  const out: string[] = [];
  for (const [op, block] of Object.entries(condition ?? {})) {
    for (const [key, value] of Object.entries(block ?? {})) {
      const values = asArray(value as unknown).map((x) => symbolic(x));
      out.push(`${key} ${op} ${values.length === 1 ? values[0] : `[${values.join(', ')}]`}`);
    }
  }
  return out;
}

/**
 * Whether an IAM `Resource` value covers the key whose ARN is `keyArn` (symbolic, `${Key.Arn}`): the same
 * value, `*`, or a KMS ARN pattern whose key part is a wildcard (it matches every key, this one too).
 */
export function resourceCoversKey(resource: string, keyArn: string): boolean {
  return resource === keyArn || coversAllKeys(resource);
}

/** `*`, `arn:aws:kms:*:*:key/*` and the like: a resource pattern that stands for every key. */
export function coversAllKeys(resource: string): boolean {
  if (resource === '*') return true;
  // Placeholders may hold colons (`${AWS::Region}`); they are never wildcards.
  const parts = resource.replace(/\$\{[^}]*\}/g, 'X').split(':');
  if (parts.length < 6) return false;
  const rest = parts.slice(5).join(':');
  // Two different key IDs both match: the pattern does not name one key.
  return globMatch(parts[2], 'kms') && globMatch(rest, 'key/aaaa-1', false) && globMatch(rest, 'key/bbbb-2', false);
}
