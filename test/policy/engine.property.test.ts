/**
 * Properties of the policy engine over random key policies (principal forms, operators, condition keys,
 * values) and random requests:
 * - the guard's analysis is sound: whenever a concrete request by someone outside the access model is
 *   allowed (another account; an unnamed IAM principal of the key's account using the key directly; a
 *   service acting for another account), the analysis reports that kind of outsider;
 * - and exact: every exposure it reports comes with a request that the evaluator allows;
 * - decisions do not depend on statement order, and an explicit Deny always wins.
 */
import * as fc from 'fast-check';
import * as A from '../../src/private/actions';
import { Caller, decide, findExposures, parsePolicy, Request, Statement } from '../../src/private/policy/engine';
import { keyPolicyGuard } from '../../src/private/policy/guard';

const OWN = '111111111111';
const STRANGER = '555555555555';
const KEY_ARN = `arn:aws:kms:us-east-1:${OWN}:key/k`;
const KMS_STAR = [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }];
const VIA = 'secretsmanager.us-east-1.amazonaws.com';

const principal = fc.constantFrom<unknown>(
  '*', { AWS: '*' }, { AWS: `arn:aws:iam::${OWN}:root` }, { AWS: OWN }, { AWS: `arn:aws:iam::${OWN}:role/App` },
  { Service: 'sns.amazonaws.com' }, { AWS: [`arn:aws:iam::${OWN}:role/App`, `arn:aws:iam::${OWN}:root`] },
);
const actions = fc.subarray(['kms:Decrypt', 'kms:Encrypt', 'kms:CreateGrant', 'kms:DescribeKey', 'kms:PutKeyPolicy', 'kms:*', 'kms:Create*'], { minLength: 1, maxLength: 3 });
const operator = fc.constantFrom(
  'StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'StringEqualsIfExists', 'StringNotEqualsIfExists',
  'ForAnyValue:StringEquals', 'ForAllValues:StringEquals', 'ArnLike', 'ArnNotLike', 'Bool', 'Null',
);
const conditionKey = fc.constantFrom(
  'kms:CallerAccount', 'aws:PrincipalAccount', 'aws:SourceAccount', 'kms:ViaService', 'kms:GrantIsForAWSResource',
  'kms:EncryptionContext:tenant', 'aws:SourceArn', 'aws:PrincipalOrgID',
);
const value = fc.constantFrom(OWN, '?*', '*', VIA, 'true', 'false', 'o-abc', `arn:aws:sns:us-east-1:${OWN}:t`, 'arn:aws:sns:*:*:t', 'blue');
const condition = fc.tuple(operator, conditionKey, fc.array(value, { minLength: 1, maxLength: 2 }))
  .map(([op, key, values]) => ({ [op]: { [key]: op === 'Null' || op === 'Bool' ? values[0] === 'false' ? 'false' : 'true' : values } }));
const statement = fc.record({
  effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Deny'),
  principal,
  actions,
  conditions: fc.array(condition, { maxLength: 2 }),
}).map((s) => {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const c of s.conditions) for (const [op, block] of Object.entries(c)) merged[op] = { ...merged[op], ...block };
  return {
    Effect: s.effect,
    Principal: s.principal,
    Action: s.actions,
    Resource: '*',
    ...(Object.keys(merged).length > 0 ? { Condition: merged } : {}),
  };
});
const policy = fc.array(statement, { minLength: 1, maxLength: 4 });

type Kind = 'other-account' | 'account-iam' | 'service';
const request = fc.record({
  kind: fc.constantFrom<Kind>('other-account', 'account-iam', 'service'),
  action: fc.constantFrom('kms:Decrypt', 'kms:Encrypt', 'kms:CreateGrant', 'kms:DescribeKey', 'kms:PutKeyPolicy'),
  viaService: fc.constantFrom(undefined, VIA, 'ec2.us-east-1.amazonaws.com'),
  grantIsForAwsResource: fc.constantFrom(undefined, true, false),
  tenant: fc.constantFrom(undefined, 'blue', 'outsider-x'),
  sourceAccount: fc.constantFrom(undefined, STRANGER),
  sourceArn: fc.constantFrom(undefined, `arn:aws:sns:us-east-1:${STRANGER}:t`),
  orgId: fc.constantFrom(undefined, 'o-other'),
});

interface RandomRequest {
  kind: Kind;
  action: string;
  viaService?: string;
  grantIsForAwsResource?: boolean;
  tenant?: string;
  sourceAccount?: string;
  sourceArn?: string;
  orgId?: string;
}

function requestOf(r: RandomRequest): Request {
  const caller: Caller = r.kind === 'service' ? { service: 'sns.amazonaws.com' }
    : r.kind === 'other-account' ? { arn: `arn:aws:iam::${STRANGER}:role/R`, account: STRANGER, iamStatements: KMS_STAR }
      : { arn: `arn:aws:iam::${OWN}:role/Unnamed`, account: OWN, iamStatements: KMS_STAR };
  return {
    caller,
    action: r.action,
    keyArn: KEY_ARN,
    keyAccount: OWN,
    viaService: r.viaService,
    grantIsForAwsResource: r.grantIsForAwsResource,
    // A service acting for another account's resource cannot produce this account's encryption context values.
    encryptionContext: r.tenant === undefined || (r.kind === 'service' && r.tenant !== 'outsider-x') ? undefined : { tenant: r.tenant },
    sourceAccount: r.kind === 'account-iam' ? undefined : r.sourceAccount,
    sourceArn: r.kind === 'account-iam' ? undefined : r.sourceArn,
    context: r.orgId && r.kind !== 'service' ? { 'aws:PrincipalOrgID': r.orgId } : undefined,
  };
}

/** Whether an allowed request is use by someone outside the access model. */
function counts(kind: Kind, req: Request): boolean {
  if (kind !== 'account-iam') return true;
  if (![...A.USE_ACTIONS, 'kms:CreateGrant'].includes(req.action)) return false;
  if (req.action === 'kms:CreateGrant' && req.grantIsForAwsResource === true) return false;
  return req.viaService === undefined;
}

const RUNS = { numRuns: 400 };

describe('policy engine properties', () => {
  test('sound: an outsider allowed by a concrete request is reported by the analysis (and refused by the guard)', () => {
    fc.assert(fc.property(policy, request, (doc, r) => {
      const statements = parsePolicy({ Statement: doc });
      const req = requestOf(r);
      if (r.kind === 'account-iam' && req.grantIsForAwsResource === true && req.viaService === undefined) return; // not a request KMS receives
      const d = decide(statements, req);
      if (!d.allowed || !counts(r.kind, req)) return;
      const kinds = new Set(findExposures(statements, { account: OWN }).map((e) => e.outsider));
      const negated = statements.some((s) => s.effect === 'Allow' && (s.actions.not || s.principals?.not));
      // A wildcard principal lets services in as well; the other-account finding may be the one that shows it.
      expect(kinds.has(r.kind) || (r.kind === 'service' && kinds.has('other-account')) || negated).toBe(true);
      expect(keyPolicyGuard({ Statement: doc }, { subject: 'K', account: OWN, serviceHint: () => '.' }).length).toBeGreaterThan(0);
    }), RUNS);
  });

  test('exact: every reported exposure comes with a request the evaluator allows', () => {
    fc.assert(fc.property(policy, (doc) => {
      const statements = parsePolicy({ Statement: doc });
      for (const e of findExposures(statements, { account: OWN })) {
        const { caller, action, context } = e.request;
        const d = decide(statements, { caller, action, keyArn: KEY_ARN, keyAccount: OWN, context });
        const seen = { statement: e.statement.json, outsider: e.outsider, action, context, allowed: d.allowed };
        expect(seen).toEqual(expect.objectContaining({ allowed: true }));
      }
    }), RUNS);
  });

  test('decisions and findings never depend on statement order', () => {
    fc.assert(fc.property(policy, request, fc.integer(), (doc, r, seed) => {
      const shuffled = [...doc].sort((a, b) => (JSON.stringify(a).length * seed) % 7 - (JSON.stringify(b).length * seed) % 7).reverse();
      const req = requestOf(r);
      expect(decide(parsePolicy({ Statement: shuffled }), req).decision).toBe(decide(parsePolicy({ Statement: doc }), req).decision);
      const ids = (d: unknown[]) => findExposures(parsePolicy({ Statement: d }), { account: OWN }).map((e) => `${e.statement.id} ${e.outsider}`).sort();
      expect(ids(shuffled)).toEqual(ids(doc));
    }), RUNS);
  });

  test('an explicit Deny wins over any Allow', () => {
    fc.assert(fc.property(policy, request, fc.nat(), (doc, r, at) => {
      const deny = { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' };
      const withDeny = [...doc.slice(0, at % (doc.length + 1)), deny, ...doc.slice(at % (doc.length + 1))];
      const d = decide(parsePolicy({ Statement: withDeny }), requestOf(r));
      expect(d.decision).toBe('explicit-deny');
      expect(findExposures(parsePolicy({ Statement: withDeny }), { account: OWN })).toEqual([]);
    }), RUNS);
  });

  test('statement ids do not depend on position', () => {
    fc.assert(fc.property(policy, (doc) => {
      const forward = parsePolicy({ Statement: doc }).map((s: Statement) => s.id);
      const backward = parsePolicy({ Statement: [...doc].reverse() }).map((s: Statement) => s.id).reverse();
      expect(backward).toEqual(forward);
    }), RUNS);
  });
});
