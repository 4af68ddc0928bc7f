import { KeyPolicyRule } from '../rule';

/** KP7: rotation is off on a key KMS can rotate (symmetric encryption, KMS key material). */
export const rotationDisabled: KeyPolicyRule = {
  code: 'KP7',
  name: 'Rotation off on a key that can rotate',
  level: 'error',
  resourceTypes: ['AWS::KMS::Key'],
  info: 'Automatic rotation is off on a symmetric encryption key with KMS key material.',
  explanation: 'Rotation limits how much data one key version protects (Security Hub KMS.4, CIS AWS Foundations 3.6, AwsSolutions-KMS5). '
    + 'Set EnableKeyRotation to true (SecureKey does by default).',
  controls: ['AWS Security Hub KMS.4', 'CIS AWS Foundations Benchmark v3.0.0 3.6', 'cdk-nag AwsSolutions-KMS5'],
  check: (resource) => {
    const p = resource.properties;
    const spec = p.KeySpec ?? 'SYMMETRIC_DEFAULT';
    const usage = p.KeyUsage ?? 'ENCRYPT_DECRYPT';
    const origin = p.Origin ?? 'AWS_KMS';
    // Not rotatable, or not known until deploy time: nothing to say.
    if (spec !== 'SYMMETRIC_DEFAULT' || usage !== 'ENCRYPT_DECRYPT' || origin !== 'AWS_KMS') return [];
    const on = p.EnableKeyRotation === true || String(p.EnableKeyRotation).toLowerCase() === 'true';
    return on ? [] : [{ detail: `EnableKeyRotation is ${p.EnableKeyRotation === undefined ? 'not set (off)' : String(p.EnableKeyRotation)}` }];
  },
};
