import { findExposures } from '../../private/policy/engine';
import { accountOf, KEY_TYPES, keyPolicy, KeyPolicyRule } from '../rule';

/**
 * KP9: an AWS service principal that another account's resources could make use the key (confused deputy):
 * no condition it must meet ties it to this account's resources (aws:SourceAccount, aws:SourceArn,
 * kms:CallerAccount, an encryption context naming this account's resources), judged by what the conditions allow.
 */
export const servicePrincipalUnscoped: KeyPolicyRule = {
  code: 'KP9',
  name: 'Service principal without a source or encryption-context condition',
  level: 'error',
  resourceTypes: KEY_TYPES,
  info: 'The key policy allows an AWS service principal under conditions another account\'s resources can meet (no exact aws:SourceAccount, aws:SourceArn or encryption-context condition).',
  explanation: 'The service acts for every AWS customer: without a condition that ties it to your resources, another account\'s resource '
    + 'could make the service use your key (confused deputy). Add aws:SourceAccount or aws:SourceArn (StringEquals/ArnLike, exact values, no IfExists), '
    + 'or an encryption-context condition naming your resources.',
  controls: ['AWS IAM confused-deputy guidance'],
  check: (resource) => findExposures(keyPolicy(resource), { account: accountOf(resource) }).filter((e) => e.outsider === 'service')
    .map((e) => ({ id: e.statement.id, detail: `${e.statement.id} allows ${e.service} with no source or encryption-context condition${e.witness.length > 0 ? ` (met by ${e.witness.join(', ')})` : ''}` })),
};
