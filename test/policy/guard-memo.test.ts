/**
 * In a validation pass, keys whose resolved policies are equal share the engine's analysis
 * (keyPolicyGuard's memo); each key's messages are still its own, and equal to those found afresh.
 */
import { keyPolicyGuard } from '../../src/private/policy/guard';

const OWN = '111111111111';
const ADMIN = 'arn:aws:iam::111111111111:role/Admin';

function policy(extra: unknown[]): unknown {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: ADMIN }, Action: ['kms:PutKeyPolicy', 'kms:DescribeKey'], Resource: '*' },
      ...extra,
    ],
  };
}

const servicePrincipal = { Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'kms:Decrypt', Resource: '*' };
const adminUses = { Effect: 'Allow', Principal: { AWS: ADMIN }, Action: 'kms:Decrypt', Resource: '*' };
const noUpdater = { Version: '2012-10-17', Statement: [servicePrincipal] };

function options(subject: string, grantsAreAdministration = false) {
  return {
    subject,
    account: OWN,
    serviceHint: () => ` (${subject}).`,
    lockout: `${subject} lockout`,
    grantsAreAdministration,
    name: (v: string) => `<${subject}:${v}>`,
  };
}

test('with a shared memo every key gets the messages it finds alone, in its own words', () => {
  const memo = new Map<string, unknown>();
  const cases: Array<[unknown, string]> = [
    [policy([servicePrincipal]), 'A'], [policy([servicePrincipal]), 'B'],
    [policy([adminUses]), 'C'], [policy([adminUses]), 'D'],
    [noUpdater, 'E'], [noUpdater, 'F'], [policy([]), 'G'],
  ];
  for (const [doc, subject] of cases) {
    const alone = keyPolicyGuard(doc, options(subject));
    expect(keyPolicyGuard(doc, options(subject), memo)).toEqual(alone);
  }
  const b = keyPolicyGuard(policy([servicePrincipal]), options('B'), memo);
  expect(b.join('\n')).toContain('B: key policy statement 1');
  expect(b.join('\n')).toContain('<B:sns.amazonaws.com>');
  expect(b.join('\n')).not.toContain('A:');
  expect(keyPolicyGuard(policy([adminUses]), options('D'), memo).join('\n')).toContain(`<D:${ADMIN}> would both administer and use the key`);
  expect(keyPolicyGuard(noUpdater, options('F'), memo)).toContain('F: F lockout');
  expect(keyPolicyGuard(policy([]), options('G'), memo)).toEqual([]);
  // One analysis per distinct policy.
  expect(memo.size).toBe(4);
});

test('the memo never answers for another policy, account or grantsAreAdministration', () => {
  const memo = new Map<string, unknown>();
  const grantAdmin = { Effect: 'Allow', Principal: { AWS: ADMIN }, Action: 'kms:CreateGrant', Resource: '*' };
  expect(keyPolicyGuard(policy([]), options('A'), memo)).toEqual([]);
  expect(keyPolicyGuard(policy([servicePrincipal]), options('A'), memo).length).toBeGreaterThan(0);
  expect(keyPolicyGuard(policy([grantAdmin]), options('A'), memo).join('\n')).toContain('would both administer and use');
  expect(keyPolicyGuard(policy([grantAdmin]), options('A', true), memo)).toEqual([]);
  const other = { ...options('A'), account: '222222222222' };
  expect(keyPolicyGuard(policy([]), other, memo)).toEqual(keyPolicyGuard(policy([]), other));
  expect(memo.size).toBe(5);
});
