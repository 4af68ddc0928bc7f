/**
 * Condition operators with IAM's semantics, over a request context (lower-case key -> values; a key
 * that is not in the context is absent):
 * - a positive operator on an absent key is false, unless `...IfExists` (then true);
 * - a negated operator (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`, ...) on an absent key is true;
 * - `Null: true` holds when the key is absent, `Null: false` when it is present;
 * - `ForAnyValue:` holds when at least one request value matches (false on an absent or empty key);
 *   `ForAllValues:` when every request value matches (true on an absent or empty key);
 * - several values in the policy are ORed; for a negated operator the value must match none of them;
 * - `*` and `?` are wildcards in `StringLike` and in each of the six colon-separated parts of `ArnLike`.
 * An operator the engine does not know yields `undefined`: the caller decides (an evaluation treats it
 * as not holding in an Allow and as holding in a Deny; a guard assumes the worst).
 */
import { Condition } from './model';

const globCache = new Map<string, RegExp>();

/** IAM wildcard match (`*` any run, `?` one character). */
export function glob(pattern: string, value: string, ignoreCase = false): boolean {
  // Without wildcards the pattern's regex matches one character per character: equal lengths, and equal
  // strings when case counts (the common case: action names and ARNs, thousands of times per synth).
  if (!pattern.includes('*') && !pattern.includes('?')) {
    if (pattern.length !== value.length) return false;
    if (pattern === value) return true;
    if (!ignoreCase) return false;
  }
  const cacheKey = `${ignoreCase ? 'i' : 's'}:${pattern}`;
  let re = globCache.get(cacheKey);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'is' : 's');
    globCache.set(cacheKey, re);
  }
  return re.test(value);
}

/** Placeholders (`${AWS::Partition}`) may hold colons; hide them so ARN parts split where IAM splits. */
function arnParts(arn: string): string[] {
  const hidden = arn.replace(/\$\{[^}]*\}/g, (m) => m.replace(/:/g, '\u0000'));
  const parts = hidden.split(':');
  return parts.length <= 6 ? parts : [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function arnMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const p = arnParts(pattern);
  const v = arnParts(value);
  // A value that is not an ARN (a placeholder such as `${Topic}`) is compared as a whole.
  if (!pattern.startsWith('arn:') || !value.startsWith('arn:')) return glob(pattern, value);
  if (p.length !== 6 || v.length !== 6) return false;
  return p.every((part, i) => glob(part, v[i]));
}

function ipv4(s: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return undefined;
  const n = m.slice(1).map(Number);
  return n.some((x) => x > 255) ? undefined : ((n[0] * 256 + n[1]) * 256 + n[2]) * 256 + n[3];
}

function dateOf(s: string): number {
  return /^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s);
}

/** Whether one request value matches one policy value under a positive base operator; undefined if unknown. */
export function valueMatches(base: string | undefined, policyValue: string, value: string): boolean | undefined {
  switch (base) {
    case 'StringEquals': return policyValue === value;
    case 'StringEqualsIgnoreCase': return policyValue.toLowerCase() === value.toLowerCase();
    case 'StringLike': return glob(policyValue, value);
    case 'ArnEquals': case 'ArnLike': return arnMatch(policyValue, value);
    case 'Bool': return policyValue.toLowerCase() === value.toLowerCase();
    case 'BinaryEquals': return policyValue === value;
    case 'NumericEquals': case 'NumericLessThan': case 'NumericLessThanEquals': case 'NumericGreaterThan': case 'NumericGreaterThanEquals':
    case 'DateEquals': case 'DateLessThan': case 'DateLessThanEquals': case 'DateGreaterThan': case 'DateGreaterThanEquals': {
      const numeric = base.startsWith('Numeric');
      const a = numeric ? Number(value) : dateOf(value);
      const b = numeric ? Number(policyValue) : dateOf(policyValue);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      const rel = base.replace(/^(Numeric|Date)/, '');
      return rel === 'Equals' ? a === b : rel === 'LessThan' ? a < b : rel === 'LessThanEquals' ? a <= b : rel === 'GreaterThan' ? a > b : a >= b;
    }
    case 'IpAddress': {
      const [net, bitsText] = policyValue.split('/');
      const n = ipv4(net);
      const v = ipv4(value);
      if (n === undefined || v === undefined) return undefined;
      const bits = bitsText === undefined ? 32 : Number(bitsText);
      const block = 2 ** (32 - bits);
      return Math.floor(n / block) === Math.floor(v / block);
    }
    default: return undefined;
  }
}

/** Whether a condition holds for the given request values of its key (undefined: absent); undefined if the operator is unknown. */
export function conditionHolds(c: Condition, values: readonly string[] | undefined): boolean | undefined {
  if (c.base === 'Null') {
    const present = values !== undefined && values.length > 0;
    return c.values.some((v) => (v.toLowerCase() === 'true' ? !present : present));
  }
  if (c.base === undefined) return undefined;
  const matchesAny = (v: string): boolean | undefined => {
    let unknown = false;
    for (const pv of c.values) {
      const m = valueMatches(c.base, pv, v);
      if (m === true) return true;
      if (m === undefined) unknown = true;
    }
    return unknown ? undefined : false;
  };
  const ok = (v: string): boolean | undefined => {
    const m = matchesAny(v);
    return m === undefined ? undefined : c.negated ? !m : m;
  };
  const vals = values ?? [];
  const absent = vals.length === 0;
  if (c.set === 'all') {
    if (absent) return true;
    const r = vals.map(ok);
    return r.includes(false) ? false : r.includes(undefined) ? undefined : true;
  }
  if (c.set === 'any') {
    if (absent) return false;
    const r = vals.map(ok);
    return r.includes(true) ? true : r.includes(undefined) ? undefined : false;
  }
  if (absent) return c.negated || c.ifExists;
  // A single-valued key with several values in the request: any value that matches satisfies a positive
  // operator; a negated one needs no value to match.
  const m = vals.map(matchesAny);
  const anyMatch = m.includes(true) ? true : m.includes(undefined) ? undefined : false;
  if (anyMatch === undefined) return undefined;
  return c.negated ? !anyMatch : anyMatch;
}

/**
 * Whether all conditions hold. `unknown` says what an undecidable condition (unknown operator) counts as:
 * `false` for an Allow being evaluated, `true` for a Deny (or for a guard assuming the worst).
 */
export function allConditionsHold(conditions: readonly Condition[], context: ReadonlyMap<string, readonly string[]>, unknown: boolean): boolean {
  return conditions.every((c) => {
    const r = conditionHolds(c, contextValues(context, c.key));
    return r === undefined ? unknown : r;
  });
}

/** Values of a key in the context (lower-case names). */
export function contextValues(context: ReadonlyMap<string, readonly string[]>, key: string): readonly string[] | undefined {
  return context.get(key);
}
