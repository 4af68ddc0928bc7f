/**
 * KeyAudit's AWS::CloudTrail::Trail and AWS::KMS::Key properties validate against CloudFormation's
 * resource schemas (provider repo and us-east-1 registry copies in test/fixtures).
 */
import { Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { resourcesOfType } from './support';
import { SecureKey } from '../../src';
import { schemaValidator, SCHEMA_SETS } from '../support/schemas';
import { newStack } from '../support/secure-key-fixtures';

const validators = SCHEMA_SETS.map(([name, dir]) => ({
  name,
  trail: schemaValidator(dir, 'aws-cloudtrail-trail.json'),
  key: schemaValidator(dir, 'aws-kms-key.json'),
}));

function auditStacks(): Stack[] {
  const created = newStack('Created');
  new SecureKey(created, 'Data', { audit: { alarmEmails: ['security@example.com'], cisAccountWideAlarm: true } });
  const existing = newStack('Existing');
  new SecureKey(existing, 'Data', {
    audit: { existingTrailArn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/org', existingTrailLogGroup: logs.LogGroup.fromLogGroupName(existing, 'L', 'org') },
  });
  return [created, existing];
}

describe.each(validators)('CloudFormation schemas ($name)', (v) => {
  const stacks = auditStacks();
  const trails = stacks.flatMap((s) => resourcesOfType(s, 'AWS::CloudTrail::Trail'));
  const keys = stacks.flatMap((s) => resourcesOfType(s, 'AWS::KMS::Key').map((k) => ({ ...k, id: `${s.stackName}/${k.id}` })));

  test('the created stack has one trail; both stacks have the audited key and the audit key', () => {
    expect(trails).toHaveLength(1);
    expect(keys).toHaveLength(4);
  });

  test.each(trails.map((t) => [t.id, t]))('trail %s validates', (_id, t) => {
    const ok = v.trail(t.props);
    expect(v.trail.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test.each(keys.map((k) => [k.id, k]))('key %s validates', (_id, k) => {
    const ok = v.key(k.props);
    expect(v.key.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('the trail validator rejects what CloudFormation would reject', () => {
    const bad = { ...trails[0].props, IsLogging: 'yes', EventSelectors: [{ ReadWriteType: 'Everything' }] };
    expect(v.trail(bad)).toBe(false);
    expect((v.trail.errors ?? []).map((e) => e.instancePath).sort()).toEqual(expect.arrayContaining(['/EventSelectors/0/ReadWriteType', '/IsLogging']));
  });
});
