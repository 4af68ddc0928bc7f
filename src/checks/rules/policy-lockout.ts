import { PUT_KEY_POLICY_ACTION } from '../../private/actions';
import { coversAction, principalsOf } from '../../private/policy/json';
import { hasCondition, KEY_TYPES, KeyPolicyRule, keyPolicyStatements } from '../rule';

/**
 * KP5: nobody could update the key policy afterwards. Only an unconditional Allow of kms:PutKeyPolicy
 * to a named AWS principal counts (a service cannot manage the key for you), minus principals an
 * unconditional Deny covers.
 */
export const policyLockout: KeyPolicyRule = {
  code: 'KP5',
  name: 'Nobody could update the key policy (lockout)',
  level: 'error',
  resourceTypes: KEY_TYPES,
  info: 'No named principal is allowed kms:PutKeyPolicy without conditions, so nobody could change the key policy after deployment.',
  explanation: 'A key nobody can manage cannot be fixed, rotated to new administrators or scheduled for deletion without AWS Support. '
    + 'Allow kms:PutKeyPolicy to an administrator role or to the account root (administrative actions only).',
  controls: ['AWS KMS default key policy (lockout safety check)'],
  check: (resource) => {
    const statements = keyPolicyStatements(resource).filter((s) => coversAction(s, PUT_KEY_POLICY_ACTION));
    const denied = new Set(statements.filter((s) => s.Effect === 'Deny' && !hasCondition(s)).flatMap((s) => {
      const p = principalsOf(s.Principal);
      return p.wildcard ? ['*'] : p.aws;
    }));
    const canUpdate = !denied.has('*') && statements.some((s) => s.Effect === 'Allow' && !hasCondition(s)
      && principalsOf(s.Principal).aws.some((p) => !denied.has(p)));
    return canUpdate ? [] : [{ detail: 'no principal can call kms:PutKeyPolicy unconditionally' }];
  },
};
