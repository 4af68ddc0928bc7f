import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SecureKeyExampleStack } from '../../examples/app';
import { KeyAccess, KeyAccessReport, SecureKey } from '../../src';
import { ACCOUNT, REGION } from '../support/secure-key-fixtures';

const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The README's app: `adminRole` and `appRole`. */
function readmeStack() {
  const stack = new Stack(new App(), 'App', { env: { account: ACCOUNT, region: REGION } });
  const adminRole = new iam.Role(stack, 'adminRole', { assumedBy: new iam.AccountRootPrincipal() });
  const appRole = new iam.Role(stack, 'appRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  return { stack, adminRole, appRole };
}

describe('KeyAccessReport', () => {
  test('a SecureKey as in the README: snapshot reads like a review', () => {
    const { stack, adminRole, appRole } = readmeStack();
    const key = new SecureKey(stack, 'Key', { administrators: [adminRole], users: [appRole] });
    const report = KeyAccessReport.of(key);
    expect(report.accessOf('App/appRole', 'Decrypt')).toBe(KeyAccess.ALLOWED);
    expect(report.accessOf('App/adminRole', 'Decrypt')).toBe(KeyAccess.NONE);
    expect(report.accessOf('App/adminRole', 'PutKeyPolicy')).toBe(KeyAccess.ALLOWED);
    expect(report.accessOf(`IAM principals of account ${ACCOUNT} (this account)`, 'Decrypt')).toBe(KeyAccess.NONE);
    expect(report.toMarkdown()).toMatchSnapshot();
    expect(README).toContain(report.toMarkdown().split('\n\n')[0]);
  });

  test('a default kms.Key: the account\'s IAM decides every operation, grants included', () => {
    const { stack, appRole } = readmeStack();
    const key = new kms.Key(stack, 'Key');
    key.grantEncryptDecrypt(appRole);
    const report = KeyAccessReport.of(key);
    expect(report.rows.map((r) => r.label)).toEqual([`IAM principals of account ${ACCOUNT} (this account)`, 'App/appRole']);
    expect(report.accessOf(`IAM principals of account ${ACCOUNT} (this account)`, 'ScheduleKeyDeletion')).toBe(KeyAccess.IAM);
    expect(report.accessOf('App/appRole', 'Decrypt')).toBe(KeyAccess.ALLOWED);
    expect(report.accessOf('App/appRole', 'PutKeyPolicy')).toBe(KeyAccess.NONE);
    expect(report.toMarkdown()).toMatchSnapshot();
    expect(README).toContain(report.toMarkdown().split('\n\n')[0]);
  });

  test('JSON: rows, cells with conditions, and each column\'s exact actions', () => {
    const stack = new SecureKeyExampleStack(new App(), 'Example', { env: { account: ACCOUNT, region: REGION } });
    const json = JSON.parse(KeyAccessReport.of(stack.key).toJson());
    expect(json.key).toBe('Example/DataKey');
    expect(json.operations[2]).toEqual({ label: 'GenerateDataKey', actions: ['kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext'] });
    const logs = json.rows.find((r: { label: string }) => r.label === `logs.${REGION}.amazonaws.com`);
    expect(logs.kind).toBe('service');
    expect(logs.cells[1]).toEqual({
      operation: 'Decrypt',
      access: 'conditional',
      conditions: [
        expect.stringMatching(/^kms:EncryptionContext:aws:logs:arn ArnLike \[arn:\$\{AWS::Partition\}:logs:/),
        // The example key's organization perimeter, shown as the report shows any conditional Deny.
        'unless aws:PrincipalOrgID StringNotEqualsIfExists o-a1b2c3d4e5 and aws:PrincipalIsAWSService BoolIfExists false',
      ],
    });
  });

  test('fromKeyPolicyJson: a policy with no app; a conditional Deny shows as "unless"', () => {
    const report = KeyAccessReport.fromKeyPolicyJson(JSON.stringify({
      Statement: [
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:role/App' }, Action: 'kms:Decrypt', Resource: '*' },
        { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      ],
    }), '111111111111');
    const row = report.rows.find((r) => r.principal === 'arn:aws:iam::111111111111:role/App')!;
    expect(row.cells.find((c) => c.operation === 'Decrypt')).toEqual({ operation: 'Decrypt', access: KeyAccess.CONDITIONAL, conditions: ['unless aws:SecureTransport Bool false'] });
    expect(report.accessOf('everyone (`*`)', 'Decrypt')).toBe(KeyAccess.NONE);
  });

  test('fails with what to pass instead', () => {
    const { stack } = readmeStack();
    const imported = kms.Key.fromKeyArn(stack, 'Imported', `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234`);
    expect(() => KeyAccessReport.of(imported)).toThrow('KeyAccessReport.of: App/Imported is not a KMS key. Pass a SecureKey, a kms.Key, or a CfnKey/CfnReplicaKey (an imported key has no key policy in the app).');
    expect(() => KeyAccessReport.fromKeyPolicyJson('{')).toThrow('KeyAccessReport.fromKeyPolicyJson: keyPolicyJson is not valid JSON; pass JSON.stringify(policyDocument).');
    const report = KeyAccessReport.of(new kms.Key(stack, 'K'));
    expect(() => report.accessOf('nobody', 'Decrypt')).toThrow(`KeyAccessReport: no principal 'nobody' in the report of App/K. Principals: IAM principals of account ${ACCOUNT} (this account).`);
  });
});
