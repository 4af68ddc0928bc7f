import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { buildExampleApp } from '../../examples/app';
import { ComplianceEvidence, SecureKey } from '../../src';
import { recordCompliance } from '../../src/private/compliance';
import { ComplianceMapJson } from '../../src/private/compliance-map';

function mapOf(stack: Stack): ComplianceMapJson {
  return Template.fromStack(stack).toJSON().Metadata[ComplianceEvidence.METADATA_KEY];
}

function control(map: ComplianceMapJson, id: string) {
  const c = map.controls.find((x) => x.id === id);
  if (!c) throw new Error(`no control ${id}: ${map.controls.map((x) => x.id).join(', ')}`);
  return c;
}

describe('compliance evidence', () => {
  test('the example app\'s template carries the map in the cloud assembly, from control id to construct and setting', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'csk-compliance-'));
    try {
      const { app, stack } = buildExampleApp(outdir);
      const assembly = app.synth();
      const template = JSON.parse(fs.readFileSync(path.join(outdir, assembly.getStackByName(stack.stackName).templateFile), 'utf8'));
      const map = template.Metadata[ComplianceEvidence.METADATA_KEY] as ComplianceMapJson;
      expect(map.schemaVersion).toBe('1');
      const keyId = stack.getLogicalId(stack.key.node.defaultChild as never);
      const auditKey = stack.key.audit!.encryptionKey as SecureKey;
      const kms4 = control(map, 'AWS Security Hub KMS.4');
      expect(kms4).toMatchObject({ id: 'AWS Security Hub KMS.4', framework: 'AWS Security Hub', control: 'KMS.4', status: 'satisfied' });
      // The data key and the audit key (made by the key's `audit` option) both answer for rotation.
      expect(kms4.evidence).toEqual([
        {
          constructPath: 'SecureKeyExample/DataKey',
          logicalId: keyId,
          status: 'satisfied',
          setting: 'enableKeyRotation: true',
          evidence: 'KMS rotates the key material automatically (SecureKey default for symmetric keys).',
        },
        expect.objectContaining({ constructPath: auditKey.node.path, status: 'satisfied', setting: 'enableKeyRotation: true' }),
      ]);
      const kmsControls = [
        'AWS Security Hub KMS.1', 'AWS Security Hub KMS.2', 'AWS Security Hub KMS.3', 'AWS Security Hub KMS.4', 'AWS Security Hub KMS.5',
        'CIS AWS Foundations Benchmark v3.0.0 3.6', 'cdk-nag AwsSolutions-KMS5', 'cdk-nag KeyPolicy-KP1', 'cdk-nag KeyPolicy-KP9',
      ];
      const trailControls = [1, 2, 3, 4, 5, 6, 7].map((n) => `AWS Security Hub CloudTrail.${n}`);
      for (const id of [...kmsControls, ...trailControls]) expect(`${id} ${control(map, id).status}`).toBe(`${id} satisfied`);
      // The example audits with a per-key alarm only; the account-wide CIS filter that CloudWatch.7 looks
      // for is opt-in (`cisAccountWideAlarm`), and the map says so rather than claiming it.
      expect(control(map, 'AWS Security Hub CloudWatch.7').status).toBe('not-satisfied');
      expect(JSON.parse(ComplianceEvidence.toJson(stack))).toEqual(map);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('settings that do not satisfy a control say so, per construct', () => {
    const stack = new Stack(new App(), 'S');
    new SecureKey(stack, 'Good');
    new SecureKey(stack, 'Weak', { enableKeyRotation: false, pendingWindow: Duration.days(7), removalPolicy: RemovalPolicy.DESTROY, administratorsCanCreateGrants: true });
    new SecureKey(stack, 'Signing', { keySpec: KeySpec.ECC_NIST_P256, keyUsage: KeyUsage.SIGN_VERIFY });
    const map = mapOf(stack);
    const kms4 = control(map, 'AWS Security Hub KMS.4');
    expect(kms4.status).toBe('not-satisfied');
    expect(kms4.evidence.map((e) => `${e.constructPath} ${e.status} ${e.setting}`)).toEqual([
      'S/Good satisfied enableKeyRotation: true',
      'S/Weak not-satisfied enableKeyRotation: false',
      'S/Signing not-applicable enableKeyRotation: false',
    ]);
    expect(control(map, 'AWS Security Hub KMS.3').evidence.find((e) => e.constructPath === 'S/Weak')).toMatchObject({
      status: 'not-satisfied', setting: 'removalPolicy: destroy, pendingWindow: 7 days',
    });
    expect(control(map, 'cdk-nag KeyPolicy-KP4').status).toBe('not-satisfied');
  });

  test('records other constructs place (the audit helper\'s) land in the same map', () => {
    const stack = new Stack(new App(), 'S');
    new SecureKey(stack, 'Key');
    const other = new Stack(stack.node.root as App, 'Other');
    Validations.of(other).acknowledge({ id: 'CloudFormation-Validate::F0001', reason: 'a stack with compliance metadata and no resource, on purpose' });
    recordCompliance(other, []);
    recordCompliance(stack, [{ framework: 'AWS Security Hub', control: 'CloudTrail.2', status: 'satisfied', setting: 'trail kmsKey', evidence: 'encrypted' }]);
    expect(control(mapOf(stack), 'AWS Security Hub CloudTrail.2').evidence).toEqual([
      { constructPath: 'S', status: 'satisfied', setting: 'trail kmsKey', evidence: 'encrypted' },
    ]);
  });
});
