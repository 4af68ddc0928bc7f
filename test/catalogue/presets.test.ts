/** The presets SecureKey offers for services, and the CDK statements it scopes as they arrive. */
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { ACCOUNT, REGION } from './case';
import { SecureKey } from '../../src';

function stack(): Stack {
  return new Stack(new App(), 'App', { env: { account: ACCOUNT, region: REGION } });
}

function statements(key: SecureKey): Array<Record<string, any>> {
  return Stack.of(key).resolve(key.keyPolicy.toJSON()).Statement;
}

describe('CDK statements SecureKey scopes', () => {
  test("enableDnssec's CreateGrant for dnssec-route53 gets aws:SourceAccount; its signing statement keeps CDK's aws:SourceArn", () => {
    const s = stack();
    const key = new SecureKey(s, 'Signing', { keySpec: kms.KeySpec.ECC_NIST_P256, keyUsage: kms.KeyUsage.SIGN_VERIFY });
    new route53.PublicHostedZone(s, 'Zone', { zoneName: 'example.com' }).enableDnssec({ kmsKey: key });
    const dnssec = statements(key).filter((st) => st.Principal.Service === 'dnssec-route53.amazonaws.com');
    expect(dnssec.map((st) => [st.Action, Object.keys(st.Condition).sort(), st.Condition.StringEquals?.['aws:SourceAccount']])).toEqual([
      [['kms:DescribeKey', 'kms:GetPublicKey', 'kms:Sign'], ['ArnEquals'], undefined],
      ['kms:CreateGrant', ['Bool', 'StringEquals'], ACCOUNT],
    ]);
  });

  test('another statement to a service principal without a source condition is left as written, and synth fails on it', () => {
    const s = stack();
    const key = new SecureKey(s, 'Key');
    key.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')], actions: ['kms:Encrypt'], resources: ['*'] }));
    expect(() => (s.node.root as App).synth()).toThrow(/allows the service principal delivery.logs.amazonaws.com without a condition/);
  });
});

describe('allowAutoScaling', () => {
  test('names the service-linked role by ARN: use of the key, and grants only for AWS resources', () => {
    const s = stack();
    const key = new SecureKey(s, 'Key');
    key.allowAutoScaling({ serviceLinkedRoleName: 'AWSServiceRoleForAutoScaling_web' });
    const added = statements(key).filter((st) => String(st.Sid).startsWith('AutoScaling'));
    expect(added.map((st) => [st.Sid, st.Condition])).toEqual([
      ['AutoScalingUsesKeyAWSServiceRoleForAutoScalingweb', undefined],
      ['AutoScalingCreatesGrantsAWSServiceRoleForAutoScalingweb', { Bool: { 'kms:GrantIsForAWSResource': 'true' } }],
    ]);
    expect(JSON.stringify(added[0].Principal)).toContain(`:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_web`);
  });
});
