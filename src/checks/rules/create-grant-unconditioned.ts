import { coversAction, principalsOf, statementName } from '../../private/policy/json';
import { isAllow, KEY_TYPES, KeyPolicyRule, keyPolicyStatements, requiresTrue } from '../rule';

/** KP4: kms:CreateGrant to a principal that is not an AWS service, without kms:GrantIsForAWSResource. */
export const createGrantUnconditioned: KeyPolicyRule = {
  code: 'KP4',
  name: 'CreateGrant without kms:GrantIsForAWSResource',
  level: 'error',
  resourceTypes: KEY_TYPES,
  info: 'The key policy allows kms:CreateGrant to a principal that is not an AWS service, without a kms:GrantIsForAWSResource condition.',
  explanation: 'A grant can give anyone use of the key, and grants do not appear in the key policy. '
    + 'Require "Bool": {"kms:GrantIsForAWSResource": "true"} so only integrated AWS services (EBS, RDS...) create grants on the principal\'s behalf.',
  controls: ['AWS KMS best practices (grants)'],
  check: (resource) => keyPolicyStatements(resource).flatMap((s, i) => {
    if (!isAllow(s) || !coversAction(s, 'kms:CreateGrant')) return [];
    const p = principalsOf(s.Principal);
    if (!p.wildcard && p.aws.length === 0 && p.other.length === 0) return [];
    if (requiresTrue(s, 'kms:grantisforawsresource')) return [];
    return [{ id: statementName(s, i), detail: `${statementName(s, i)} allows kms:CreateGrant to ${p.wildcard ? '*' : [...p.aws, ...p.other].join(', ')} for any grantee` }];
  }),
};
