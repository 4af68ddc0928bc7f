import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { SecureKeyExampleStack } from '../../examples/app';
import { BranchKeyStoreAppStack } from '../../examples/branch-keys';
import { keyPolicyChecksExample } from '../../examples/key-policy-checks';
import { KeyPolicyChecks, SecureKey } from '../../src';
import { ACCOUNT, REGION } from '../support/secure-key-fixtures';

/** `ruleName at constructPath` for every violation the pack reports under `scope`. */
function violations(scope: IConstruct): string[] {
  return new KeyPolicyChecks().validateScope(scope).violations
    .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)).sort();
}

function stack(): Stack {
  return new Stack(new App(), 'S', { env: { account: ACCOUNT, region: REGION } });
}

describe('KeyPolicyChecks', () => {
  test('aws-cdk-lib\'s default kms.Key does not pass: root kms:*, admin and use, CreateGrant, rotation off', () => {
    const s = stack();
    new kms.Key(s, 'Default');
    expect(violations(s)).toEqual([
      'KeyPolicy-KP2[Hash:5086f9cb] at S/Default/Resource',
      'KeyPolicy-KP3[arn:${AWS::Partition}:iam::123456789012:root] at S/Default/Resource',
      'KeyPolicy-KP4[Hash:5086f9cb] at S/Default/Resource',
      'KeyPolicy-KP7 at S/Default/Resource',
    ].map((v) => v.replace('123456789012', ACCOUNT)));
  });

  test('SecureKey passes the whole pack: every key usage, administrators, users, services, conditioned grants', () => {
    const s = stack();
    const admin = new iam.Role(s, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    const app = new iam.Role(s, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const data = new SecureKey(s, 'Data', { administrators: [admin], users: [app], allowAwsServicesOnBehalfOfUsers: true, allowAccountUseViaServices: ['dynamodb'] });
    data.allowCloudWatchLogs();
    data.allowCloudTrail({ trailName: 'trail' });
    data.allowEventBridge();
    data.allowSns({ sourceArns: ['arn:aws:sns:*:*:topic'] });
    data.withConditions({ encryptionContext: { tenant: 'a' } }).grantDecrypt(new iam.Role(s, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
    new SecureKey(s, 'Defaults');
    new SecureKey(s, 'Signing', { keySpec: KeySpec.ECC_NIST_P256, keyUsage: KeyUsage.SIGN_VERIFY, administrators: [admin], users: [app] });
    new SecureKey(s, 'Mac', { keySpec: KeySpec.HMAC_256, keyUsage: KeyUsage.GENERATE_VERIFY_MAC, administrators: [admin], users: [app] });
    expect(violations(s)).toEqual([]);
  });

  test('the example app (SecureKey, bucket, log group, envelope Lambda) passes', () => {
    expect(violations(new SecureKeyExampleStack(new App(), 'Example', { env: { account: ACCOUNT, region: REGION } }))).toEqual([]);
  });

  test('the example app\'s branch key store (wrapping key with guardrails, key manager, tenant app) passes', () => {
    expect(violations(new BranchKeyStoreAppStack(new App(), 'BranchKeys', { env: { account: ACCOUNT, region: REGION }, organizationId: 'o-a1b2c3d4e5' }))).toEqual([]);
  });

  test('a SecureKey with a short pending window gets the KP8 warning, and an IAM policy on every key KP6', () => {
    const s = stack();
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: ['*'] }));
    new SecureKey(s, 'Short', { pendingWindow: Duration.days(7) });
    const report = new KeyPolicyChecks().validateScope(s);
    expect(report.violations.map((v) => [v.ruleName, v.severity])).toEqual([
      ['KeyPolicy-KP6[policy_RoleDefaultPolicy5FFB7DAB:Hash:a96171e7]', 'error'],
      ['KeyPolicy-KP8', 'warning'],
    ]);
  });

  test('a finding can be acknowledged alone, with its reason', () => {
    const s = stack();
    const key = new kms.Key(s, 'Default', { enableKeyRotation: true });
    Validations.of(key).acknowledge({ id: 'KeyPolicy-KP2[Hash:5086f9cb]', reason: 'legacy key, migrating to SecureKey' });
    expect(violations(s)).toEqual([
      `KeyPolicy-KP3[arn:\${AWS::Partition}:iam::${ACCOUNT}:root] at S/Default/Resource`,
      'KeyPolicy-KP4[Hash:5086f9cb] at S/Default/Resource',
    ]);
  });

  test('the README example: the pack catches the hand-written over-broad policy and passes the SecureKey', () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const { stack: s, pack } = keyPolicyChecksExample();
      const found = pack.validateScope(s).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
      expect(found.sort()).toEqual([
        'KeyPolicy-KP1[Sid:Partners] at Payments/HandWritten/Resource',
        'KeyPolicy-KP2[Hash:5086f9cb] at Payments/HandWritten/Resource',
        'KeyPolicy-KP3[arn:${AWS::Partition}:iam::111111111111:root] at Payments/HandWritten/Resource',
        'KeyPolicy-KP4[Hash:5086f9cb] at Payments/HandWritten/Resource',
      ]);
      expect(String(log.mock.calls[0][0])).toContain('| Payments/App | yes | yes |');
      const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
      const source = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'key-policy-checks.ts'), 'utf8');
      const lines = source.split('// --- begin readme ---\n')[1].split('  // --- end readme ---')[0]
        .split('\n').map((l) => l.replace(/^ {2}/, '')).filter((l) => l.length > 0);
      expect(readme).toContain(lines.join('\n'));
      for (const f of found) expect(readme).toContain(f.split(' at ')[0]);
    } finally {
      log.mockRestore();
    }
  });
});
