import { DELETION_PROTECTED_ACTIONS } from '../../private/actions';
import * as E from '../../private/policy/engine';
import { accountOf, KEY_TYPES, keyPolicy, KeyPolicyRule } from '../rule';

/**
 * KP13 (warning, opt-in with `KeyPolicyChecks`' `requireDeletionProtection`): no Deny stops an ordinary
 * administrator of the account from scheduling the key's deletion or disabling it. Judged by a request: an
 * IAM role of the key's account, not named in the policy, whose IAM policy allows kms:*.
 */
export const deletionUnprotected: KeyPolicyRule = {
  code: 'KP13',
  name: 'No deletion protection',
  level: 'warning',
  resourceTypes: KEY_TYPES,
  info: 'No Deny statement of the key policy stops the account\'s administrators from scheduling the key\'s deletion or disabling it.',
  explanation: 'A deleted key cannot decrypt anything it protected. Deny kms:ScheduleKeyDeletion and kms:DisableKey to all but break-glass principals '
    + "(SecureKey's deletionProtection), so a deletion needs a deliberate, recorded key-policy change first.",
  controls: ['AWS Security Hub KMS.3', 'AWS KMS developer guide: preventing key deletion'],
  check: (resource) => {
    const account = accountOf(resource);
    const policy = keyPolicy(resource);
    const unprotected = DELETION_PROTECTED_ACTIONS.slice(0, 2).filter((action) => E.decide(policy, {
      caller: { arn: `arn:aws:iam::${account}:role/AnyAdministrator`, account, iamStatements: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] },
      action,
      keyArn: `arn:aws:kms:us-east-1:${account}:key/checked`,
      keyAccount: account,
      context: { 'aws:PrincipalIsAWSService': 'false' },
    }).decision !== 'explicit-deny');
    return unprotected.length > 0 ? [{ detail: `no Deny stops the account's administrators from calling ${unprotected.join(' and ')}` }] : [];
  },
};
