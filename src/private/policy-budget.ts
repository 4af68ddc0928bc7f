/**
 * Keeps a key policy within KMS's size limit: statements that differ only in their actions are merged,
 * and the resolved policy is measured at synth.
 */
import { Stack } from 'aws-cdk-lib';
import type { StatementJson } from './cycle-breaker';

/** KMS's limit on a key policy document, in bytes. */
export const KEY_POLICY_MAX_BYTES = 32768;
/** Synth warns from this share of the limit. */
export const KEY_POLICY_WARN_RATIO = 0.8;
/**
 * Bytes counted for each reference CloudFormation resolves at deploy time (a role ARN, an account id
 * inside an ARN): a generous ARN, so that the measure errs on the large side.
 */
export const DEPLOY_TIME_VALUE_BYTES = 128;

function sortedPrincipal(stack: Stack, principal: unknown): string {
  const resolved = stack.resolve(principal);
  if (resolved === null || typeof resolved !== 'object' || Array.isArray(resolved)) return JSON.stringify(resolved);
  const entries = Object.entries(resolved as Record<string, unknown>).map(([k, v]) =>
    [k, (Array.isArray(v) ? v : [v]).map((x) => JSON.stringify(x)).sort()]);
  return JSON.stringify(entries.sort());
}

/** What must be equal for two statements to merge: everything but Sid and Action. */
function mergeKey(stack: Stack, s: StatementJson): string | undefined {
  if ('NotAction' in s || 'NotPrincipal' in s || 'NotResource' in s || s.Action === undefined) return undefined;
  return JSON.stringify([s.Effect, sortedPrincipal(stack, s.Principal), stack.resolve(s.Resource), stack.resolve(s.Condition ?? {})]);
}

/**
 * Merges statements with the same effect, principal, resource and conditions: their actions are united
 * (sorted, without duplicates) in the place of the first. A merged statement keeps the one Sid among its
 * members; statements with different Sids stay apart, so a Sid always names the statement it named.
 */
export function mergeStatements(stack: Stack, statements: StatementJson[]): StatementJson[] {
  // A merge key (which resolves the statement's principal, resource and conditions) is computed only when a
  // statement meets a group it could join by Sid: statements with different Sids never merge, so a policy
  // whose statements all have their own Sid (SecureKey's access model) resolves nothing here.
  const keyOf = new Map<StatementJson, string | undefined>();
  const key = (s: StatementJson) => {
    if (!keyOf.has(s)) keyOf.set(s, mergeKey(stack, s));
    return keyOf.get(s);
  };
  const groups: Array<{ sid?: string; members: StatementJson[] }> = [];
  for (const s of statements) {
    const candidates = groups.filter((g) => s.Sid === undefined || g.sid === undefined || g.sid === s.Sid);
    const group = candidates.length === 0 || key(s) === undefined ? undefined : candidates.find((g) => key(g.members[0]) === key(s));
    if (group) {
      group.members.push(s);
      group.sid ??= s.Sid;
    } else {
      groups.push({ sid: s.Sid, members: [s] });
    }
  }
  return groups.map((g) => {
    if (g.members.length === 1) return g.members[0];
    const actions = [...new Set(g.members.flatMap((m) => ([] as string[]).concat(m.Action as string | string[])))].sort();
    const first = g.members[0];
    const merged: StatementJson = { ...first, Action: actions };
    if (g.sid !== undefined) merged.Sid = g.sid;
    else delete merged.Sid;
    return merged;
  });
}

/**
 * The size KMS will see, in bytes, of a resolved policy: compact JSON, with each deploy-time value
 * (an intrinsic function) counted as `DEPLOY_TIME_VALUE_BYTES`.
 */
export function policySize(resolved: unknown): number {
  // What JSON.stringify(resolved, replacer) writes with a replacer that turns each intrinsic into '\u0000', built
  // without the replacer (a call per value); a value with a toJSON method takes the replacer's way.
  const stripped = withoutIntrinsics(resolved);
  const text = stripped === NEEDS_REPLACER ? JSON.stringify(resolved, (_k, v) => (isIntrinsic(v) ? '\u0000' : v)) : JSON.stringify(stripped);
  let bytes = Buffer.byteLength(text, 'utf8');
  for (const m of text.matchAll(/\\u0000/g)) bytes += DEPLOY_TIME_VALUE_BYTES - m[0].length;
  return bytes;
}

const NEEDS_REPLACER = Symbol('needs-replacer');

/** A copy of `v` with every intrinsic (at any depth) replaced by '\u0000', or NEEDS_REPLACER when `v` holds anything but plain data. */
function withoutIntrinsics(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  // Plain objects and arrays only (what Stack.resolve returns); JSON.stringify reads anything else its own way.
  const proto = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null && !Array.isArray(v)) || typeof (v as { toJSON?: unknown }).toJSON === 'function') return NEEDS_REPLACER;
  if (isIntrinsic(v)) return '\u0000';
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const item of v) {
      const copy = withoutIntrinsics(item);
      if (copy === NEEDS_REPLACER) return NEEDS_REPLACER;
      out.push(copy);
    }
    return out;
  }
  const out: Record<string, unknown> = Object.create(null); // a key '__proto__' stays a key
  for (const key of Object.keys(v)) {
    const copy = withoutIntrinsics((v as Record<string, unknown>)[key]);
    if (copy === NEEDS_REPLACER) return NEEDS_REPLACER;
    out[key] = copy;
  }
  return out;
}

function isIntrinsic(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/** The warning or error for a policy of `bytes`, or undefined when it is well within the limit. */
export function budgetMessage(subject: string, bytes: number, statements: number): { level: 'warning' | 'error'; text: string } | undefined {
  const share = Math.round((bytes / KEY_POLICY_MAX_BYTES) * 100);
  const advice = 'Put principals that need the same access in one role (or in `users`), grant with conditions shared by several '
    + 'principals, or split the data across several keys.';
  if (bytes > KEY_POLICY_MAX_BYTES) {
    return { level: 'error', text: `${subject}: the key policy is about ${bytes} bytes in ${statements} statements (${share}% of KMS's ${KEY_POLICY_MAX_BYTES}-byte limit); KMS would reject it. ${advice}` };
  }
  if (bytes >= KEY_POLICY_MAX_BYTES * KEY_POLICY_WARN_RATIO) {
    return { level: 'warning', text: `${subject}: the key policy is about ${bytes} bytes in ${statements} statements, ${share}% of KMS's ${KEY_POLICY_MAX_BYTES}-byte limit. ${advice}` };
  }
  return undefined;
}
