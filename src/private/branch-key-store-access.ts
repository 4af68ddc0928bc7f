/**
 * The DynamoDB and KMS actions of the branch key store's two roles, and the KMS conditions that bind
 * them to one key store. Pure: no constructs.
 *
 * Every KMS call of the store carries the encryption context the specification builds from an item:
 * `branch-key-id`, `type`, `create-time`, `kms-arn`, `hierarchy-version` (always "1") and `tablename`
 * (the logical key store name). The conditions require the store's name and the keys that only
 * branch key items carry, so the key serves this store and nothing else.
 */

/** Who creates and versions branch keys: CreateKey (GenerateDataKeyWithoutPlaintext, ReEncrypt) and VersionKey (also ReEncrypt to authenticate the ACTIVE item). */
export const CREATE_AND_VERSION_KMS_ACTIONS = ['kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'];
/** Who uses branch keys: GetActiveBranchKey, GetBranchKeyVersion and GetBeaconKey decrypt one item each. */
export const USE_KMS_ACTIONS = ['kms:Decrypt'];
/** Reading items (all three roles read; VersionKey reads ACTIVE before replacing it). */
export const READ_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'];
/** TransactWriteItems is authorized per item: each Put with a condition needs PutItem and ConditionCheckItem. */
export const WRITE_TABLE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'];

/** The encryption-context keys every branch key request carries. */
export const REQUIRED_CONTEXT_KEYS = ['branch-key-id', 'type', 'create-time', 'kms-arn', 'hierarchy-version', 'tablename'];

/** Conditions for a key policy or IAM statement of the store named `logicalKeyStoreName`. */
export function branchKeyStoreConditions(logicalKeyStoreName: string): Record<string, Record<string, unknown>> {
  return {
    StringEquals: {
      'kms:EncryptionContext:tablename': logicalKeyStoreName,
      'kms:EncryptionContext:hierarchy-version': '1',
    },
    Null: Object.fromEntries(REQUIRED_CONTEXT_KEYS.filter((k) => k !== 'tablename' && k !== 'hierarchy-version')
      .map((k) => [`kms:EncryptionContext:${k}`, 'false'])),
  };
}
