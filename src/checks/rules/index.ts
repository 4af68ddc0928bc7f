import { accountIamUse } from './account-iam-use';
import { adminAndUse } from './admin-and-use';
import { createGrantUnconditioned } from './create-grant-unconditioned';
import { iamDecryptAllKeys } from './iam-decrypt-all-keys';
import { pendingWindowShort } from './pending-window-short';
import { policyLockout } from './policy-lockout';
import { rootFullAccess } from './root-full-access';
import { rotationDisabled } from './rotation-disabled';
import { servicePrincipalUnscoped } from './service-principal-unscoped';
import { wildcardPrincipal } from './wildcard-principal';
import { KeyPolicyRule } from '../rule';

/** Every rule of the pack, in code order. */
export const KEY_POLICY_RULES: readonly KeyPolicyRule[] = [
  wildcardPrincipal, rootFullAccess, adminAndUse, createGrantUnconditioned, policyLockout,
  iamDecryptAllKeys, rotationDisabled, pendingWindowShort, servicePrincipalUnscoped, accountIamUse,
];

export {
  accountIamUse, adminAndUse, createGrantUnconditioned, iamDecryptAllKeys, pendingWindowShort, policyLockout, rootFullAccess,
  rotationDisabled, servicePrincipalUnscoped, wildcardPrincipal,
};
