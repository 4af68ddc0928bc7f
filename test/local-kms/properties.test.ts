/**
 * Properties of LocalKms's authorization, end to end through real calls over random key policies,
 * IAM policies and requests: the decision never depends on statement order, and an explicit deny
 * that applies always wins, over policies and grants alike.
 */
import fc from 'fast-check';
import { LocalKms } from '../../lambda/providers/local-kms';

const ACCOUNT = '111111111111';
const OTHER = '222222222222';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/Caller`;

const principal = fc.constantFrom<unknown>(
  '*', { AWS: '*' }, { AWS: `arn:aws:iam::${ACCOUNT}:root` }, { AWS: ACCOUNT }, { AWS: ROLE },
  { AWS: `arn:aws:iam::${ACCOUNT}:role/Someone` }, { AWS: `arn:aws:iam::${OTHER}:root` }, { Service: 's3.amazonaws.com' },
);
const action = fc.constantFrom<string | string[]>('kms:Encrypt', 'kms:GenerateDataKey', 'kms:*', 'kms:Gen*', ['kms:Encrypt', 'kms:Decrypt'], 'kms:Decrypt');
const condition = fc.option(fc.constantFrom<Record<string, Record<string, unknown>>>(
  { StringEquals: { 'kms:EncryptionContext:tenant': 'a' } },
  { StringNotEquals: { 'kms:EncryptionContext:tenant': 'a' } },
  { StringEquals: { 'kms:CallerAccount': ACCOUNT } },
  { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
  { Null: { 'kms:ViaService': 'true' } },
  { StringLike: { 'kms:ViaService': 's3.*' } },
  { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'tenant' } },
  { StringEqualsIfExists: { 'kms:EncryptionContext:tenant': 'b' } },
), { nil: undefined });
const effect = fc.constantFrom('Allow', 'Deny');
const keyStatement = fc.record({ Effect: effect, Principal: principal, Action: action, Resource: fc.constant('*'), Condition: condition })
  .map(({ Condition, ...s }) => (Condition ? { ...s, Condition } : s));
const iamStatement = fc.record({ Effect: effect, Action: action, Resource: fc.constantFrom('*', 'arn:aws:kms:us-east-1:111111111111:key/*'), Condition: condition })
  .map(({ Condition, ...s }) => (Condition ? { ...s, Condition } : s));
const request = fc.record({
  operation: fc.constantFrom('Encrypt', 'GenerateDataKey'),
  tenant: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
  viaService: fc.option(fc.constantFrom('s3.us-east-1.amazonaws.com', 'sqs.us-east-1.amazonaws.com'), { nil: undefined }),
});
type Req = { operation: string; tenant?: string; viaService?: string };

/** Runs one request as the caller against a new key with this policy; 'allowed' or 'denied'. */
async function outcome(keyPolicy: unknown[], iam: unknown[], req: Req, grant = false): Promise<'allowed' | 'denied'> {
  const kms = new LocalKms({ enforcePolicies: true, accountId: ACCOUNT });
  const setup = new LocalKms({ store: kms.store, accountId: ACCOUNT });
  const { KeyMetadata } = await setup.createKey({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: keyPolicy }) });
  if (grant) await setup.createGrant({ KeyId: KeyMetadata.KeyId, GranteePrincipal: ROLE, Operations: ['Encrypt', 'GenerateDataKey'] });
  const caller = kms.asPrincipal({ arn: ROLE, account: ACCOUNT, iamStatements: iam }, req.viaService ? { viaService: req.viaService } : {});
  const EncryptionContext = req.tenant ? { tenant: req.tenant } : undefined;
  const call = req.operation === 'Encrypt'
    ? caller.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: new Uint8Array([1]), EncryptionContext })
    : caller.generateDataKey({ KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256', EncryptionContext });
  return call.then(() => 'allowed', (e: Error) => {
    if (e.name !== 'AccessDeniedException') throw e;
    return 'denied';
  });
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  // Park-Miller: a deterministic permutation from the seed, so a failure replays.
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 48271) % 2147483647;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

test('the decision never depends on the order of key policy or IAM statements', async () => {
  const seen = { allowed: 0, denied: 0 };
  await fc.assert(fc.asyncProperty(
    fc.array(keyStatement, { minLength: 1, maxLength: 6 }), fc.array(iamStatement, { maxLength: 4 }), request,
    fc.integer({ min: 1, max: 2147483646 }),
    async (keyPolicy, iam, req, seed) => {
      const a = await outcome(keyPolicy, iam, req);
      const b = await outcome(shuffled(keyPolicy, seed), shuffled(iam, seed + 1), req);
      expect(b).toBe(a);
      seen[a]++;
    },
  ), { numRuns: 300 });
  // The generators reach both outcomes, so the property is not vacuous. Allowed is the rarer one, about one run
  // in nine (30-37 of 300 seen): 150 runs put a bound of 10 within reach of fast-check's random seed (8 seen).
  expect(seen.allowed).toBeGreaterThan(10);
  expect(seen.denied).toBeGreaterThan(10);
});

test('an applicable explicit deny, in the key policy or in IAM, always wins: over every allow and over a grant', async () => {
  const denyIn = fc.constantFrom('key', 'iam');
  await fc.assert(fc.asyncProperty(
    fc.array(keyStatement, { maxLength: 6 }), fc.array(iamStatement, { maxLength: 4 }), request, denyIn, fc.nat(),
    async (keyPolicy, iam, req, where, at) => {
      const deny = { Effect: 'Deny', Action: `kms:${req.operation}`, Resource: '*' };
      const withDeny = where === 'key'
        ? [...keyPolicy.slice(0, at % (keyPolicy.length + 1)), { ...deny, Principal: { AWS: ROLE } }, ...keyPolicy.slice(at % (keyPolicy.length + 1))]
        : keyPolicy;
      const iamWithDeny = where === 'iam' ? [...iam.slice(0, at % (iam.length + 1)), deny, ...iam.slice(at % (iam.length + 1))] : iam;
      const everything = [...withDeny, { Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }];
      expect(await outcome(everything, [...iamWithDeny, { Effect: 'Allow', Action: 'kms:*', Resource: '*' }], req, true)).toBe('denied');
    },
  ), { numRuns: 150 });
});

test('sanity: without the deny, the same allow-everything policy and a grant do allow', async () => {
  expect(await outcome([{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }], [], { operation: 'Encrypt' }, true)).toBe('allowed');
  expect(await outcome([{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'kms:Decrypt', Resource: '*' }], [], { operation: 'Encrypt' }, true)).toBe('allowed');
});
