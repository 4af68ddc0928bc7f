import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import { build, logicalId, propsOf } from './fixtures';
import { EnvelopeFunction, SecureKey } from '../../src';
import { envFor, resolveIntrinsics } from '../support/cfn-intrinsics';
import { authorize, Caller, KmsRequest, PolicyJson } from '../support/kms-access';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** The function role's policy document and the key policies, resolved to plain strings. */
interface Resolved {
  readonly role: PolicyJson;
  readonly keys: PolicyJson[];
  readonly caller: Caller;
  readonly keyArn: (k: SecureKey) => string;
}

function policies(fn: EnvelopeFunction, ...keys: SecureKey[]): Resolved {
  const stack = Stack.of(fn);
  const raw = Template.fromStack(stack).toJSON() as { Resources: Resources };
  const env = envFor(raw);
  const resolved = resolveIntrinsics(raw, env) as { Resources: Resources };
  const role = resolved.Resources[logicalId(fn.policy)].Properties!.PolicyDocument as PolicyJson;
  const roleArn = `arn:aws:iam::${env.account}:role/${logicalId(fn.role)}`;
  return {
    role,
    keys: keys.map((k) => resolved.Resources[logicalId(k)].Properties!.KeyPolicy as PolicyJson),
    caller: { label: 'function', arn: roleArn, account: env.account, iamStatements: role.Statement },
    keyArn: (k) => `arn:aws:kms:${env.region}:${env.account}:key/${logicalId(k)}`,
  };
}

/** The function's own statement of a key policy (found by its principal, the function's role). */
function statementsFor(keyPolicy: PolicyJson, fn: EnvelopeFunction): unknown[] {
  const roleId = logicalId(fn.role);
  return keyPolicy.Statement.filter((s) => JSON.stringify(s.Principal ?? '').includes(roleId));
}

describe('policy snapshots', () => {
  test('defaults: the role policy and the key policy', () => {
    const { fn, key } = build();
    const p = policies(fn, key);
    expect(p.role).toMatchSnapshot('role policy');
    expect(p.keys[0]).toMatchSnapshot('key policy');
  });

  test('every permission on: context keys, re-encryption to another key, audit', () => {
    const { fn, key, stack } = build({}, (s) => ({
      encryptionContextKeys: ['tenant', 'purpose'],
      reEncryptDestinationKeys: [new SecureKey(s, 'Archive')],
      usageReportSchedule: events.Schedule.rate(Duration.minutes(30)),
    }));
    const archive = stack.node.findChild('Archive') as SecureKey;
    const p = policies(fn, key, archive);
    expect(p.role).toMatchSnapshot('role policy');
    expect(p.keys[0]).toMatchSnapshot('key policy');
    expect(statementsFor(p.keys[1], fn)).toMatchSnapshot('destination key policy: the function\'s statement');
  });
});

describe('what the role can do (offline KMS authorization evaluator)', () => {
  const ctx = { tenant: 'acme' };
  const allows = (p: ReturnType<typeof policies>, keyPolicy: PolicyJson, keyArn: string, req: KmsRequest): boolean =>
    authorize(keyPolicy, keyArn, p.caller, req) === 'allowed';

  test('defaults: GenerateDataKey and Decrypt on its key, nothing else', () => {
    const { fn, key } = build();
    const p = policies(fn, key);
    const arn = p.keyArn(key);
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      expect(allows(p, p.keys[0], arn, { action, encryptionContext: ctx })).toBe(true);
      expect(allows(p, p.keys[0], arn, { action })).toBe(true);
    }
    for (const action of ['kms:Encrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:CreateGrant', 'kms:DescribeKey', 'kms:PutKeyPolicy', 'kms:GenerateDataKeyPair']) {
      expect(allows(p, p.keys[0], arn, { action, encryptionContext: ctx })).toBe(false);
    }
    const actions = p.role.Statement.flatMap((s) => [s.Action].flat());
    expect(actions.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  test('the role\'s IAM policy alone does not reach another key of the account', () => {
    const { fn, key, stack } = build();
    const other = new SecureKey(stack, 'Other');
    const p = policies(fn, key, other);
    expect(allows(p, p.keys[1], p.keyArn(other), { action: 'kms:Decrypt' })).toBe(false);
  });

  test('encryptionContextKeys: only those keys (and the signed suite\'s public key), at least one of them present', () => {
    const { fn, key } = build({ encryptionContextKeys: ['tenant', 'order'] });
    const p = policies(fn, key);
    const arn = p.keyArn(key);
    const cases: Array<[Record<string, string> | undefined, boolean]> = [
      [{ tenant: 'a' }, true],
      [{ tenant: 'a', order: '1' }, true],
      [{ 'tenant': 'a', 'aws-crypto-public-key': 'A1b2' }, true],
      [{ order: '1' }, true],
      [{ tenant: 'a', other: 'x' }, false],
      [{ other: 'x' }, false],
      [{ 'aws-crypto-public-key': 'A1b2' }, false],
      [undefined, false],
    ];
    for (const [encryptionContext, expected] of cases) {
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        expect([action, encryptionContext, allows(p, p.keys[0], arn, { action, encryptionContext })]).toEqual([action, encryptionContext, expected]);
      }
    }
  });

  test('reEncrypt to another key: ReEncryptFrom on its key, ReEncryptTo on the destination only', () => {
    const { fn, key, stack } = build({}, (s) => ({ reEncryptDestinationKeys: [new SecureKey(s, 'Archive')] }));
    const archive = stack.node.findChild('Archive') as SecureKey;
    const p = policies(fn, key, archive);
    expect(allows(p, p.keys[0], p.keyArn(key), { action: 'kms:ReEncryptFrom' })).toBe(true);
    expect(allows(p, p.keys[0], p.keyArn(key), { action: 'kms:ReEncryptTo' })).toBe(false);
    expect(allows(p, p.keys[1], p.keyArn(archive), { action: 'kms:ReEncryptTo' })).toBe(true);
    expect(allows(p, p.keys[1], p.keyArn(archive), { action: 'kms:ReEncryptFrom' })).toBe(false);
    expect(allows(p, p.keys[1], p.keyArn(archive), { action: 'kms:Decrypt' })).toBe(false);
    expect(allows(p, p.keys[1], p.keyArn(archive), { action: 'kms:GenerateDataKey' })).toBe(false);
  });

  test('enableReEncrypt alone: re-wrap under its own key (ReEncryptFrom and ReEncryptTo on it)', () => {
    const { fn, key } = build({ enableReEncrypt: true });
    const p = policies(fn, key);
    expect(allows(p, p.keys[0], p.keyArn(key), { action: 'kms:ReEncryptFrom' })).toBe(true);
    expect(allows(p, p.keys[0], p.keyArn(key), { action: 'kms:ReEncryptTo' })).toBe(true);
  });

  test('a kms.Key destination gets the role in its key policy too', () => {
    const { fn, stack } = build({}, (s) => ({ reEncryptDestinationKeys: [new kms.Key(s, 'Plain')] }));
    const plain = stack.node.findChild('Plain') as kms.Key;
    const t = Template.fromStack(stack).toJSON() as { Resources: Resources };
    const keyPolicy = t.Resources[logicalId(plain)].Properties!.KeyPolicy as PolicyJson;
    expect(statementsFor(keyPolicy, fn)).toEqual([expect.objectContaining({ Action: 'kms:ReEncryptTo', Effect: 'Allow' })]);
  });

  test('CloudWatch Logs may use the key only for the function\'s log group', () => {
    const { fn, key } = build();
    const p = policies(fn, key);
    const logs: Caller = { label: 'logs', service: 'logs.us-east-1.amazonaws.com', account: p.caller.account, iamStatements: [] };
    const group = (name: string) => ({ 'aws:logs:arn': `arn:aws:logs:us-east-1:${p.caller.account}:log-group:${name}` });
    const name = propsOf(fn.logGroup).LogGroupName as string;
    expect(name).toMatch(/^\/securekey\/envelope-function\//);
    expect(authorize(p.keys[0], p.keyArn(key), logs, { action: 'kms:Encrypt', encryptionContext: group(name) })).toBe('allowed');
    expect(authorize(p.keys[0], p.keyArn(key), logs, { action: 'kms:Encrypt', encryptionContext: group('/some/other/group') })).toBe('denied');
    expect(authorize(p.keys[0], p.keyArn(key), logs, { action: 'kms:Encrypt' })).toBe('denied');
  });

  test('the key\'s own allowCloudWatchLogs and the function\'s log group share one statement', () => {
    const { fn, key } = build();
    key.allowCloudWatchLogs({ logGroupNames: ['/app'] });
    const statements = policies(fn, key).keys[0].Statement;
    const sids = statements.map((s) => s.Sid).filter((s) => s !== undefined);
    expect(new Set(sids).size).toBe(sids.length);
    const logsStatements = statements.filter((s) => s.Sid === 'CloudWatchLogs');
    expect(logsStatements).toHaveLength(1);
    expect(JSON.stringify(logsStatements[0].Condition)).toContain('log-group:/app"');
    expect(JSON.stringify(logsStatements[0].Condition)).toContain('log-group:/securekey/envelope-function/');
  });

  test('audit: cloudtrail:LookupEvents on * only when the audit is on', () => {
    const off = policies(build().fn);
    expect(JSON.stringify(off.role)).not.toContain('cloudtrail');
    const on = policies(build({ enableUsageReport: true }).fn);
    expect(on.role.Statement.filter((s) => JSON.stringify(s.Action).includes('cloudtrail'))).toEqual([
      { Sid: 'AuditKeyUsage', Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' },
    ]);
  });
});
