import { Template } from 'aws-cdk-lib/assertions';
import { resourcesOfType, Resources } from './support';
import { buildExampleApp, EXAMPLE_SECURITY_EMAIL } from '../../examples/app';
import { resolveKey } from '../support/access-report';
import { envFor, resolveIntrinsics } from '../support/cfn-intrinsics';

describe('the example app audits its key', () => {
  const { stack } = buildExampleApp();

  test('one trail, encrypted with the audit key (not the data key), and an alarm and rule for the data key', () => {
    const audit = stack.key.audit!;
    expect(audit).toBeDefined();
    const template = Template.fromStack(stack).toJSON();
    const resources = (resolveIntrinsics(template, envFor(template as never)) as { Resources: Resources }).Resources;
    const [trail] = resourcesOfType(resources, 'AWS::CloudTrail::Trail');
    const auditKeyArn = resolveKey(audit.encryptionKey, template).keyArn;
    const dataKeyArn = resolveKey(stack.key, template).keyArn;
    expect(trail.props.KMSKeyId).toBe(auditKeyArn);
    expect(auditKeyArn).not.toBe(dataKeyArn);
    const filters = resourcesOfType(resources, 'AWS::Logs::MetricFilter').map((f) => String(f.props.FilterPattern));
    expect(filters).toEqual(expect.arrayContaining([expect.stringContaining(`($.resources[0].ARN = "${dataKeyArn}")`)]));
    const rules = resourcesOfType(resources, 'AWS::Events::Rule').filter((r) => r.props.EventPattern !== undefined);
    expect(rules.map((r) => (r.props.EventPattern as { detail: { resources: { ARN: string[] } } }).detail.resources.ARN)).toEqual([[dataKeyArn]]);
    expect(resourcesOfType(resources, 'AWS::SNS::Subscription').map((s) => s.props)).toEqual([expect.objectContaining({ Protocol: 'email', Endpoint: EXAMPLE_SECURITY_EMAIL })]);
  });
});
