import { Template } from 'aws-cdk-lib/assertions';
import { logicalId } from './fixtures';
import { buildExampleApp, EXAMPLE_ORGANIZATION_ID } from '../../examples/app';
import { resolveKey } from '../support/access-report';
import { authorize } from '../support/kms-access';

/** The example key has an organization perimeter: the app's principals call from inside the organization. */
const IN_ORGANIZATION = { 'aws:PrincipalOrgID': EXAMPLE_ORGANIZATION_ID };

describe('example app: the envelope function', () => {
  const { stack } = buildExampleApp();
  const template = Template.fromStack(stack);

  test('the app role may invoke the function, and only the function', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(stack.appRole) }] } }))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>)
      .filter((s) => JSON.stringify(s.Action).includes('lambda:'));
    expect(statements).toEqual([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [logicalId(stack.envelope.function), 'Arn'] } }]);
  });

  test('the function role uses the example key only with the declared context keys', () => {
    const r = resolveKey(stack.key);
    const fn = r.roleCaller('envelope', stack.envelope.role);
    expect(authorize(r.keyPolicy, r.keyArn, fn, { action: 'kms:GenerateDataKey', encryptionContext: { tenant: 'acme', purpose: 'orders' }, context: IN_ORGANIZATION })).toBe('allowed');
    expect(authorize(r.keyPolicy, r.keyArn, fn, { action: 'kms:Decrypt', encryptionContext: { tenant: 'acme', secret: 'x' }, context: IN_ORGANIZATION })).toBe('denied');
    expect(authorize(r.keyPolicy, r.keyArn, fn, { action: 'kms:Encrypt', encryptionContext: { tenant: 'acme' }, context: IN_ORGANIZATION })).toBe('denied');
  });

  test('an hourly audit expecting the app role', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)' });
    const env = template.toJSON().Resources[logicalId(stack.envelope.function)].Properties.Environment.Variables;
    expect(env.SECUREKEY_USAGE_REPORT_EXPECTED_PRINCIPALS).toEqual({ 'Fn::GetAtt': [logicalId(stack.appRole), 'Arn'] });
    expect(env.SECUREKEY_USAGE_REPORT_LOOKBACK_MINUTES).toBe('60');
  });
});

