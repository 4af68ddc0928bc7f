import { coversAction, parsePolicy, Statement } from '../../private/policy/engine';
import { asArray, coversAllKeys, ResourceJson } from '../../private/policy/json';
import { KeyPolicyRule, RuleFinding } from '../rule';

const DECRYPT_ACTIONS = ['kms:Decrypt', 'kms:ReEncryptFrom'];

function documents(resource: ResourceJson): Array<{ doc: unknown; where: string; managed: boolean }> {
  const p = resource.properties;
  switch (resource.type) {
    case 'AWS::IAM::ManagedPolicy':
      return [{ doc: p.PolicyDocument, where: 'managed policy', managed: true }];
    case 'AWS::IAM::Policy':
      return [{ doc: p.PolicyDocument, where: `policy ${String(p.PolicyName ?? '')}`.trim(), managed: false }];
    default:
      return asArray(p.Policies as Array<{ PolicyName?: string; PolicyDocument?: unknown }>)
        .map((x) => ({ doc: x.PolicyDocument, where: `inline policy ${String(x.PolicyName ?? '')}`.trim(), managed: false }));
  }
}

function decryptsEverything(s: Statement): string[] {
  if (s.effect !== 'Allow') return [];
  const actions = DECRYPT_ACTIONS.filter((a) => coversAction(s, a));
  if (actions.length === 0) return [];
  const allKeys = s.resources === undefined || s.resources.not || s.resources.patterns.some((r) => coversAllKeys(r));
  return allKeys ? actions : [];
}

/** KP6: an IAM policy allows kms:Decrypt or kms:ReEncryptFrom on every key (Security Hub KMS.1, KMS.2). */
export const iamDecryptAllKeys: KeyPolicyRule = {
  code: 'KP6',
  name: 'IAM policy allows decryption with all keys',
  level: 'error',
  resourceTypes: ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'],
  info: 'An IAM policy allows kms:Decrypt or kms:ReEncryptFrom on all KMS keys (Resource "*" or a key/* pattern).',
  explanation: 'The principal can decrypt with any key whose key policy trusts the account, including keys created later '
    + '(Security Hub KMS.1 for customer managed policies, KMS.2 for inline policies). List the key ARNs the principal needs.',
  controls: ['AWS Security Hub KMS.1', 'AWS Security Hub KMS.2'],
  check: (resource) => documents(resource).flatMap(({ doc, where, managed }) =>
    parsePolicy(doc).flatMap((s): RuleFinding[] => {
      const actions = decryptsEverything(s);
      if (actions.length === 0) return [];
      return [{
        id: `${where.replace(/\s+/g, '_')}:${s.id}`,
        detail: `${where} ${s.id} allows ${actions.join(', ')} on all keys (${managed ? 'Security Hub KMS.1' : 'Security Hub KMS.2'})`,
      }];
    })),
};
