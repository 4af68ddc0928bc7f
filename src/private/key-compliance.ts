/** The compliance evidence a SecureKey records: which of its settings satisfy which control. */
import { RemovalPolicy } from 'aws-cdk-lib';
import { ComplianceRecord } from './compliance';
import { PENDING_WINDOW_DAYS } from './validation';

export interface KeyComplianceSettings {
  readonly rotatable: boolean;
  readonly rotationEnabled: boolean;
  /** Undefined when the window is a token. */
  readonly pendingWindowDays?: number;
  readonly removalPolicy: RemovalPolicy;
  readonly allowIamAdministration: boolean;
  readonly administratorsCanCreateGrants: boolean;
  readonly bypassPolicyLockoutSafetyCheck: boolean;
}

const HUB = 'AWS Security Hub';
const CIS = 'CIS AWS Foundations Benchmark v3.0.0';
const NAG = 'cdk-nag';

type Status = ComplianceRecord['status'];

export function keyComplianceRecords(k: KeyComplianceSettings): ComplianceRecord[] {
  const rotation: Status = !k.rotatable ? 'not-applicable' : k.rotationEnabled ? 'satisfied' : 'not-satisfied';
  const rotationSetting = `enableKeyRotation: ${k.rotationEnabled}`;
  const rotationEvidence = !k.rotatable ? 'KMS rotates only symmetric encryption keys; this key cannot rotate.'
    : k.rotationEnabled ? 'KMS rotates the key material automatically (SecureKey default for symmetric keys).'
      : 'Rotation was turned off with enableKeyRotation: false.';
  const window = k.pendingWindowDays;
  const windowOk = window === undefined || window >= PENDING_WINDOW_DAYS.max;
  const retained = k.removalPolicy === RemovalPolicy.RETAIN;
  const guard = (control: string, what: string): ComplianceRecord => ({
    framework: NAG, control, status: 'satisfied', setting: 'key policy (synth-time check)', evidence: `Synth fails if the key policy ${what}.`,
  });
  return [
    { framework: HUB, control: 'KMS.4', status: rotation, setting: rotationSetting, evidence: rotationEvidence },
    { framework: CIS, control: '3.6', status: rotation, setting: rotationSetting, evidence: rotationEvidence },
    { framework: NAG, control: 'AwsSolutions-KMS5', status: rotation, setting: rotationSetting, evidence: rotationEvidence },
    { framework: NAG, control: 'KeyPolicy-KP7', status: rotation, setting: rotationSetting, evidence: rotationEvidence },
    {
      framework: HUB,
      control: 'KMS.3',
      status: retained && windowOk ? 'satisfied' : 'not-satisfied',
      setting: `removalPolicy: ${k.removalPolicy}, pendingWindow: ${window ?? 'token'} days`,
      evidence: retained
        ? 'The key is retained when it leaves the stack; a scheduled deletion can be cancelled during the pending window.'
        : 'The key is deleted with the stack (removalPolicy is not RETAIN).',
    },
    {
      framework: NAG,
      control: 'KeyPolicy-KP8',
      status: windowOk ? 'satisfied' : 'not-satisfied',
      setting: `pendingWindow: ${window ?? 'token'} days`,
      evidence: windowOk ? 'The deletion waiting period is the 30-day maximum.' : 'The deletion waiting period is shorter than 30 days.',
    },
    {
      framework: HUB,
      control: 'KMS.5',
      status: 'satisfied',
      setting: 'key policy (synth-time check)',
      evidence: 'Synth fails if a statement allows a wildcard principal without an account condition.',
    },
    guard('KeyPolicy-KP1', 'allows a wildcard principal without an account condition'),
    {
      framework: HUB,
      control: 'KMS.1',
      status: 'satisfied',
      setting: 'administrators, users, grant methods',
      evidence: 'The IAM statements SecureKey writes name this key\'s ARN, never all keys; other IAM policies are checked by KeyPolicyChecks KP6.',
    },
    {
      framework: HUB,
      control: 'KMS.2',
      status: 'satisfied',
      setting: 'administrators, users, grant methods',
      evidence: 'The inline IAM statements SecureKey writes name this key\'s ARN, never all keys; other IAM policies are checked by KeyPolicyChecks KP6.',
    },
    {
      framework: NAG,
      control: 'KeyPolicy-KP2',
      status: 'satisfied',
      setting: `allowIamAdministration: ${k.allowIamAdministration}`,
      evidence: k.allowIamAdministration ? 'The account root gets administrative actions only, never kms:*.' : 'The key policy does not name the account root.',
    },
    guard('KeyPolicy-KP3', 'lets one principal both administer and use the key'),
    {
      framework: NAG,
      control: 'KeyPolicy-KP4',
      status: k.administratorsCanCreateGrants ? 'not-satisfied' : 'satisfied',
      setting: `administratorsCanCreateGrants: ${k.administratorsCanCreateGrants}`,
      evidence: k.administratorsCanCreateGrants ? 'Administrators may create grants for any grantee.'
        : 'Only grants for AWS resources (kms:GrantIsForAWSResource) are allowed.',
    },
    k.bypassPolicyLockoutSafetyCheck
      ? { framework: NAG, control: 'KeyPolicy-KP5', status: 'not-satisfied', setting: 'bypassPolicyLockoutSafetyCheck: true', evidence: 'The lockout guard is skipped.' }
      : guard('KeyPolicy-KP5', 'lets nobody call kms:PutKeyPolicy'),
    guard('KeyPolicy-KP9', 'allows a service principal without aws:SourceAccount, aws:SourceArn or another scoping condition'),
  ];
}
