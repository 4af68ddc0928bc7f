import { policyUpdaters } from '../../private/policy/engine';
import { accountOf, KEY_TYPES, keyPolicy, KeyPolicyRule } from '../rule';

/**
 * KP5: nobody could update the key policy afterwards. Only an unconditional Allow of kms:PutKeyPolicy to a
 * named AWS principal counts (a service cannot manage the key for you), and only where no Deny applies to it
 * (a NotPrincipal Deny applies to everyone it does not list; a conditional Deny counts where no request escapes it).
 */
export const policyLockout: KeyPolicyRule = {
  code: 'KP5',
  name: 'Nobody could update the key policy (lockout)',
  level: 'error',
  resourceTypes: KEY_TYPES,
  info: 'No named principal is allowed kms:PutKeyPolicy without conditions and without a Deny in the way, so nobody could change the key policy after deployment.',
  explanation: 'A key nobody can manage cannot be fixed, rotated to new administrators or scheduled for deletion without AWS Support. '
    + 'Allow kms:PutKeyPolicy to an administrator role or to the account root (administrative actions only).',
  controls: ['AWS KMS default key policy (lockout safety check)'],
  check: (resource) => (policyUpdaters(keyPolicy(resource), { account: accountOf(resource) }).length > 0
    ? [] : [{ detail: 'no principal can call kms:PutKeyPolicy unconditionally' }]),
};
