/**
 * Condition operators with IAM's semantics, one row per rule the engine follows (src/private/policy/engine/conditions.ts).
 */
import { conditionHolds, parseOperator, parsePolicy, Condition, decide } from '../../src/private/policy/engine';

function cond(operator: string, values: string[], key = 'k'): Condition {
  return { operator, ...parseOperator(operator), key, keyAsWritten: key, values };
}

describe('condition operators', () => {
  test.each<[string, string[], string[] | undefined, boolean | undefined]>([
    // positive operators: false on an absent key, unless IfExists
    ['StringEquals', ['a'], ['a'], true],
    ['StringEquals', ['a'], ['A'], false],
    ['StringEquals', ['a'], undefined, false],
    ['StringEqualsIfExists', ['a'], undefined, true],
    ['StringEqualsIfExists', ['a'], ['b'], false],
    ['StringEqualsIgnoreCase', ['a'], ['A'], true],
    // negated operators: true on an absent key; the value must match none of the policy's values
    ['StringNotEquals', ['a'], undefined, true],
    ['StringNotEquals', ['a', 'b'], ['b'], false],
    ['StringNotEquals', ['a', 'b'], ['c'], true],
    ['StringNotEqualsIfExists', ['a'], undefined, true],
    ['StringNotLike', ['?*'], ['x'], false],
    ['StringNotLike', ['?*'], undefined, true],
    // wildcards
    ['StringLike', ['?*'], ['x'], true],
    ['StringLike', ['?*'], [''], false],
    ['StringLike', ['a*c'], ['abbc'], true],
    ['StringEquals', ['a*'], ['abc'], false],
    // ARNs: wildcards stay inside one of the six parts
    ['ArnLike', ['arn:aws:sns:*:111111111111:t'], ['arn:aws:sns:us-east-1:111111111111:t'], true],
    ['ArnLike', ['arn:aws:sns:*:t'], ['arn:aws:sns:us-east-1:111111111111:t'], false],
    ['ArnNotLike', ['arn:aws:sns:*:111111111111:*'], ['arn:aws:sns:us-east-1:222222222222:t'], true],
    // Null
    ['Null', ['true'], undefined, true],
    ['Null', ['true'], ['x'], false],
    ['Null', ['false'], ['x'], true],
    ['Null', ['false'], undefined, false],
    // set operators
    ['ForAnyValue:StringEquals', ['a'], ['b', 'a'], true],
    ['ForAnyValue:StringEquals', ['a'], undefined, false],
    ['ForAllValues:StringEquals', ['a', 'b'], ['a', 'b'], true],
    ['ForAllValues:StringEquals', ['a'], ['a', 'c'], false],
    ['ForAllValues:StringEquals', ['a'], undefined, true],
    ['ForAllValues:StringNotEquals', ['a'], ['b', 'c'], true],
    ['ForAnyValue:StringNotEquals', ['a'], ['a', 'c'], true],
    // Bool, numbers, dates, IP addresses
    ['Bool', ['true'], ['TRUE'], true],
    ['Bool', ['true'], ['false'], false],
    ['NumericLessThan', ['10'], ['9'], true],
    ['NumericGreaterThanEquals', ['10'], ['9'], false],
    ['DateLessThan', ['2030-01-01T00:00:00Z'], ['2029-12-31T23:59:59Z'], true],
    ['IpAddress', ['10.0.0.0/8'], ['10.1.2.3'], true],
    ['NotIpAddress', ['10.0.0.0/8'], ['11.1.2.3'], true],
    // an operator the engine does not know: undecided
    ['StringMatchesRegex', ['a'], ['a'], undefined],
  ])('%s %j against %j -> %s', (operator, policyValues, requestValues, expected) => {
    expect(conditionHolds(cond(operator, policyValues), requestValues)).toBe(expected);
  });

  test('an unknown operator does not hold in an Allow and holds in a Deny (deny when unsure)', () => {
    const caller = { arn: 'arn:aws:iam::111111111111:role/App', account: '111111111111' };
    const request = { caller, action: 'kms:Decrypt', keyArn: 'arn:aws:kms:us-east-1:111111111111:key/k', keyAccount: '111111111111' };
    const allow = { Effect: 'Allow', Principal: { AWS: caller.arn }, Action: 'kms:Decrypt', Resource: '*' };
    expect(decide(parsePolicy({ Statement: [{ ...allow, Condition: { StringMatchesRegex: { 'aws:PrincipalArn': '.*' } } }] }), request).allowed).toBe(false);
    const d = decide(parsePolicy({ Statement: [allow, { ...allow, Sid: 'Unsure', Effect: 'Deny', Condition: { StringMatchesRegex: { 'aws:PrincipalArn': '.*' } } }] }), request);
    expect(d.decision).toBe('explicit-deny');
    expect(d.deniedBy).toEqual([{ policy: 'key', id: 'Sid:Unsure', sid: 'Unsure', index: 1 }]);
  });

  test('a decision names the statements that made it; an account statement needs the caller\'s IAM policy', () => {
    const policy = parsePolicy({
      Statement: [{ Sid: 'Account', Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: 'kms:Decrypt', Resource: '*' }],
    });
    const base = { action: 'Decrypt', keyArn: 'arn:aws:kms:us-east-1:111111111111:key/k', keyAccount: '111111111111' };
    const withIam = decide(policy, {
      ...base, caller: { arn: 'arn:aws:iam::111111111111:role/A', account: '111111111111', iamStatements: [{ Sid: 'Kms', Effect: 'Allow', Action: 'kms:*', Resource: '*' }] },
    });
    expect(withIam.allowedBy.map((s) => `${s.policy} ${s.id}`)).toEqual(['key Sid:Account', 'iam Sid:Kms']);
    const without = decide(policy, { ...base, caller: { arn: 'arn:aws:iam::111111111111:role/A', account: '111111111111' } });
    expect(without.decision).toBe('implicit-deny');
    expect(without.reason).toContain('no IAM statement of the caller allows it');
  });
});
