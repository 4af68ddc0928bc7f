import { Duration, Size } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { build, envOf, logicalId, propsOf, synthError } from './fixtures';
import { EnvelopeAlgorithmSuite, EnvelopeFunction, EnvelopeFunctionProps, SecureKey } from '../../src';
import { ENVELOPE_ENVIRONMENT_VARIABLES as ENV } from '../../src/private/envelope-settings';
import { newStack } from '../support/secure-key-fixtures';

describe('function defaults', () => {
  const { fn, key } = build();
  const p = propsOf(fn.function);

  test('newest Node.js runtime of aws-cdk-lib, arm64, index.handler, 512 MiB, 30 s', () => {
    expect(p).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler', MemorySize: 512, Timeout: 30 });
    expect(p.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('the runtime is the newest nodejs the installed aws-cdk-lib knows', () => {
    const versions = lambda.Runtime.ALL
      .map((r) => /^nodejs(\d+)\.x$/.exec(r.name)?.[1]).filter((v): v is string => v !== undefined).map(Number);
    expect(p.Runtime).toBe(`nodejs${Math.max(...versions)}.x`);
  });

  test('only the key ARN is set; every other setting is the handler\'s default', () => {
    expect(envOf(fn)).toEqual({ [ENV.keyArn]: { 'Fn::GetAtt': [logicalId(key), 'Arn'] } });
  });

  test('logs go to its own log group, encrypted with the key, kept a year', () => {
    expect(p.LoggingConfig).toEqual({ LogGroup: { Ref: logicalId(fn.logGroup) } });
    expect(propsOf(fn.logGroup)).toMatchObject({
      KmsKeyId: { 'Fn::GetAtt': [logicalId(key), 'Arn'] },
      RetentionInDays: 365,
      LogGroupName: '/securekey/envelope-function/Stack-Envelope-48404D60',
    });
  });

  test('a dedicated role with no managed AWS policy and one customer-managed policy', () => {
    expect(propsOf(fn.role).ManagedPolicyArns).toBeUndefined();
    expect(propsOf(fn.role).AssumeRolePolicyDocument).toMatchObject({ Statement: [{ Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    expect(propsOf(fn.policy).Roles).toEqual([{ Ref: logicalId(fn.role) }]);
    const t = Template.fromStack(fn.function.stack).toJSON();
    expect(t.Resources[logicalId(fn.function)].DependsOn).toEqual(expect.arrayContaining([logicalId(fn.policy)]));
    Template.fromStack(fn.function.stack).resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('no audit resources without the audit', () => {
    const t = Template.fromStack(fn.function.stack);
    t.resourceCountIs('AWS::Events::Rule', 0);
    t.resourceCountIs('AWS::Logs::MetricFilter', 0);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(fn.usageReportEnabled).toBe(false);
    expect(fn.reEncryptEnabled).toBe(false);
  });

  test('the code is the bundled handler only', () => {
    const assets = fn.function.node.findAll().filter((c) => c.constructor.name === 'Asset');
    expect(assets).toHaveLength(1);
  });
});

describe('props reach the function', () => {
  test('suite, frame, cache and limit settings become environment variables', () => {
    const { fn } = build({
      suite: EnvelopeAlgorithmSuite.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
      frameLength: Size.kibibytes(4),
      maxEncryptedDataKeys: 3,
      cacheCapacity: 0,
      cacheMaxAge: Duration.minutes(2),
      cacheMaxMessagesEncrypted: 50,
      cacheMaxBytesEncrypted: Size.mebibytes(8),
    });
    expect(envOf(fn)).toMatchObject({
      [ENV.suite]: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384',
      [ENV.frameLength]: '4096',
      [ENV.maxEncryptedDataKeys]: '3',
      [ENV.cacheCapacity]: '0',
      [ENV.cacheMaxAgeSeconds]: '120',
      [ENV.cacheMaxMessages]: '50',
      [ENV.cacheMaxBytes]: String(8 * 1024 * 1024),
    });
  });

  test('memory, timeout, reserved concurrency, retention, log group name', () => {
    const { fn } = build({
      memorySize: 1024,
      timeout: Duration.minutes(2),
      reservedConcurrentExecutions: 5,
      logRetention: logs.RetentionDays.TWO_YEARS,
      logGroupName: '/app/envelope',
    });
    expect(propsOf(fn.function)).toMatchObject({ MemorySize: 1024, Timeout: 120, ReservedConcurrentExecutions: 5 });
    expect(propsOf(fn.logGroup)).toMatchObject({ RetentionInDays: 731, LogGroupName: '/app/envelope' });
  });

  test('reEncrypt destinations become the allowed destination ARNs', () => {
    const { fn, stack } = build({}, (s) => ({ reEncryptDestinationKeys: [new SecureKey(s, 'A'), kms.Key.fromKeyArn(s, 'B', 'arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab')] }));
    expect(fn.reEncryptEnabled).toBe(true);
    expect(envOf(fn)[ENV.reEncryptDestinationKeyArns]).toEqual({
      'Fn::Join': [',', [{ 'Fn::GetAtt': [logicalId(stack.node.findChild('A')), 'Arn'] }, 'arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab']],
    });
  });

  test('enableReEncrypt alone allows re-wrapping under the function\'s own key', () => {
    const { fn, key } = build({ enableReEncrypt: true });
    expect(envOf(fn)[ENV.reEncryptDestinationKeyArns]).toEqual({ 'Fn::GetAtt': [logicalId(key), 'Arn'] });
  });

  test('audit settings become environment variables; the lookback follows a rate schedule', () => {
    const { fn } = build({
      usageReportSchedule: events.Schedule.rate(Duration.hours(6)),
      usageReportExpectedPrincipals: ['arn:aws:iam::111111111111:role/App', 's3.amazonaws.com'],
      usageReportDelay: Duration.minutes(20),
      usageReportMaxPages: 40,
    });
    expect(fn.usageReportEnabled).toBe(true);
    expect(envOf(fn)).toMatchObject({
      [ENV.usageReportExpectedPrincipals]: 'arn:aws:iam::111111111111:role/App,s3.amazonaws.com',
      [ENV.usageReportLookbackMinutes]: '360',
      [ENV.usageReportDelayMinutes]: '20',
      [ENV.usageReportMaxPages]: '40',
    });
  });

  test('an expected principal from this app (a role ARN token) is joined at deploy time', () => {
    const { fn, stack } = build({}, (s) => ({ enableUsageReport: true, usageReportExpectedPrincipals: [new iam.Role(s, 'App', { assumedBy: new iam.AccountRootPrincipal() }).roleArn, 's3.amazonaws.com'] }));
    expect(envOf(fn)[ENV.usageReportExpectedPrincipals]).toEqual({
      'Fn::Join': [',', [{ 'Fn::GetAtt': [logicalId(stack.node.findChild('App')), 'Arn'] }, 's3.amazonaws.com']],
    });
  });

  test('an explicit usageReportLookback wins over the schedule; a cron schedule without one warns', () => {
    const explicit = build({ usageReportSchedule: events.Schedule.rate(Duration.hours(1)), usageReportLookback: Duration.minutes(90) });
    expect(envOf(explicit.fn)[ENV.usageReportLookbackMinutes]).toBe('90');
    const cron = build({ usageReportSchedule: events.Schedule.cron({ minute: '0', hour: '3' }) });
    expect(envOf(cron.fn)[ENV.usageReportLookbackMinutes]).toBeUndefined();
    Annotations.fromStack(cron.stack).hasWarning('/Stack/Envelope', Match.stringLikeRegexp('not a rate'));
  });

  test('usageReportSchedule: a rule invokes the function with the default Scheduled Event', () => {
    const { fn, stack } = build({ usageReportSchedule: events.Schedule.rate(Duration.hours(1)) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] }, Input: Match.absent(), RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } })],
    });
    t.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', Action: 'lambda:InvokeFunction' });
    t.resourceCountIs('AWS::Logs::MetricFilter', 3);
    t.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalId(fn.logGroup) },
      FilterPattern: '%usageReportUnexpected.{2,3}[1-9]%',
      MetricTransformations: [Match.objectLike({ MetricNamespace: 'SecureKey/EnvelopeFunction', MetricName: 'AuditUnexpectedPrincipals-Stack-Envelope-48404D60', MetricValue: '1' })],
    });
    t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });

  test('enableUsageReport without a schedule: permission and metrics, no rule', () => {
    const { fn, stack } = build({ enableUsageReport: true });
    expect(fn.usageReportRule).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::Events::Rule', 0);
    expect(stack.resolve(fn.metricUsageReportFailed().metricName)).toBe('AuditFailed-Stack-Envelope-48404D60');
  });

  test('usageReportFindingsTopic: three finding alarms and a function-errors alarm notify the topic', () => {
    const { fn, stack } = build({}, (s) => ({ usageReportSchedule: events.Schedule.rate(Duration.hours(1)), usageReportFindingsTopic: new sns.Topic(s, 'Findings') }));
    expect(fn.usageReportAlarms).toHaveLength(4);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    // A crash or timeout writes no audit line: the function's own Errors metric catches it.
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn.function) } }],
      AlarmActions: [{ Ref: logicalId(stack.node.findChild('Findings')) }],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'AuditUnexpectedPrincipals-Stack-Envelope-48404D60',
      Namespace: 'SecureKey/EnvelopeFunction',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalId(stack.node.findChild('Findings')) }],
    });
  });
});

describe('grantInvoke', () => {
  test('a role gets lambda:InvokeFunction on the function only (no versions wildcard)', () => {
    const { fn, stack } = build();
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    fn.grantInvoke(caller);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(caller) }],
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] } }] },
    });
  });

  test('a service principal gets a resource-based permission', () => {
    const { fn, stack } = build();
    fn.grantInvoke(new iam.ServicePrincipal('apigateway.amazonaws.com'));
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Permission', { Principal: 'apigateway.amazonaws.com', Action: 'lambda:InvokeFunction' });
  });
});

describe('validation', () => {
  type Props = (s: ReturnType<typeof newStack>, key: SecureKey) => Partial<EnvelopeFunctionProps>;
  const cases: Array<[string, Props, string]> = [
    ['memorySize is below 128', () => ({ memorySize: 64 }), 'EnvelopeFunction Stack/Envelope: \'memorySize\' is out of range. Received: 64. Allowed: a whole number of MiB from 128 to 10240.'],
    ['memorySize is not whole', () => ({ memorySize: 256.5 }), '\'memorySize\' is out of range. Received: 256.5.'],
    ['timeout is over 15 minutes', () => ({ timeout: Duration.minutes(16) }), '\'timeout\' is out of range. Received: 960 seconds. Allowed: a whole number of seconds from 1 to 900.'],
    ['timeout is fractional', () => ({ timeout: Duration.millis(1500) }), '\'timeout\' is out of range. Received: 1.5 seconds.'],
    ['cacheMaxAge is over a day', () => ({ cacheMaxAge: Duration.days(2) }), '\'cacheMaxAge\' is out of range. Received: 172800 seconds. Allowed: a whole number of seconds from 1 to 86400.'],
    ['cacheCapacity is negative', () => ({ cacheCapacity: -1 }), '\'cacheCapacity\' is out of range. Received: -1. Allowed: a whole number of entries from 0 to 100000.'],
    ['maxEncryptedDataKeys is 0', () => ({ maxEncryptedDataKeys: 0 }), '\'maxEncryptedDataKeys\' is out of range. Received: 0. Allowed: a whole number of keys from 1 to 65535.'],
    ['cacheMaxMessagesEncrypted is over 2^32', () => ({ cacheMaxMessagesEncrypted: 2 ** 32 + 1 }), '\'cacheMaxMessagesEncrypted\' is out of range. Received: 4294967297.'],
    ['frameLength is 4 GiB', () => ({ frameLength: Size.gibibytes(4) }), '\'frameLength\' is out of range. Received: 4294967296 bytes. Allowed: 1 to 4294967295 bytes.'],
    ['usageReportMaxPages is 0', () => ({ enableUsageReport: true, usageReportMaxPages: 0 }), '\'usageReportMaxPages\' is out of range. Received: 0. Allowed: a whole number of pages from 1 to 1000.'],
    ['usageReportLookback is over 90 days', () => ({ enableUsageReport: true, usageReportLookback: Duration.days(91) }), '\'usageReportLookback\' is out of range. Received: 131040 minutes. Allowed: a whole number of minutes from 1 to 129600.'],
    ['usageReportDelay is not whole minutes', () => ({ enableUsageReport: true, usageReportDelay: Duration.seconds(90) }), '\'usageReportDelay\' is out of range. Received: 1.5 minutes.'],
    ['encryptionContextKeys is empty', () => ({ encryptionContextKeys: [] }), '\'encryptionContextKeys\' is empty. Received: []. Allowed: at least one key, or leave it unset to allow any encryption context.'],
    ['encryptionContextKeys has a reserved key', () => ({ encryptionContextKeys: ['aws-crypto-public-key'] }), '\'encryptionContextKeys\' contains a reserved key. Received: \'aws-crypto-public-key\'.'],
    ['encryptionContextKeys has an empty key', () => ({ encryptionContextKeys: ['tenant', ''] }), '\'encryptionContextKeys\' contains an empty key.'],
    ['reEncryptDestinationKeys is given with enableReEncrypt false', (s) => ({ enableReEncrypt: false, reEncryptDestinationKeys: [new SecureKey(s, 'D')] }), '\'reEncryptDestinationKeys\' is set while enableReEncrypt is false. Received: 1 key(s).'],
    ['reEncryptDestinationKeys is empty', () => ({ reEncryptDestinationKeys: [] }), '\'reEncryptDestinationKeys\' is empty.'],
    ['reEncryptDestinationKeys holds an alias', (s, key) => ({ reEncryptDestinationKeys: [new kms.Alias(s, 'A', { aliasName: 'alias/x', targetKey: key })] }), '\'reEncryptDestinationKeys\' contains an alias. Received: the alias Stack/A.'],
    ['a usage-report prop is set with enableUsageReport false', () => ({ enableUsageReport: false, usageReportSchedule: events.Schedule.rate(Duration.hours(1)), usageReportMaxPages: 5 }), '\'usageReportSchedule\' needs the usage report, which enableUsageReport turns off. Received: enableUsageReport: false. Allowed: remove usageReportSchedule, usageReportMaxPages or set enableUsageReport to true (or leave it unset).'],
    ['a usage-report prop is set by both its names', () => ({ usageReportMaxPages: 5, auditMaxPages: 6 }), '\'auditMaxPages\' is set together with usageReportMaxPages. Received: both. Allowed: usageReportMaxPages only (auditMaxPages is its deprecated name).'],
    ['an expected principal contains a comma', () => ({ enableUsageReport: true, usageReportExpectedPrincipals: ['a,b'] }), '\'usageReportExpectedPrincipals\' contains an empty value or a comma. Received: \'a,b\'.'],
    ['logGroupName is a token', (s) => ({ logGroupName: new logs.LogGroup(s, 'L').logGroupName }), '\'logGroupName\' is a token.'],
    ['logGroupName has a space', () => ({ logGroupName: '/my logs' }), '\'logGroupName\' is not a valid log group name. Received: /my logs.'],
  ];

  test('fails if the key is not a symmetric encryption key (no data keys, no log group encryption)', () => {
    const stack = newStack();
    const key = new SecureKey(stack, 'Hmac', { keySpec: kms.KeySpec.HMAC_256, keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC });
    const error = synthError(() => new EnvelopeFunction(stack, 'Envelope', { key }));
    expect(error).toContain('\'key\' is not a symmetric encryption key. Received: HMAC_256 / GENERATE_VERIFY_MAC.');
  });

  test.each(cases)('fails if %s', (_name, props, message) => {
    const stack = newStack();
    const key = new SecureKey(stack, 'Key');
    const error = synthError(() => new EnvelopeFunction(stack, 'Envelope', { key, ...props(stack, key) }));
    expect(error).toBeDefined();
    expect(error).toContain(message);
  });

  test('the usage-report metrics need the usage report', () => {
    const { fn } = build();
    expect(() => fn.metricUsageReportUnexpectedPrincipals()).toThrow('EnvelopeFunction Stack/Envelope: the usage report metrics need the usage report. Set enableUsageReport or usageReportSchedule.');
  });
});

describe('the deprecated audit... names', () => {
  test('set the same function as the usage-report names', () => {
    const schedule = events.Schedule.rate(Duration.hours(2));
    const old = build({ auditSchedule: schedule, auditMaxPages: 4, auditExpectedPrincipals: ['s3.amazonaws.com'] }).fn;
    const current = build({ usageReportSchedule: schedule, usageReportMaxPages: 4, usageReportExpectedPrincipals: ['s3.amazonaws.com'] }).fn;
    expect(old.auditEnabled).toBe(true);
    expect(old.usageReportEnabled).toBe(true);
    expect(old.auditRule).toBe(old.usageReportRule);
    expect(envOf(old)).toEqual(envOf(current));
    expect(old.metricAuditFailed().metricName).toBe(old.metricUsageReportFailed().metricName);
  });
});

describe('enableGenerateDataKey', () => {
  test('false tells the handler to refuse generateDataKey; by default the variable is absent (offered)', () => {
    expect(envOf(build({ enableGenerateDataKey: false }).fn)[ENV.generateDataKey]).toBe('false');
    const { fn } = build();
    expect(fn.generateDataKeyEnabled).toBe(true);
    expect(envOf(fn)[ENV.generateDataKey]).toBeUndefined();
  });
});
