import { findFullAccountAccess } from '../../private/policy/engine';
import { KEY_TYPES, keyPolicy, KeyPolicyRule } from '../rule';

/** KP2: an account (root ARN or bare account ID, however written) gets every KMS action, unconditionally. */
export const rootFullAccess: KeyPolicyRule = {
  code: 'KP2',
  name: 'Account root gets kms:*',
  level: 'error',
  resourceTypes: KEY_TYPES,
  info: 'The key policy gives an account root principal every KMS action (kms:*, *, or a NotAction) without conditions.',
  explanation: 'With kms:* for the account, any IAM policy in that account can grant full use and administration of the key, '
    + 'so the key policy no longer says who can decrypt. Give the account only the administrative actions it needs, and name the users.',
  controls: ['cdk-secure-key key-policy model'],
  check: (resource) => findFullAccountAccess(keyPolicy(resource)).map(({ statement, accounts }) => ({
    id: statement.id,
    detail: `${statement.id} allows ${accounts.join(', ')} every KMS action`,
  })),
};
