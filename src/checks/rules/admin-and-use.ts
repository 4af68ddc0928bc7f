import * as A from '../../private/actions';
import { accountOfRoot, coversAction, pinsKey, principalsOf } from '../../private/policy/json';
import { isAllow, KEY_TYPES, KeyPolicyRule, keyPolicyStatements } from '../rule';

/** KP3: one principal can both administer the key and use it. */
export const adminAndUse: KeyPolicyRule = {
  code: 'KP3',
  name: 'A principal can both administer and use the key',
  level: 'error',
  resourceTypes: KEY_TYPES,
  info: 'A principal is allowed both to administer the key (policy, state, deletion) and to use it (encrypt, decrypt, sign).',
  explanation: 'Separation of duties: whoever changes the key policy or schedules deletion should not also read the data it protects. '
    + 'Use two principals. (Use by the account root pinned to kms:ViaService is not counted: it only works through that service.)',
  controls: ['CIS AWS Foundations Benchmark (separation of duties for KMS)'],
  check: (resource) => {
    const manages = new Set<string>();
    const uses = new Set<string>();
    for (const s of keyPolicyStatements(resource)) {
      if (!isAllow(s)) continue;
      const principals = pinnedToPrincipalArns(s) ?? principalsOf(s.Principal).aws;
      if (A.MANAGE_ACTIONS.some((a) => coversAction(s, a))) principals.forEach((p) => manages.add(p));
      if (A.USE_ACTIONS.some((a) => coversAction(s, a))) {
        // In a key policy the root stands for the account's IAM principals; pinned to a service, they
        // can use the key only through it, on their own behalf.
        const viaServiceOnly = pinsKey(s, 'kms:viaservice');
        principals.filter((p) => !(viaServiceOnly && accountOfRoot(p) !== undefined)).forEach((p) => uses.add(p));
      }
    }
    return [...manages].filter((p) => uses.has(p)).map((p) => ({ id: p, detail: `${p} can both administer and use the key` }));
  },
};

/**
 * An account root pinned by a positive `aws:PrincipalArn` condition to exact ARNs (how SecureKey names a
 * principal of another stack) stands for those ARNs, not for the account; undefined otherwise.
 */
function pinnedToPrincipalArns(s: { Principal?: unknown; Condition?: Record<string, Record<string, unknown>> }): string[] | undefined {
  const aws = principalsOf(s.Principal).aws;
  if (aws.length === 0 || !aws.every((p) => accountOfRoot(p) !== undefined)) return undefined;
  for (const [operator, block] of Object.entries(s.Condition ?? {})) {
    if (!['arnequals', 'stringequals'].includes(operator.toLowerCase())) continue;
    for (const [key, value] of Object.entries(block)) {
      if (key.toLowerCase() !== 'aws:principalarn') continue;
      const values = (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      if (values.length > 0 && values.every((v) => !/[*?]/.test(v))) return values;
    }
  }
  return undefined;
}
