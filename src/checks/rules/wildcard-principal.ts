import { pinsKey, principalsOf, statementName } from '../../private/policy/json';
import { isAllow, KEY_TYPES, KeyPolicyRule, keyPolicyStatements } from '../rule';

/** Condition keys that tie a caller to one account or organization. */
const PINNING_KEYS = [
  'kms:calleraccount', 'aws:principalaccount', 'aws:principalorgid', 'aws:principalorgpaths', 'aws:principalarn',
  'aws:sourceaccount', 'aws:sourceorgid', 'aws:sourceorgpaths',
];

/** KP1: an Allow to `*` or `{"AWS": "*"}` that no condition pins to an account or organization. */
export const wildcardPrincipal: KeyPolicyRule = {
  code: 'KP1',
  name: 'Wildcard principal without an account or organization condition',
  level: 'error',
  resourceTypes: KEY_TYPES,
  info: 'The key policy allows a wildcard principal (* or {"AWS":"*"}) without a condition that pins the caller to an account or organization.',
  explanation: 'Anyone in any AWS account could use or manage the key as far as the statement allows (Security Hub KMS.5, checkov CKV_AWS_33). '
    + 'Name the principals, or add kms:CallerAccount, aws:PrincipalAccount or aws:PrincipalOrgID with exact values.',
  controls: ['AWS Security Hub KMS.5', 'checkov CKV_AWS_33'],
  check: (resource) => keyPolicyStatements(resource).flatMap((s, i) => {
    if (!isAllow(s) || !principalsOf(s.Principal).wildcard) return [];
    if (PINNING_KEYS.some((k) => pinsKey(s, k))) return [];
    return [{ id: statementName(s, i), detail: `${statementName(s, i)} allows a wildcard principal with no account or organization condition` }];
  }),
};
