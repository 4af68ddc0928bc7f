import { findManageAndUse } from '../../private/policy/engine';
import { accountOf, KEY_TYPES, keyPolicy, KeyPolicyRule } from '../rule';

/** KP3: one principal can both administer the key and use it (CreateGrant not limited to AWS resources counts as use). */
export const adminAndUse: KeyPolicyRule = {
  code: 'KP3',
  name: 'A principal can both administer and use the key',
  level: 'error',
  resourceTypes: KEY_TYPES,
  info: 'A principal is allowed both to administer the key (policy, state, deletion) and to use it (encrypt, decrypt, sign, or CreateGrant for any grantee).',
  explanation: 'Separation of duties: whoever changes the key policy or schedules deletion should not also read the data it protects. '
    + 'Use two principals. (An account using the key only through an AWS service the statement names exactly, with kms:ViaService, is not counted: '
    + 'the service uses the key only for its own resources.)',
  controls: ['CIS AWS Foundations Benchmark (separation of duties for KMS)'],
  check: (resource) => findManageAndUse(keyPolicy(resource), { account: accountOf(resource) })
    .map((m) => ({ id: m.principal, detail: `${m.principal} can both administer and use the key` })),
};
