/**
 * Conditions CDK adds to a grant after it returns reach the key policy: the key-policy statement never
 * allows more than the grantee's IAM statement.
 */
import { Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SecureKey } from '../../src';
import { resolveKey } from '../support/access-report';
import { authorize } from '../support/kms-access';
import { ACCOUNT, newStack, REGION, roles, synthErrors } from '../support/secure-key-fixtures';

test('ec2.Volume.grantAttachVolume: the key policy\'s CreateGrant has CDK\'s kms:GrantIsForAWSResource, kms:ViaService and grant-constraint conditions', () => {
  const stack = newStack();
  const { appRole } = roles(stack);
  // EBS creates the volume through ec2 for CloudFormation's role (synth says so without it).
  const key = new SecureKey(stack, 'Key', { allowAccountUseViaServices: ['ec2'] });
  const volume = new ec2.Volume(stack, 'Volume', { availabilityZone: `${REGION}a`, size: Size.gibibytes(10), encrypted: true, encryptionKey: key });
  const grant = volume.grantAttachVolume(appRole);
  expect(synthErrors(stack)).toEqual([]);

  const iamConditions = (grant.principalStatement as iam.PolicyStatement).conditions;
  const r = resolveKey(key);
  const statement = r.keyPolicy.Statement.find((s) => ([] as string[]).concat(s.Action ?? []).includes('kms:CreateGrant')
    && JSON.stringify(s.Principal).includes(`role/${stack.getLogicalId(appRole.node.defaultChild as never)}`));
  expect(statement).toBeDefined();
  for (const [operator, block] of Object.entries(iamConditions)) {
    for (const name of Object.keys(block as object)) expect(Object.keys(statement!.Condition?.[operator] ?? {})).toContain(name);
  }
  expect(statement!.Condition).toEqual(expect.objectContaining({
    Bool: { 'kms:GrantIsForAWSResource': true },
    StringEquals: expect.objectContaining({ 'kms:ViaService': `ec2.${REGION}.amazonaws.com` }),
  }));

  expect(statement!.Condition?.StringEquals).toEqual(expect.objectContaining({ 'kms:GrantConstraintType': 'EncryptionContextSubset' }));

  // Evaluated: without CDK's conditions the app role could create any grant directly; now it cannot.
  // (The evaluator has no kms:GrantConstraintType, so the allowed case is proven by the conditions above.)
  const app = r.roleCaller('app', appRole);
  const viaEc2 = { action: 'kms:CreateGrant', viaService: `ec2.${REGION}.amazonaws.com`, grantIsForAwsResource: true };
  expect(authorize(r.keyPolicy, r.keyArn, app, { action: 'kms:CreateGrant' })).toBe('denied');
  expect(authorize(r.keyPolicy, r.keyArn, app, { ...viaEc2, grantIsForAwsResource: false })).toBe('denied');
  expect(authorize(r.keyPolicy, r.keyArn, { ...app, arn: `arn:aws:iam::${ACCOUNT}:role/Other` }, viaEc2)).toBe('denied');
});
