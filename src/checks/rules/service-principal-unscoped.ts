import { positiveConditionKeys, principalsOf, statementName } from '../../private/policy/json';
import { isAllow, KEY_TYPES, KeyPolicyRule, keyPolicyStatements } from '../rule';

const SCOPING_KEYS = ['aws:sourceaccount', 'aws:sourcearn', 'aws:sourceorgid', 'aws:sourceorgpaths', 'kms:viaservice', 'kms:calleraccount'];

/** KP9: an AWS service principal allowed without a source-account/ARN or encryption-context condition. */
export const servicePrincipalUnscoped: KeyPolicyRule = {
  code: 'KP9',
  name: 'Service principal without a source or encryption-context condition',
  level: 'error',
  resourceTypes: KEY_TYPES,
  info: 'The key policy allows an AWS service principal without an aws:SourceAccount, aws:SourceArn, kms:ViaService, kms:CallerAccount or kms:EncryptionContext condition.',
  explanation: 'The service acts for every AWS customer: without a condition that ties it to your resources, another account\'s resource '
    + 'could make the service use your key (confused deputy). Add aws:SourceAccount or aws:SourceArn, or an encryption-context condition.',
  controls: ['AWS IAM confused-deputy guidance'],
  check: (resource) => keyPolicyStatements(resource).flatMap((s, i) => {
    const services = principalsOf(s.Principal).service;
    if (!isAllow(s) || services.length === 0) return [];
    const keys = positiveConditionKeys(s);
    if (keys.some((k) => SCOPING_KEYS.includes(k) || k.startsWith('kms:encryptioncontext:'))) return [];
    return [{ id: statementName(s, i), detail: `${statementName(s, i)} allows ${services.join(', ')} with no source or encryption-context condition` }];
  }),
};
