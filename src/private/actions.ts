/**
 * Every KMS action SecureKey writes into a policy, as exact names. Policies never use `kms:*` or
 * `GenerateDataKey*`: a reviewer (and cdk-nag) can read exactly what each principal may do.
 */

/** Read-only metadata; both administrators and users may call it. */
export const DESCRIBE_ACTIONS = ['kms:DescribeKey'];

/**
 * Managing the key: policy, aliases, rotation, state, tags, deletion. No cryptographic use, and no
 * CreateGrant (a grant could hand the administrator use of the key).
 */
export const MANAGE_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

/** Administrators may list and revoke grants (to remove access), but not create them by default. */
export const GRANT_REVIEW_ACTIONS = ['kms:ListGrants', 'kms:RevokeGrant'];

export const CREATE_GRANT_ACTIONS = ['kms:CreateGrant'];

/** The action that decides whether anyone can change the key policy later (lockout guard). */
export const PUT_KEY_POLICY_ACTION = 'kms:PutKeyPolicy';

export const ADMIN_ACTIONS = [...MANAGE_ACTIONS, ...GRANT_REVIEW_ACTIONS, ...DESCRIBE_ACTIONS];

/** What AWS services acting for a user need: grants, only with kms:GrantIsForAWSResource. */
export const SERVICE_GRANT_ACTIONS = ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'];

export const ENCRYPT_ACTIONS = ['kms:Encrypt', 'kms:ReEncryptTo'];
export const DECRYPT_ACTIONS = ['kms:Decrypt', 'kms:ReEncryptFrom'];
export const GENERATE_DATA_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext'];
export const GENERATE_DATA_KEY_PAIR_ACTIONS = ['kms:GenerateDataKeyPair', 'kms:GenerateDataKeyPairWithoutPlaintext'];
export const PUBLIC_KEY_ACTIONS = ['kms:GetPublicKey'];
export const SIGN_ACTIONS = ['kms:Sign'];
export const VERIFY_ACTIONS = ['kms:Verify'];
export const GENERATE_MAC_ACTIONS = ['kms:GenerateMac'];
export const VERIFY_MAC_ACTIONS = ['kms:VerifyMac'];
export const KEY_AGREEMENT_ACTIONS = ['kms:DeriveSharedSecret'];

/** Actions that use key material. Administrators must never hold one of these. */
export const USE_ACTIONS = [
  ...ENCRYPT_ACTIONS,
  ...DECRYPT_ACTIONS,
  ...GENERATE_DATA_KEY_ACTIONS,
  ...GENERATE_DATA_KEY_PAIR_ACTIONS,
  ...SIGN_ACTIONS,
  ...VERIFY_ACTIONS,
  ...GENERATE_MAC_ACTIONS,
  ...VERIFY_MAC_ACTIONS,
  ...KEY_AGREEMENT_ACTIONS,
  ...PUBLIC_KEY_ACTIONS,
];

/**
 * What integrated services (DynamoDB, RDS, EBS, EFS) need from the principal that creates or uses a
 * resource encrypted with the key, through the service: data keys, Decrypt and DescribeKey, plus
 * CreateGrant (in a statement of its own, with kms:GrantIsForAWSResource).
 */
export const ACCOUNT_VIA_SERVICE_USE_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'];
export const ACCOUNT_VIA_SERVICE_GRANT_ACTIONS = ['kms:CreateGrant'];

/**
 * Services that encrypt with the caller's credentials through `kms:Encrypt` itself, rather than with data
 * keys: Lambda encrypts a function's environment variables when the function is created or updated (the
 * AWS managed key `aws/lambda` allows the account Encrypt through Lambda for that). Only these get
 * `ACCOUNT_VIA_SERVICE_ENCRYPT_ACTIONS` from `allowAccountUseViaServices`, in a statement of their own.
 */
export const SERVICES_THAT_ENCRYPT = ['lambda'];
export const ACCOUNT_VIA_SERVICE_ENCRYPT_ACTIONS = ['kms:Encrypt'];

/** Data-key actions a service principal needs to publish to an encrypted topic, queue or bucket. */
export const SERVICE_DATA_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];

/** CloudWatch Logs encrypts and decrypts log events (AWS documents exactly these families). */
export const LOGS_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
];

/** CloudTrail generates a data key per log file; it describes the key when a trail is created. */
export const CLOUDTRAIL_ENCRYPT_ACTIONS = ['kms:GenerateDataKey'];

/** Every KMS action that applies to a key, used to expand wildcards CDK passes to `grant()`. */
export const ALL_KEY_ACTIONS = [
  ...new Set([...ADMIN_ACTIONS, ...USE_ACTIONS, ...SERVICE_GRANT_ACTIONS, 'kms:RetireGrant']),
].sort();

/** Operations that destroy or disable a key (deletion protection denies them; KP13 looks for that Deny). */
export const DELETION_PROTECTED_ACTIONS = ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:DeleteImportedKeyMaterial'];
/** Turning rotation off, denied by deletion protection on a key that rotates. */
export const ROTATION_PROTECTED_ACTIONS = ['kms:DisableKeyRotation'];
