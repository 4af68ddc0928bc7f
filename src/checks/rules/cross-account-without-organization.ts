import { ALL_KEY_ACTIONS } from '../../private/actions';
import * as E from '../../private/policy/engine';
import { accountOf, KEY_TYPES, keyPolicy, KeyPolicyRule, RuleFinding } from '../rule';

/** An organization no real principal belongs to: a request from it shows whether the policy pins one. */
const OUTSIDE_ORGANIZATION = 'o-outside00000';

/**
 * KP11: a principal of another account is allowed in, and nothing in the key policy checks its
 * organization. Judged by a request: the named principal, from an organization that is not the owner's,
 * asks for an action the statement allows; if the key policy still allows it, the grant survives the
 * account leaving (or never being in) the organization.
 */
export const crossAccountWithoutOrganization: KeyPolicyRule = {
  code: 'KP11',
  name: 'Cross-account principal without an organization pin',
  level: 'error',
  resourceTypes: KEY_TYPES,
  info: 'The key policy allows a principal of another AWS account, and neither the statement (aws:PrincipalOrgID) nor a Deny of the policy (an organization perimeter) requires that account to be in your organization.',
  explanation: 'An account ID in a key policy stays trusted after the account leaves the organization, is closed and reused, or was mistyped. '
    + "Add an organization perimeter (SecureKey's organizationPerimeter, or a Deny with StringNotEqualsIfExists aws:PrincipalOrgID), "
    + 'or a StringEquals aws:PrincipalOrgID condition to the statement.',
  controls: ['AWS Control Tower CT.KMS.PV.7', 'AWS data perimeter (identity perimeter)'],
  check: (resource) => {
    const account = accountOf(resource);
    const policy = keyPolicy(resource);
    const keyArn = `arn:aws:kms:us-east-1:${account}:key/checked`;
    const findings: RuleFinding[] = [];
    for (const s of policy) {
      if (s.effect !== 'Allow' || s.principals === undefined || s.principals.not) continue;
      const outside = s.principals.entries.flatMap((p) => {
        if (p.type === 'account' && p.account !== account && /^\d{12}$/.test(p.account)) return [{ arn: `arn:aws:iam::${p.account}:root`, account: p.account }];
        if (p.type === 'arn' && p.account !== undefined && p.account !== account && /^\d{12}$/.test(p.account)) return [{ arn: p.arn, account: p.account }];
        return [];
      });
      const action = ALL_KEY_ACTIONS.find((a) => E.coversAction(s, a));
      if (action === undefined) continue;
      for (const caller of outside) {
        const decision = E.decide(policy, {
          caller: { ...caller, iamStatements: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] },
          action,
          keyArn,
          keyAccount: account,
          context: { 'aws:PrincipalOrgID': OUTSIDE_ORGANIZATION, 'aws:PrincipalIsAWSService': 'false' },
        });
        if (decision.allowed) {
          findings.push({ id: s.id, detail: `${s.id} allows ${caller.arn} (account ${caller.account}) ${action} with no organization condition` });
          break;
        }
      }
    }
    return findings;
  },
};
