import { findUnrestrictedGrants } from '../../private/policy/engine';
import { accountOf, KEY_TYPES, keyPolicy, KeyPolicyRule } from '../rule';

/** KP4: kms:CreateGrant to a principal that is not an AWS service, for any grantee (not limited by kms:GrantIsForAWSResource). */
export const createGrantUnconditioned: KeyPolicyRule = {
  code: 'KP4',
  name: 'CreateGrant without kms:GrantIsForAWSResource',
  level: 'error',
  resourceTypes: KEY_TYPES,
  info: 'The key policy allows kms:CreateGrant to a principal that is not an AWS service, without a kms:GrantIsForAWSResource condition it must meet.',
  explanation: 'A grant can give anyone use of the key, the grant\'s creator included, and grants do not appear in the key policy. '
    + 'Require "Bool": {"kms:GrantIsForAWSResource": "true"} so only integrated AWS services (EBS, RDS...) create grants on the principal\'s behalf. '
    + '(The key\'s own account creating grants only through an AWS service the statement names exactly, as aws-cdk-lib writes for a Secrets Manager secret, passes.)',
  controls: ['AWS KMS best practices (grants)'],
  check: (resource) => findUnrestrictedGrants(keyPolicy(resource), { account: accountOf(resource) }).map(({ statement, principals }) => ({
    id: statement.id,
    detail: `${statement.id} allows kms:CreateGrant to ${principals.join(', ')} for any grantee`,
  })),
};
