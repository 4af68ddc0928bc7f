import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { SecureKey } from '../../src';
import { newStack } from '../support/secure-key-fixtures';

/** Every violation (error or warning) cdk-nag's four packs leave unacknowledged. */
function nagFindings(stack: Stack): string[] {
  const packs = [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks()];
  return packs.flatMap((pack) => pack.validateScope(stack).violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} (${v.severity}) at ${r.constructPath}`)));
}

describe('cdk-nag: AwsSolutions, NIST 800-53 R5, HIPAA, PCI DSS 3.2.1 over KeyAudit', () => {
  test('the CloudTrail rules do fire on a trail without encryption, validation or CloudWatch Logs (the check can fail)', () => {
    const stack = newStack();
    new cloudtrail.CfnTrail(stack, 'Bare', { isLogging: true, s3BucketName: 'some-bucket' });
    const findings = nagFindings(stack);
    for (const rule of ['NIST.800.53.R5-CloudTrailEncryptionEnabled', 'NIST.800.53.R5-CloudTrailLogFileValidationEnabled', 'NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled']) {
      expect(findings).toEqual(expect.arrayContaining([`${rule} (error) at Stack/Bare`]));
    }
  });

  test('a bucket acknowledgement is specific: another bucket in the stack is still reported', () => {
    const stack = newStack();
    new SecureKey(stack, 'Data', { audit: {} });
    new s3.Bucket(stack, 'Unrelated', { enforceSSL: true });
    expect(nagFindings(stack)).toEqual(expect.arrayContaining(['AwsSolutions-S1 (error) at Stack/Unrelated/Resource']));
  });

  test('the default audit reports nothing', () => {
    const stack = newStack();
    new SecureKey(stack, 'Data', { audit: { alarmEmails: ['security@example.com'], cisAccountWideAlarm: true } });
    expect(nagFindings(stack)).toEqual([]);
  });

  test('an existing trail with its log group, and a scheduled usage report, report nothing', () => {
    const stack = newStack();
    new SecureKey(stack, 'Data', {
      audit: {
        existingTrailArn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/org',
        existingTrailLogGroup: logs.LogGroup.fromLogGroupName(stack, 'OrgLogs', 'org-trail'),
        usageReport: { schedule: events.Schedule.rate(Duration.hours(1)), expectedPrincipals: ['arn:aws:iam::111111111111:role/App'] },
      },
    });
    expect(nagFindings(stack)).toEqual([]);
  });
});
