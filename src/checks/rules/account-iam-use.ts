import { findExposures, findFullAccountAccess } from '../../private/policy/engine';
import { accountOf, KEY_TYPES, keyPolicy, KeyPolicyRule } from '../rule';

/**
 * KP10: IAM principals of the key's account that the key policy does not name can use the key (the account
 * root as ArnPrincipal, AccountPrincipal, a bare account ID or an intrinsic; or `*` held to the account),
 * except use only through an AWS service the statement names exactly. A statement KP1 (any account) or KP2
 * (the account gets kms:*) already reports is not reported again.
 */
export const accountIamUse: KeyPolicyRule = {
  code: 'KP10',
  name: 'The account\'s IAM decides who uses the key',
  level: 'error',
  resourceTypes: KEY_TYPES,
  info: 'The key policy lets IAM principals of the key\'s account that it does not name use the key (encrypt, decrypt, sign, or CreateGrant for any grantee).',
  explanation: 'In a key policy the account root stands for every IAM principal of the account: any IAM policy that allows kms:Decrypt then decrypts, '
    + 'and a wildcard principal held only to the account needs no IAM policy at all. Name the principals that use the key, '
    + 'or limit the statement to an AWS service with an exact kms:ViaService (the service then uses the key only for its own resources).',
  controls: ['cdk-secure-key key-policy model'],
  check: (resource) => {
    const policy = keyPolicy(resource);
    const exposures = findExposures(policy, { account: accountOf(resource) });
    const reported = new Set([
      ...exposures.filter((e) => e.outsider === 'other-account').map((e) => e.statement.id),
      ...findFullAccountAccess(policy).map((f) => f.statement.id),
    ]);
    return exposures.filter((e) => e.outsider === 'account-iam' && !reported.has(e.statement.id)).map((e) => ({
      id: e.statement.id,
      detail: `${e.statement.id} lets any IAM principal of the account call ${e.actions.slice(0, 3).join(', ')}${e.actions.length > 3 ? '...' : ''}`
        + `${e.withoutIam ? ' with no IAM policy at all' : ' when its IAM policy allows it'}`,
    }));
  },
};
