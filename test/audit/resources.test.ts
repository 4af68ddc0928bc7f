import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { auditedKeyStack, complianceRecords, LOG_GROUP_NAME, resolvedResources, resourcesOfType, TRAIL_NAME } from './support';
import { KeyAudit, SecureKey } from '../../src';
import { CIS_KEY_DISABLE_OR_DELETE_PATTERN, SENSITIVE_KEY_EVENTS, USAGE_REPORT_CONTEXT_KEY } from '../../src/private/audit';
import { resolveKey } from '../support/access-report';
import { authorize, Caller } from '../support/kms-access';
import { ACCOUNT, newStack, REGION } from '../support/secure-key-fixtures';

/** A topic's Ref, as the resolved template shows it: its ARN (test/support/cfn-intrinsics.ts). */
const snsTopicArn = (logicalId: string): string => `arn:aws:sns:us-east-1:111111111111:${logicalId}`;

const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${TRAIL_NAME}`;
const service = (name: string): Caller => ({ label: name, service: name, account: ACCOUNT, iamStatements: [] });

describe('created trail (Security Hub CloudTrail.1-7)', () => {
  const { stack, key, audit } = auditedKeyStack();
  const [trail] = resourcesOfType(stack, 'AWS::CloudTrail::Trail');
  const auditKeyArn = resolveKey(audit.encryptionKey).keyArn;

  test('one multi-Region, logging, validated trail with read and write management events and no excluded source', () => {
    expect(resourcesOfType(stack, 'AWS::CloudTrail::Trail')).toHaveLength(1);
    expect(trail.props).toMatchObject({
      TrailName: TRAIL_NAME,
      IsLogging: true,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
      EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'All' }],
    });
    expect(JSON.stringify(trail.props)).not.toContain('ExcludeManagementEventSources');
  });

  test('encrypted with the audit key, never with the audited key', () => {
    expect(trail.props.KMSKeyId).toBe(auditKeyArn);
    expect(auditKeyArn).not.toBe(resolveKey(key).keyArn);
    expect(audit.encryptionKey).not.toBe(key);
  });

  test('delivers to the encrypted log group with a year of retention, through a role allowed only its streams', () => {
    const [group] = resourcesOfType(stack, 'AWS::Logs::LogGroup');
    expect(group.props).toEqual({ LogGroupName: LOG_GROUP_NAME, KmsKeyId: auditKeyArn, RetentionInDays: 365 });
    expect(trail.props.CloudWatchLogsLogGroupArn).toBe(`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group.id}:*`);
    const [policy] = resourcesOfType(stack, 'AWS::IAM::ManagedPolicy');
    expect(policy.props.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP_NAME}:log-stream:${ACCOUNT}_CloudTrail_*`,
      }],
    });
    expect(trail.dependsOn).toEqual(expect.arrayContaining([policy.id]));
  });

  test('the trail bucket blocks public access, is versioned, logs access to a second bucket and has a lifecycle rule', () => {
    const t = Template.fromStack(stack);
    const trailBucketId = stack.getLogicalId(audit.trailBucket!.node.defaultChild as never);
    const logsBucketId = stack.getLogicalId(audit.accessLogsBucket!.node.defaultChild as never);
    const buckets = t.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets).sort()).toEqual([logsBucketId, trailBucketId].sort());
    for (const id of [trailBucketId, logsBucketId]) {
      expect(buckets[id].Properties).toMatchObject({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: { Rules: [{ Status: 'Enabled', ExpirationInDays: 365, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }] },
      });
      expect(buckets[id].DeletionPolicy).toBe('Retain');
    }
    expect(buckets[trailBucketId].Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logsBucketId }, LogFilePrefix: 'trail-bucket/' });
    expect(trail.props.S3BucketName).toBe(trailBucketId);
  });

  test('the trail bucket policy: TLS only, and CloudTrail may write only for this trail (aws:SourceArn)', () => {
    const trailBucketId = stack.getLogicalId(audit.trailBucket!.node.defaultChild as never);
    const policy = resourcesOfType(stack, 'AWS::S3::BucketPolicy').find((p) => p.props.Bucket === trailBucketId)!;
    const statements = (policy.props.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
    const bucketArn = `arn:aws:s3:::${trailBucketId.toLowerCase()}`;
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      { Sid: 'CloudTrailAclCheck', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:GetBucketAcl', Resource: bucketArn, Condition: { StringEquals: { 'aws:SourceArn': TRAIL_ARN } } },
      {
        Sid: 'CloudTrailWrite',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: `${bucketArn}/AWSLogs/${ACCOUNT}/*`,
        Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': TRAIL_ARN } },
      },
    ]));
    expect(trail.dependsOn).toEqual(expect.arrayContaining([policy.id]));
  });
});

describe('the access-log bucket: ACLs disabled, the S3 logging service allowed by bucket policy (Security Hub S3.12)', () => {
  // CDK's serverAccessLogsBucket would use an ACL (LogDeliveryWrite, ObjectWriter) unless this flag is on.
  test.each([false, true])('with @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy %s', (flag) => {
    const stack = new Stack(new App({ context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': flag } }), 'Stack', { env: { account: ACCOUNT, region: REGION } });
    const key = new SecureKey(stack, 'Data', { audit: { trailName: TRAIL_NAME, logGroupName: LOG_GROUP_NAME } });
    const audit = key.audit!;
    const logsBucketId = stack.getLogicalId(audit.accessLogsBucket!.node.defaultChild as never);
    const trailBucketId = stack.getLogicalId(audit.trailBucket!.node.defaultChild as never);
    const resources = resolvedResources(stack);
    const logsBucket = resources[logsBucketId].Properties;
    expect(logsBucket.AccessControl).toBeUndefined();
    expect(logsBucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(resources[trailBucketId].Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(resources[trailBucketId].Properties.LoggingConfiguration).toEqual({ DestinationBucketName: logsBucketId, LogFilePrefix: 'trail-bucket/' });

    const policy = resourcesOfType(resources, 'AWS::S3::BucketPolicy').find((p) => p.props.Bucket === logsBucketId)!;
    const statements = (policy.props.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
    const logging = statements.filter((st) => JSON.stringify(st.Principal ?? {}).includes('logging.s3.amazonaws.com'));
    expect(logging).toEqual([{
      Sid: 'S3ServerAccessLogsDelivery',
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: `arn:aws:s3:::${logsBucketId.toLowerCase()}/trail-bucket/*`,
      Condition: {
        ArnEquals: { 'aws:SourceArn': `arn:aws:s3:::${trailBucketId.toLowerCase()}` },
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
      },
    }]);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]));
  });
});

describe('the audit key policy', () => {
  const { audit } = auditedKeyStack();
  const r = resolveKey(audit.encryptionKey);
  const byId = Object.fromEntries(r.keyPolicy.Statement.map((s) => [s.Sid, s]));

  test('snapshot', () => {
    expect(r.keyPolicy).toMatchSnapshot();
  });

  test('CloudTrail: GenerateDataKey pinned by aws:SourceArn and the aws:cloudtrail:arn context, DescribeKey by aws:SourceArn', () => {
    expect(byId.CloudTrailEncryptLogs).toEqual({
      Sid: 'CloudTrailEncryptLogs',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:GenerateDataKey',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': TRAIL_ARN }, StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': TRAIL_ARN } },
    });
    expect(byId.CloudTrailDescribeKey).toMatchObject({ Action: 'kms:DescribeKey', Condition: { StringEquals: { 'aws:SourceArn': TRAIL_ARN } } });
    const ct = service('cloudtrail.amazonaws.com');
    const ok = { action: 'kms:GenerateDataKey', sourceArn: TRAIL_ARN, encryptionContext: { 'aws:cloudtrail:arn': TRAIL_ARN } };
    expect(authorize(r.keyPolicy, r.keyArn, ct, ok)).toBe('allowed');
    const other = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/other`;
    expect(authorize(r.keyPolicy, r.keyArn, ct, { ...ok, sourceArn: other, encryptionContext: { 'aws:cloudtrail:arn': other } })).toBe('denied');
    expect(authorize(r.keyPolicy, r.keyArn, ct, { ...ok, encryptionContext: { 'aws:cloudtrail:arn': other } })).toBe('denied');
    expect(authorize(r.keyPolicy, r.keyArn, ct, { ...ok, action: 'kms:Decrypt' })).toBe('denied');
  });

  test('CloudWatch Logs: only for the trail\'s log group (aws:logs:arn context)', () => {
    const groupArn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP_NAME}`;
    expect(byId.CloudWatchLogs).toMatchObject({ Principal: { Service: `logs.${REGION}.amazonaws.com` }, Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': [groupArn] } } });
    const logsService = service(`logs.${REGION}.amazonaws.com`);
    expect(authorize(r.keyPolicy, r.keyArn, logsService, { action: 'kms:Encrypt', encryptionContext: { 'aws:logs:arn': groupArn } })).toBe('allowed');
    expect(authorize(r.keyPolicy, r.keyArn, logsService, { action: 'kms:Encrypt', encryptionContext: { 'aws:logs:arn': `${groupArn}-other` } })).toBe('denied');
  });

  test.each([
    ['CloudWatchAlarmsDataKeys', 'cloudwatch.amazonaws.com'],
    ['EventBridgeDataKeys', 'events.amazonaws.com'],
  ])('%s: %s may publish to the encrypted topic, from this account only', (sid, principal) => {
    expect(byId[sid]).toEqual({
      Sid: sid,
      Effect: 'Allow',
      Principal: { Service: principal },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    });
    expect(authorize(r.keyPolicy, r.keyArn, service(principal), { action: 'kms:GenerateDataKey', sourceAccount: ACCOUNT })).toBe('allowed');
    expect(authorize(r.keyPolicy, r.keyArn, service(principal), { action: 'kms:GenerateDataKey', sourceAccount: '222222222222' })).toBe('denied');
  });

  test('no statement for a service principal goes without a condition, and nobody but the account may administer', () => {
    for (const s of r.keyPolicy.Statement) {
      if (typeof s.Principal === 'object' && 'Service' in (s.Principal as object)) expect(s.Condition).toBeDefined();
    }
    expect(r.keyPolicy.Statement.map((s) => s.Sid)).toEqual(['AccountAdministersKeyThroughIam', 'CloudTrailEncryptLogs', 'CloudTrailDescribeKey',
      'CloudWatchLogs', 'CloudWatchAlarmsDataKeys', 'EventBridgeDataKeys']);
  });

  test('the audited key\'s policy gets nothing from the audit', () => {
    const plain = resolveKey(new SecureKey(newStack('Plain'), 'Data'));
    const { key } = auditedKeyStack();
    expect(resolveKey(key).keyPolicy).toEqual(plain.keyPolicy);
  });
});

describe('alarms, event rule and topic', () => {
  const { stack, key, audit } = auditedKeyStack();
  const keyArn = resolveKey(key).keyArn;
  const auditKeyArn = resolveKey(audit.encryptionKey).keyArn;

  test('metric filter: DisableKey and ScheduleKeyDeletion of this key only (its ARN in resources[0])', () => {
    const filters = resourcesOfType(stack, 'AWS::Logs::MetricFilter');
    expect(filters).toHaveLength(1);
    const [group] = resourcesOfType(stack, 'AWS::Logs::LogGroup');
    expect(filters[0].props).toMatchObject({
      LogGroupName: group.id,
      FilterPattern: `{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) && ($.resources[0].ARN = "${keyArn}") }`,
      MetricTransformations: [{ MetricNamespace: 'SecureKey/KeyAudit', MetricValue: '1', Unit: 'Count' }],
    });
  });

  test('metric filter of a multi-Region key: its ARN in every Region of the set, replicas added later included', () => {
    const app = new App();
    const primary = new Stack(app, 'Primary', { env: { account: ACCOUNT, region: REGION } });
    const mrk = new SecureKey(primary, 'Orders', {
      replicaRegions: ['eu-west-1'],
      audit: { trailName: TRAIL_NAME, logGroupName: LOG_GROUP_NAME },
    });
    mrk.addReplica(new Stack(app, 'Sydney', { env: { account: ACCOUNT, region: 'ap-southeast-2' }, crossRegionReferences: true }));
    const [filter] = resourcesOfType(primary, 'AWS::Logs::MetricFilter');
    const primaryArn = resolveKey(mrk).keyArn;
    const keyId = primaryArn.split(':key/')[1];
    const arnIn = (region: string) => primaryArn.replace(`:kms:${REGION}:`, `:kms:${region}:`);
    expect(keyId).toBeTruthy();
    expect(filter.props.FilterPattern).toBe('{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion))'
      + ` && (($.resources[0].ARN = "${primaryArn}") || ($.resources[0].ARN = "${arnIn('eu-west-1')}") || ($.resources[0].ARN = "${arnIn('ap-southeast-2')}")) }`);
  });

  test('alarm: one event in five minutes notifies the topic; no data is not a breach', () => {
    const [filter] = resourcesOfType(stack, 'AWS::Logs::MetricFilter');
    const metricName = (filter.props.MetricTransformations as Array<{ MetricName: string }>)[0].MetricName;
    const [topic] = resourcesOfType(stack, 'AWS::SNS::Topic');
    const alarms = resourcesOfType(stack, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(1);
    expect(alarms[0].props).toMatchObject({
      Namespace: 'SecureKey/KeyAudit',
      MetricName: metricName,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [snsTopicArn(topic.id)],
    });
    expect(audit.alarms).toHaveLength(1);
  });

  test('event rule: the sensitive CloudTrail events of this key, to the topic', () => {
    const [rule] = resourcesOfType(stack, 'AWS::Events::Rule');
    const [topic] = resourcesOfType(stack, 'AWS::SNS::Topic');
    expect(rule.props.EventPattern).toEqual({
      'source': ['aws.kms'],
      'detail-type': ['AWS API Call via CloudTrail'],
      'detail': { eventSource: ['kms.amazonaws.com'], eventName: SENSITIVE_KEY_EVENTS, resources: { ARN: [keyArn] } },
    });
    for (const name of ['PutKeyPolicy', 'ScheduleKeyDeletion', 'DisableKey', 'CreateGrant', 'DeleteAlias', 'UpdateAlias', 'ImportKeyMaterial',
      'DeleteImportedKeyMaterial', 'ReplicateKey', 'UpdatePrimaryRegion', 'DisableKeyRotation']) {
      expect(SENSITIVE_KEY_EVENTS).toContain(name);
    }
    expect(rule.props.Targets).toEqual([{ Arn: snsTopicArn(topic.id), Id: 'Target0' }]);
  });

  test('topic: encrypted with the audit key, TLS only, CloudWatch alarms and the rule may publish, one e-mail subscriber', () => {
    const [topic] = resourcesOfType(stack, 'AWS::SNS::Topic');
    expect(topic.props.KmsMasterKeyId).toBe(auditKeyArn);
    const [rule] = resourcesOfType(stack, 'AWS::Events::Rule');
    const [policy] = resourcesOfType(stack, 'AWS::SNS::TopicPolicy');
    expect((policy.props.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      { Sid: 'AllowPublishThroughSSLOnly', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: snsTopicArn(topic.id), Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      {
        Sid: 'CloudWatchAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: snsTopicArn(topic.id),
        Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:*` }, StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      },
      {
        Sid: expect.stringMatching(/^EventBridgePublish/),
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: snsTopicArn(topic.id),
        Condition: { ArnEquals: { 'aws:SourceArn': `arn:aws:placeholder:${REGION}:${ACCOUNT}:${rule.id}` } },
      },
    ]);
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'security@example.com', TopicArn: Match.anyValue() });
  });

  test('cisAccountWideAlarm adds CIS\'s exact pattern with its own alarm', () => {
    const wide = auditedKeyStack({ cisAccountWideAlarm: true });
    const patterns = resourcesOfType(wide.stack, 'AWS::Logs::MetricFilter').map((f) => f.props.FilterPattern);
    expect(patterns).toContain(CIS_KEY_DISABLE_OR_DELETE_PATTERN);
    expect(CIS_KEY_DISABLE_OR_DELETE_PATTERN).toBe('{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))}');
    expect(resourcesOfType(wide.stack, 'AWS::CloudWatch::Alarm')).toHaveLength(2);
  });

  test('additionalEventNames extend the rule; eventRules: false and alarms: false remove them', () => {
    const extra = auditedKeyStack({ additionalEventNames: ['RetireGrant'] });
    const [rule] = resourcesOfType(extra.stack, 'AWS::Events::Rule');
    expect((rule.props.EventPattern as { detail: { eventName: string[] } }).detail.eventName).toEqual([...SENSITIVE_KEY_EVENTS, 'RetireGrant']);
    const none = auditedKeyStack({ eventRules: false, alarms: false });
    expect(resourcesOfType(none.stack, 'AWS::Events::Rule')).toHaveLength(0);
    expect(resourcesOfType(none.stack, 'AWS::CloudWatch::Alarm')).toHaveLength(0);
    expect(resourcesOfType(none.stack, 'AWS::Logs::MetricFilter')).toHaveLength(0);
    expect(none.audit.eventRule).toBeUndefined();
  });
});

describe('replaceable parts', () => {
  test('an existing trail: no trail, bucket or log group; alarms go to the existing trail\'s log group', () => {
    const stack = newStack();
    const group = logs.LogGroup.fromLogGroupName(stack, 'OrgTrailLogs', 'org-trail-logs');
    const key = new SecureKey(stack, 'Data', { audit: { existingTrailArn: `arn:aws:cloudtrail:${REGION}:999999999999:trail/org`, existingTrailLogGroup: group } });
    for (const type of ['AWS::CloudTrail::Trail', 'AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::IAM::Role']) expect(resourcesOfType(stack, type)).toHaveLength(0);
    const [filter] = resourcesOfType(stack, 'AWS::Logs::MetricFilter');
    expect(filter.props.LogGroupName).toBe('org-trail-logs');
    expect(key.audit!.trailArn).toBe(`arn:aws:cloudtrail:${REGION}:999999999999:trail/org`);
    const sids = resolveKey(key.audit!.encryptionKey).keyPolicy.Statement.map((s) => s.Sid);
    expect(sids).not.toContain('CloudTrailEncryptLogs');
    expect(sids).not.toContain('CloudWatchLogs');
  });

  test('an existing trail without its log group: the event rule only, with a warning', () => {
    const stack = newStack();
    new SecureKey(stack, 'Data', { audit: { existingTrailArn: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/org` } });
    expect(resourcesOfType(stack, 'AWS::CloudWatch::Alarm')).toHaveLength(0);
    expect(resourcesOfType(stack, 'AWS::Events::Rule')).toHaveLength(1);
    Template.fromStack(stack);
    const messages = stack.node.findAll().flatMap((c) => c.node.metadata).filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(messages).toEqual([expect.stringContaining('No metric filters or alarms')]);
  });

  test('a key and topic of your own: no audit key or topic is created; statements land in your key policy', () => {
    const stack = newStack();
    const mine = new SecureKey(stack, 'Mine');
    const topic = new sns.Topic(stack, 'Alerts', { masterKey: mine });
    const key = new SecureKey(stack, 'Data', { audit: { encryptionKey: mine, alarmTopic: topic, trailName: TRAIL_NAME, logGroupName: LOG_GROUP_NAME } });
    expect(key.audit!.encryptionKey).toBe(mine);
    expect(key.audit!.topic).toBe(topic);
    expect(resourcesOfType(stack, 'AWS::KMS::Key')).toHaveLength(2);
    expect(resourcesOfType(stack, 'AWS::SNS::Topic')).toHaveLength(1);
    const sids = resolveKey(mine).keyPolicy.Statement.map((s) => s.Sid);
    expect(sids).toEqual(expect.arrayContaining(['CloudTrailEncryptLogs', 'CloudTrailDescribeKey', 'CloudWatchLogs']));
    // Your topic's key is yours: KeyAudit does not guess what your topic needs from it.
    expect(sids).not.toContain('EventBridgeDataKeys');
  });

  test('KeyAudit audits several keys, including an imported one: a filter and alarm each, one rule', () => {
    const stack = newStack();
    const a = new SecureKey(stack, 'A');
    const imported = kms.Key.fromKeyArn(stack, 'B', `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
    const audit = new KeyAudit(stack, 'Audit', { keys: [a, imported], trailName: TRAIL_NAME, logGroupName: LOG_GROUP_NAME });
    expect(audit.alarms).toHaveLength(2);
    const patterns = resourcesOfType(stack, 'AWS::Logs::MetricFilter').map((f) => String(f.props.FilterPattern));
    expect(patterns[1]).toContain(`"${imported.keyArn}"`);
    const [rule] = resourcesOfType(stack, 'AWS::Events::Rule');
    const pattern = rule.props.EventPattern as { detail: { resources: { ARN: string[] } } };
    expect(pattern.detail.resources.ARN).toEqual([resolveKey(a).keyArn, imported.keyArn]);
  });

  test('usage report: an EnvelopeFunction per key on the schedule, alarming to the topic, its data-key use fenced off', () => {
    const { stack, audit } = auditedKeyStack({ usageReport: { schedule: events.Schedule.rate(Duration.hours(6)), expectedPrincipals: ['arn:aws:iam::111111111111:role/App'] } });
    expect(audit.usageReports).toHaveLength(1);
    const fn = audit.usageReports[0];
    expect(fn.auditEnabled).toBe(true);
    expect(fn.auditAlarms.length).toBeGreaterThan(0);
    const [topic] = resourcesOfType(stack, 'AWS::SNS::Topic');
    for (const alarm of fn.auditAlarms) {
      const id = stack.getLogicalId(alarm.node.defaultChild as never);
      expect(Template.fromStack(stack).toJSON().Resources[id].Properties.AlarmActions).toEqual([{ Ref: topic.id }]);
    }
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(6 hours)' });
    const keyPolicy = JSON.stringify(resolveKey(audit.keys[0] as SecureKey).keyPolicy);
    expect(keyPolicy).toContain(USAGE_REPORT_CONTEXT_KEY);
  });
});

describe('compliance evidence', () => {
  test('a created trail records CloudTrail.1-7 and CIS 3.1, 3.2, 3.4, 3.5 as satisfied; CloudWatch.7 only with the account-wide alarm', () => {
    const { audit } = auditedKeyStack();
    const records = complianceRecords(audit);
    const status = (framework: string, control: string): string | undefined =>
      records.find((r) => r.framework === framework && r.control === control)?.status;
    for (const c of ['CloudTrail.1', 'CloudTrail.2', 'CloudTrail.3', 'CloudTrail.4', 'CloudTrail.5', 'CloudTrail.6', 'CloudTrail.7', 'CloudWatch.16']) {
      expect([c, status('AWS Security Hub', c)]).toEqual([c, 'satisfied']);
    }
    for (const c of ['3.1', '3.2', '3.4', '3.5']) expect([c, status('CIS AWS Foundations Benchmark v3.0.0', c)]).toEqual([c, 'satisfied']);
    expect(status('AWS Security Hub', 'CloudWatch.7')).toBe('not-satisfied');
    expect(status('CIS AWS Foundations Benchmark v3.0.0', '4.7')).toBe('not-satisfied');
    const wide = complianceRecords(auditedKeyStack({ cisAccountWideAlarm: true }).audit);
    expect(wide.find((r) => r.control === 'CloudWatch.7')?.status).toBe('satisfied');
  });

  test('an existing trail records CloudTrail.1-7 as not applicable; a short log retention fails CloudWatch.16', () => {
    const stack = newStack();
    const key = new SecureKey(stack, 'Data', { audit: { existingTrailArn: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/org` } });
    const records = complianceRecords(key.audit!);
    expect(records.filter((r) => r.control.startsWith('CloudTrail.')).map((r) => r.status)).toEqual(Array(7).fill('not-applicable'));
    const short = complianceRecords(auditedKeyStack({ logRetention: logs.RetentionDays.ONE_MONTH }).audit);
    expect(short.find((r) => r.control === 'CloudWatch.16')).toMatchObject({ status: 'not-satisfied', setting: 'logRetention' });
  });
});
