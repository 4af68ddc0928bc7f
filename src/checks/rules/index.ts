import { accountIamUse } from './account-iam-use';
import { adminAndUse } from './admin-and-use';
import { createGrantUnconditioned } from './create-grant-unconditioned';
import { crossAccountWithoutOrganization } from './cross-account-without-organization';
import { deletionUnprotected } from './deletion-unprotected';
import { iamDecryptAllKeys } from './iam-decrypt-all-keys';
import { lockoutCheckBypassed } from './lockout-check-bypassed';
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
  crossAccountWithoutOrganization, lockoutCheckBypassed,
];

/** Rules a pack runs only when asked (`KeyPolicyChecks` props). */
export const OPTIONAL_KEY_POLICY_RULES = { requireDeletionProtection: deletionUnprotected } as const;

export {
  accountIamUse, adminAndUse, createGrantUnconditioned, crossAccountWithoutOrganization, deletionUnprotected, iamDecryptAllKeys,
  lockoutCheckBypassed, pendingWindowShort, policyLockout, rootFullAccess, rotationDisabled, servicePrincipalUnscoped, wildcardPrincipal,
};
