/**
 * The symbolic side of the engine: "can this kind of caller get this statement to allow this action,
 * in spite of the policy's Denies?", answered by constructing a request (a witness) that proves it.
 *
 * A caller's identity fixes some condition keys (kms:CallerAccount, aws:PrincipalArn...). Every other key
 * is chosen by the caller, as an attacker would: absent, a fresh value, or a value built from the
 * policy's own literals (wildcards filled in), so `StringNotEquals`, `...IfExists`, `Null` and `?*`
 * patterns are satisfied exactly when some request satisfies them. A service acting for another account
 * can only produce source ARNs and encryption contexts of that account's resources. An undecidable
 * condition (unknown operator) is assumed to let the caller in and never to block it: the worst case.
 */
import { conditionHolds } from './conditions';
import { coversAction, principalMatch } from './authorize';
import { Caller, Condition, Statement } from './model';

/** A candidate value of one key: undefined is "absent". */
export type Candidate = readonly string[] | undefined;

/** Who is asking: the caller and the keys its identity fixes (key -> the only values it can have). */
export interface Subject {
  readonly caller: Caller;
  readonly fixed: ReadonlyMap<string, readonly Candidate[]>;
  /** Keys whose values must be the subject's own resources (not an exact literal of the policy, not the key's account). */
  readonly ownedByOther?: (key: string) => boolean;
  /** The key's account as the policy writes it, to recognise values that belong to it. */
  readonly keyAccount: string;
  /** An account the policy never names, for values an outsider makes up. */
  readonly outsiderAccount: string;
}

/** A proof: the condition values under which the statement allows the subject, and no Deny applies. */
export interface Witness {
  readonly context: ReadonlyMap<string, readonly string[]>;
}

const FRESH = 'outsider-chosen-value';
const MULTI_VALUED = new Set(['kms:encryptioncontextkeys', 'aws:principalorgpaths', 'aws:tagkeys', 'aws:sourceorgpaths', 'aws:calledvia']);

function fill(pattern: string, filler: string): string {
  return pattern.replace(/\*/g, filler).replace(/\?/g, 'x');
}

/** Values a caller may choose for `key`, from the policy's literals for it. */
function freeCandidates(key: string, conditions: readonly Condition[], subject: Subject): Candidate[] {
  const literals = [...new Set(conditions.filter((c) => c.key === key && c.base !== 'Null').flatMap((c) => c.values))];
  const bases = new Set(conditions.filter((c) => c.key === key).map((c) => c.base));
  const owned = subject.ownedByOther?.(key) ?? false;
  const values: string[] = [];
  if (owned) {
    // Only the caller's own resources: a wildcard pattern filled in, unless what it names is the key's account.
    for (const l of literals) {
      if (!/[*?]/.test(l)) continue;
      for (const f of [subject.outsiderAccount, 'x']) {
        const v = fill(l, f);
        if (!v.includes(subject.keyAccount) && !/\$\{/.test(v)) values.push(v);
      }
    }
    values.push(`arn:aws:outsider:us-east-1:${subject.outsiderAccount}:outsider`);
  } else {
    values.push(FRESH, ...literals, ...literals.filter((l) => /[*?]/.test(l)).map((l) => fill(l, 'x')));
    if (bases.has('Bool')) values.push('true', 'false');
    for (const l of literals) {
      if (bases.has('IpAddress')) values.push(l.split('/')[0]);
      const n = Number(l);
      if (!Number.isNaN(n) && l.trim() !== '') values.push(String(n + 1), String(n - 1));
      const d = Date.parse(l);
      if (!Number.isNaN(d) && /\d{4}-\d{2}/.test(l)) values.push(new Date(d + 86_400_000).toISOString(), new Date(d - 86_400_000).toISOString());
    }
    if (bases.has('IpAddress')) values.push('203.0.113.7');
  }
  const unique = [...new Set(values)];
  const out: Candidate[] = [undefined, ...unique.map((v) => [v])];
  if (MULTI_VALUED.has(key) || conditions.some((c) => c.key === key && c.set !== undefined)) {
    if (unique.length > 1) out.push(unique.filter((v) => v !== FRESH));
    out.push([FRESH, ...literals.slice(0, 1)]);
  }
  return out;
}

/** An account that does not occur in the policy text, for an outsider to call from. */
export function unnamedAccount(policyText: string): string {
  let n = 999999999999;
  while (policyText.includes(String(n))) n -= 1;
  return String(n);
}

function candidatesFor(key: string, conditions: readonly Condition[], subject: Subject): readonly Candidate[] {
  return subject.fixed.get(key) ?? freeCandidates(key, conditions, subject);
}

/** Keys whose enumeration goes first (slowest): a witness without a service and without a resource grant is preferred. */
const FIRST_KEYS = ['kms:viaservice', 'kms:grantisforawsresource'];
const MAX_COMBINATIONS = 20_000;

/**
 * A witness that `statement` allows `subject` to perform `action` and no Deny of `denies` applies, or
 * undefined when none exists. `allConditions` are the policy's conditions (for literal candidates).
 */
export function findWitness(statement: Statement, subject: Subject, action: string, denies: readonly Statement[],
  allConditions: readonly Condition[]): Witness | undefined {
  if (statement.effect !== 'Allow' || principalMatch(statement, subject.caller) === 'none' || !coversAction(statement, action)) return undefined;
  const own = new Map<string, Candidate[]>();
  for (const c of statement.conditions) {
    if (own.has(c.key)) continue;
    const onKey = statement.conditions.filter((x) => x.key === c.key);
    const ok = candidatesFor(c.key, allConditions, subject).filter((cand) => onKey.every((x) => conditionHolds(x, cand) !== false));
    if (ok.length === 0) return undefined;
    own.set(c.key, ok);
  }
  const blocking = denies.filter((d) => principalMatch(d, subject.caller) !== 'none' && coversAction(d, action));
  if (blocking.some((d) => d.conditions.length === 0)) return undefined;
  const keys = new Map<string, readonly Candidate[]>(own);
  for (const d of blocking) for (const c of d.conditions) if (!keys.has(c.key)) keys.set(c.key, candidatesFor(c.key, allConditions, subject));
  if (/creategrant$/i.test(action)) {
    for (const k of FIRST_KEYS) if (!keys.has(k)) keys.set(k, candidatesFor(k, allConditions, subject));
  }
  for (const [k, v] of subject.fixed) if (!keys.has(k) && v.length === 1) keys.set(k, v);
  const order = [...FIRST_KEYS.filter((k) => keys.has(k)), ...[...keys.keys()].filter((k) => !FIRST_KEYS.includes(k))];
  const lists = order.map((k) => keys.get(k)!);
  const idx = lists.map(() => 0);
  for (let n = 0; n < MAX_COMBINATIONS; n++) {
    const ctx = new Map<string, readonly string[]>();
    order.forEach((k, i) => { const v = lists[i][idx[i]]; if (v !== undefined) ctx.set(k, v); });
    const grantForResource = ctx.get('kms:grantisforawsresource')?.[0]?.toLowerCase() === 'true';
    const consistent = !grantForResource || ctx.has('kms:viaservice');
    if (consistent && !blocking.some((d) => d.conditions.every((c) => conditionHolds(c, ctx.get(c.key)) === true))) return { context: ctx };
    // Next combination, the last key fastest.
    let i = lists.length - 1;
    while (i >= 0 && ++idx[i] >= lists[i].length) { idx[i] = 0; i -= 1; }
    if (i < 0) return undefined;
  }
  // Too many combinations to prove the Denies always apply: assume they do not.
  const ctx = new Map<string, readonly string[]>();
  for (const k of order) { const v = keys.get(k)![0]; if (v !== undefined) ctx.set(k, v); }
  return { context: ctx };
}
