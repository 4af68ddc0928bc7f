import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { EnvelopeFunction, SecureKey } from '../../src';
import { ACCOUNT, REGION } from '../support/secure-key-fixtures';

/** Every finding (rule and construct path) cdk-nag's four packs leave unacknowledged. */
function nagFindings(stack: Stack): Array<{ rule: string; path: string }> {
  const packs = [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks()];
  return packs.flatMap((pack) => pack.validateScope(stack).violations.flatMap((v) =>
    v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' }))));
}

function newStack(): Stack {
  return new Stack(new App(), 'Nag', { env: { account: ACCOUNT, region: REGION } });
}

/** A function with every option on: re-encryption, context keys, scheduled audit with alarms, reserved concurrency. */
function everything(stack: Stack): EnvelopeFunction {
  const key = new SecureKey(stack, 'Key');
  const topic = new sns.Topic(stack, 'Findings', { masterKey: key, enforceSSL: true });
  return new EnvelopeFunction(stack, 'Envelope', {
    key,
    encryptionContextKeys: ['tenant'],
    reEncryptDestinationKeys: [new SecureKey(stack, 'Archive')],
    usageReportSchedule: events.Schedule.rate(Duration.hours(1)),
    usageReportExpectedPrincipals: ['arn:aws:iam::111111111111:role/App'],
    usageReportFindingsTopic: topic,
    reservedConcurrentExecutions: 5,
  });
}

describe('cdk-nag: AwsSolutions, NIST 800-53 R5, HIPAA, PCI DSS 3.2.1', () => {
  afterEach(() => jest.restoreAllMocks());

  test('the packs do report a plain Lambda function (the check can fail)', () => {
    const stack = newStack();
    new lambda.Function(stack, 'Plain', { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1;') });
    const rules = nagFindings(stack).map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', 'AwsSolutions-L1', 'NIST.800.53.R5-LambdaInsideVPC']));
  });

  test('a default EnvelopeFunction: nothing unacknowledged', () => {
    const stack = newStack();
    new EnvelopeFunction(stack, 'Envelope', { key: new SecureKey(stack, 'Key') });
    expect(nagFindings(stack)).toEqual([]);
  });

  test('every option on, and a caller granted invoke: nothing unacknowledged but the caller\'s inline policy', () => {
    const stack = newStack();
    const fn = everything(stack);
    fn.grantInvoke(new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() }));
    expect(nagFindings(stack).filter((f) => !f.path.startsWith('Nag/Caller/'))).toEqual([]);
    // The caller's grant is on the function ARN alone: no wildcard for AwsSolutions-IAM5 to flag.
    expect(nagFindings(stack).map((f) => f.rule).sort()).toEqual(['HIPAA.Security-IAMNoInlinePolicy', 'NIST.800.53.R5-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy']);
  });

  test.each([
    ['defaults', (stack: Stack) => new EnvelopeFunction(stack, 'Envelope', { key: new SecureKey(stack, 'Key') })],
    ['every option on', everything],
  ])('%s: each acknowledgement has a reason and matches a finding the packs report without it', (_name, make) => {
    const acks: Array<{ path: string; id: string; reason: string }> = [];
    jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (this: Validations, ...rules) {
      const scope = (this as unknown as { scope: { node: { path: string } } }).scope;
      for (const r of rules) acks.push({ path: scope.node.path, id: r.id, reason: r.reason });
    });
    const stack = newStack();
    make(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) expect(a.reason.length).toBeGreaterThan(40);
    const findings = nagFindings(stack);
    // Acknowledged on a construct, reported on its resource (or the construct itself).
    const covers = (a: { path: string; id: string }, f: { rule: string; path: string }) =>
      f.rule === a.id && (f.path === a.path || f.path.startsWith(`${a.path}/`));
    for (const a of acks) expect([a.id, findings.some((f) => covers(a, f))]).toEqual([a.id, true]);
    for (const f of findings) expect([f.rule, f.path, acks.some((a) => covers(a, f))]).toEqual([f.rule, f.path, true]);
  });
});
