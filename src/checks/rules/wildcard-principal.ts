import { findExposures, findNegatedAllows } from '../../private/policy/engine';
import { accountOf, KEY_TYPES, keyPolicy, KeyPolicyRule, RuleFinding } from '../rule';

/**
 * KP1: a statement that principals of any account can satisfy: a wildcard principal (or an Allow with
 * NotPrincipal) whose conditions do not hold it to named accounts or organizations, judged by what the
 * conditions allow (`StringNotEquals`, `...IfExists`, `Null`, wildcard values are seen through).
 */
export const wildcardPrincipal: KeyPolicyRule = {
  code: 'KP1',
  name: 'Wildcard principal without an account or organization condition',
  level: 'error',
  resourceTypes: KEY_TYPES,
  info: 'The key policy lets principals of any AWS account in: a wildcard principal (* or {"AWS":"*"}) or a NotPrincipal Allow whose conditions do not hold the caller to named accounts or an organization.',
  explanation: 'Anyone in any AWS account could use or manage the key as far as the statement allows (Security Hub KMS.5, checkov CKV_AWS_33). '
    + 'Name the principals, or add kms:CallerAccount, aws:PrincipalAccount or aws:PrincipalOrgID with StringEquals and exact values (no IfExists, no negated operator).',
  controls: ['AWS Security Hub KMS.5', 'checkov CKV_AWS_33'],
  check: (resource) => {
    const policy = keyPolicy(resource);
    const found = new Map<string, RuleFinding>();
    for (const n of findNegatedAllows(policy).filter((x) => x.element === 'NotPrincipal')) {
      found.set(n.statement.id, { id: n.statement.id, detail: `${n.statement.id} is an Allow with NotPrincipal: everyone it does not list is allowed` });
    }
    for (const e of findExposures(policy, { account: accountOf(resource) }).filter((x) => x.outsider === 'other-account')) {
      if (found.has(e.statement.id)) continue;
      const how = e.witness.length > 0 ? ` (met by ${e.witness.join(', ')})` : '';
      found.set(e.statement.id, { id: e.statement.id, detail: `${e.statement.id} allows a wildcard principal with no account or organization condition${how}` });
    }
    return [...found.values()];
  },
};
