import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SecureKeyExampleStack } from '../../examples/app';
import { analyzeTemplate } from '../../src/private/analysis/template';

const ROOT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };

/** A hand-written template: an over-broad key policy and an IAM policy that decrypts with every key. */
function handWritten(extraStatements: unknown[] = []): Record<string, unknown> {
  return {
    Resources: {
      Key: {
        Type: 'AWS::KMS::Key',
        Properties: {
          EnableKeyRotation: true,
          KeyPolicy: {
            Version: '2012-10-17',
            Statement: [
              { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: { 'Fn::GetAtt': ['AdminRole', 'Arn'] } }, Action: ['kms:PutKeyPolicy', 'kms:DescribeKey'], Resource: '*' },
              { Sid: 'Everyone', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' },
              ...extraStatements,
            ],
          },
        },
      },
      AdminRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } },
      ReaderPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'reader',
          Roles: [{ Ref: 'AdminRole' }],
          PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] },
        },
      },
    },
  };
}

function row(analysis: ReturnType<typeof analyzeTemplate>, label: string) {
  const r = analysis.keys[0].report.rows.find((x) => x.label === label);
  if (!r) throw new Error(`no row ${label}: ${analysis.keys[0].report.rows.map((x) => x.label).join(', ')}`);
  return Object.fromEntries(r.cells.map((c) => [c.operation, c.access]));
}

describe('analyzeTemplate', () => {
  test('a default kms.Key: root kms:*, admin and use, CreateGrant, rotation off; the account\'s IAM decides everything', () => {
    const stack = new Stack(new App(), 'Plain');
    new kms.Key(stack, 'Plain');
    const analysis = analyzeTemplate(Template.fromStack(stack).toJSON(), { stackName: 'Plain' });
    expect(analysis.findings.map((f) => f.ruleId).sort()).toEqual(['KeyPolicy-KP2', 'KeyPolicy-KP3', 'KeyPolicy-KP4', 'KeyPolicy-KP7']);
    expect(analysis.keys).toHaveLength(1);
    expect(analysis.keys[0].findings).toEqual(analysis.findings);
    const account = row(analysis, 'IAM principals of account ${AWS::AccountId} (this account)');
    expect(account.Decrypt).toBe('iam');
    expect(account.PutKeyPolicy).toBe('iam');
  });

  test('the example app\'s SecureKey: no findings; the app role uses, the admin role manages', () => {
    const stack = new SecureKeyExampleStack(new App(), 'Ex', { env: { account: '111111111111', region: 'us-east-1' } });
    const template = Template.fromStack(stack).toJSON();
    const keyId = stack.getLogicalId(stack.key.node.defaultChild as kms.CfnKey);
    const analysis = analyzeTemplate(template, { labels: { [keyId]: 'DataKey' } });
    expect(analysis.findings).toEqual([]);
    const key = analysis.keys.find((k) => k.logicalId === keyId)!;
    expect(key.report.key).toBe('DataKey');
    const appRole = stack.getLogicalId(stack.appRole.node.defaultChild as never);
    const adminRole = stack.getLogicalId(stack.adminRole.node.defaultChild as never);
    // 'conditional': the example key's organization perimeter (unless aws:PrincipalOrgID ...); deletion
    // protection denies ScheduleKeyDeletion to everyone.
    expect(row(analysis, appRole)).toMatchObject({ Decrypt: 'conditional', Encrypt: 'conditional', PutKeyPolicy: 'none', CreateGrant: 'none' });
    expect(row(analysis, adminRole)).toMatchObject({ Decrypt: 'none', Encrypt: 'none', PutKeyPolicy: 'conditional' });
    expect(row(analysis, 'IAM principals of account 111111111111 (this account)')).toMatchObject({ Decrypt: 'none', PutKeyPolicy: 'iam' });
    expect(key.markdown).toContain('| logs.us-east-1.amazonaws.com | if [');
  });

  test('a hand-written template with intrinsics: wildcard principal, IAM Decrypt on every key, shown symbolically', () => {
    const analysis = analyzeTemplate(handWritten());
    expect(analysis.findings.map((f) => `${f.ruleId} ${f.resource}`)).toEqual([
      // KP3: the wildcard statement lets the administrator decrypt too.
      'KeyPolicy-KP1 Key', 'KeyPolicy-KP3 Key', 'KeyPolicy-KP6 ReaderPolicy',
    ]);
    expect(analysis.findings[0].message).toContain('Sid:Everyone');
    expect(analysis.keys[0].report.rows.map((r) => r.principal)).toEqual(['*', '${AdminRole.Arn}']);
    expect(row(analysis, 'everyone (`*`)').Decrypt).toBe('allowed');
  });

  test('an explicit Deny wins; a conditional Deny is shown as "unless"', () => {
    const denyAll = { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' };
    expect(row(analyzeTemplate(handWritten([denyAll])), 'everyone (`*`)').Decrypt).toBe('denied');
    const denyUnlessVpce = { ...denyAll, Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1' } } };
    const analysis = analyzeTemplate(handWritten([denyUnlessVpce]));
    const cell = analysis.keys[0].report.rows[0].cells.find((c) => c.operation === 'Decrypt')!;
    expect(cell).toEqual({ operation: 'Decrypt', access: 'conditional', conditions: ['unless aws:SourceVpce StringNotEquals vpce-1'] });
  });

  test('the account root in the key policy plus an IAM policy of a role of the template: allowed through both', () => {
    const template = handWritten([{ Sid: 'Account', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } }]);
    const policy = (template.Resources as any).Key.Properties.KeyPolicy;
    policy.Statement = policy.Statement.filter((st: { Sid: string }) => st.Sid !== 'Everyone');
    const analysis = analyzeTemplate(template);
    const admin = analysis.keys[0].report.rows.find((r) => r.principal === '${AdminRole.Arn}')!;
    expect(admin.cells.find((c) => c.operation === 'Decrypt')).toEqual({
      operation: 'Decrypt', access: 'conditional', conditions: ['kms:ViaService StringEquals s3.us-east-1.amazonaws.com'],
    });
  });

  test('rejects what is not a template, saying what it expected', () => {
    expect(() => analyzeTemplate('nope')).toThrow('analyzeTemplate: expected a CloudFormation template object (parsed JSON with a Resources section).');
    expect(() => analyzeTemplate({ Resources: [] })).toThrow('analyzeTemplate: the template\'s Resources must be an object of logical ID to resource.');
    expect(analyzeTemplate({})).toEqual({ keys: [], findings: [] });
  });
});
