import { KeyPolicyRule } from '../rule';

/** KP12: the key skips KMS's policy lockout safety check (`BypassPolicyLockoutSafetyCheck`). */
export const lockoutCheckBypassed: KeyPolicyRule = {
  code: 'KP12',
  name: 'Policy lockout safety check bypassed',
  level: 'error',
  resourceTypes: ['AWS::KMS::Key'],
  info: 'The key sets BypassPolicyLockoutSafetyCheck: KMS accepts its policy even if the principal deploying it could never change it again.',
  explanation: 'A key whose policy nobody can update cannot be fixed without AWS Support. Remove BypassPolicyLockoutSafetyCheck '
    + '(SecureKey: bypassPolicyLockoutSafetyCheck) and name an administrator; acknowledge the finding only for a policy whose administrators are deliberately outside this deployment.',
  controls: ['AWS Control Tower CT.KMS.PV.3'],
  check: (resource) => {
    const v = resource.properties.BypassPolicyLockoutSafetyCheck;
    return v === true || String(v).toLowerCase() === 'true' ? [{ detail: 'BypassPolicyLockoutSafetyCheck is true' }] : [];
  },
};
