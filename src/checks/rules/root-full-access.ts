import { accountOfRoot, asArray, principalsOf, statementName } from '../../private/policy/json';
import { hasCondition, isAllow, KEY_TYPES, KeyPolicyRule, keyPolicyStatements } from '../rule';

/** KP2: the account root gets every KMS action, unconditionally. */
export const rootFullAccess: KeyPolicyRule = {
  code: 'KP2',
  name: 'Account root gets kms:*',
  level: 'error',
  resourceTypes: KEY_TYPES,
  info: 'The key policy gives an account root principal kms:* without conditions.',
  explanation: 'With kms:* for the account, any IAM policy in that account can grant full use and administration of the key, '
    + 'so the key policy no longer says who can decrypt. Give the account only the administrative actions it needs, and name the users.',
  controls: ['cdk-secure-key key-policy model'],
  check: (resource) => keyPolicyStatements(resource).flatMap((s, i) => {
    if (!isAllow(s) || hasCondition(s)) return [];
    const everything = s.NotAction !== undefined || asArray(s.Action).some((a) => a === '*' || a.toLowerCase() === 'kms:*');
    const roots = principalsOf(s.Principal).aws.filter((p) => accountOfRoot(p) !== undefined);
    if (!everything || roots.length === 0) return [];
    return [{ id: statementName(s, i), detail: `${statementName(s, i)} allows ${roots.join(', ')} every KMS action` }];
  }),
};
