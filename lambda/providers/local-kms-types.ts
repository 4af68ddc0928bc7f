/**
 * The request, response and record shapes LocalKms speaks: the AWS SDK's KMS input/output types
 * (same field names, only the fields LocalKms fills) and CloudTrail's event record.
 */
export type KmsKeySpec =
  | 'SYMMETRIC_DEFAULT'
  | 'RSA_2048' | 'RSA_3072' | 'RSA_4096'
  | 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1'
  | 'HMAC_224' | 'HMAC_256' | 'HMAC_384' | 'HMAC_512';
export type KmsKeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC';
export type KmsKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';
export type KmsEncryptionAlgorithm = 'SYMMETRIC_DEFAULT' | 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256';
export type KmsSigningAlgorithm =
  | 'RSASSA_PSS_SHA_256' | 'RSASSA_PSS_SHA_384' | 'RSASSA_PSS_SHA_512'
  | 'RSASSA_PKCS1_V1_5_SHA_256' | 'RSASSA_PKCS1_V1_5_SHA_384' | 'RSASSA_PKCS1_V1_5_SHA_512'
  | 'ECDSA_SHA_256' | 'ECDSA_SHA_384' | 'ECDSA_SHA_512';
export type KmsMacAlgorithm = 'HMAC_SHA_224' | 'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512';
export type KmsDataKeyPairSpec = 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1';
export type KmsEncryptionContext = Record<string, string>;

/** The SDK's `MultiRegionConfiguration`. */
export interface KmsMultiRegionConfiguration {
  MultiRegionKeyType: 'PRIMARY' | 'REPLICA';
  PrimaryKey: { Arn: string; Region: string };
  ReplicaKeys: { Arn: string; Region: string }[];
}

/** The SDK's `KeyMetadata` (the fields LocalKms fills). */
export interface KmsKeyMetadata {
  AWSAccountId: string;
  KeyId: string;
  Arn: string;
  CreationDate: Date;
  Enabled: boolean;
  Description: string;
  KeyUsage: KmsKeyUsage;
  KeyState: KmsKeyState;
  DeletionDate?: Date;
  PendingDeletionWindowInDays?: number;
  Origin: 'AWS_KMS';
  KeyManager: 'CUSTOMER';
  CustomerMasterKeySpec: KmsKeySpec;
  KeySpec: KmsKeySpec;
  EncryptionAlgorithms?: KmsEncryptionAlgorithm[];
  SigningAlgorithms?: KmsSigningAlgorithm[];
  MacAlgorithms?: KmsMacAlgorithm[];
  MultiRegion: boolean;
  MultiRegionConfiguration?: KmsMultiRegionConfiguration;
  CurrentKeyMaterialId?: string;
}

export interface KmsTag { TagKey: string; TagValue: string }

export interface KmsCreateKeyInput {
  Description?: string;
  KeyUsage?: KmsKeyUsage;
  KeySpec?: KmsKeySpec;
  /** Deprecated SDK alias of KeySpec. */
  CustomerMasterKeySpec?: KmsKeySpec;
  MultiRegion?: boolean;
  Policy?: string;
  Tags?: KmsTag[];
  Origin?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
}
export interface KmsKeyIdInput { KeyId: string | undefined }
export interface KmsDescribeKeyInput extends KmsKeyIdInput { GrantTokens?: string[] }
export interface KmsAliasInput { AliasName: string | undefined; TargetKeyId: string | undefined }
export interface KmsListAliasesInput { KeyId?: string; Limit?: number; Marker?: string }
export interface KmsAliasListEntry { AliasName: string; AliasArn: string; TargetKeyId: string; CreationDate: Date; LastUpdatedDate: Date }
export interface KmsEncryptInput {
  KeyId: string | undefined;
  Plaintext: Uint8Array | undefined;
  EncryptionContext?: KmsEncryptionContext;
  GrantTokens?: string[];
  EncryptionAlgorithm?: KmsEncryptionAlgorithm;
  DryRun?: boolean;
}
export interface KmsDecryptInput {
  CiphertextBlob: Uint8Array | undefined;
  EncryptionContext?: KmsEncryptionContext;
  GrantTokens?: string[];
  KeyId?: string;
  EncryptionAlgorithm?: KmsEncryptionAlgorithm;
  DryRun?: boolean;
}
export interface KmsGenerateDataKeyInput {
  KeyId: string | undefined;
  EncryptionContext?: KmsEncryptionContext;
  NumberOfBytes?: number;
  KeySpec?: 'AES_128' | 'AES_256';
  GrantTokens?: string[];
  DryRun?: boolean;
}
export interface KmsGenerateDataKeyPairInput {
  KeyId: string | undefined;
  KeyPairSpec: KmsDataKeyPairSpec | undefined;
  EncryptionContext?: KmsEncryptionContext;
  GrantTokens?: string[];
  DryRun?: boolean;
}
export interface KmsReEncryptInput {
  CiphertextBlob: Uint8Array | undefined;
  SourceEncryptionContext?: KmsEncryptionContext;
  SourceKeyId?: string;
  DestinationKeyId: string | undefined;
  DestinationEncryptionContext?: KmsEncryptionContext;
  SourceEncryptionAlgorithm?: KmsEncryptionAlgorithm;
  DestinationEncryptionAlgorithm?: KmsEncryptionAlgorithm;
  GrantTokens?: string[];
  DryRun?: boolean;
}
export interface KmsSignInput {
  KeyId: string | undefined;
  Message: Uint8Array | undefined;
  MessageType?: 'RAW' | 'DIGEST';
  SigningAlgorithm: KmsSigningAlgorithm | undefined;
  GrantTokens?: string[];
}
export interface KmsVerifyInput extends KmsSignInput { Signature: Uint8Array | undefined }
export interface KmsGenerateMacInput {
  KeyId: string | undefined;
  Message: Uint8Array | undefined;
  MacAlgorithm: KmsMacAlgorithm | undefined;
  GrantTokens?: string[];
}
export interface KmsVerifyMacInput extends KmsGenerateMacInput { Mac: Uint8Array | undefined }
export interface KmsEnableKeyRotationInput extends KmsKeyIdInput { RotationPeriodInDays?: number }
export interface KmsScheduleKeyDeletionInput extends KmsKeyIdInput { PendingWindowInDays?: number }
export interface KmsReplicateKeyInput extends KmsKeyIdInput {
  ReplicaRegion: string | undefined;
  Description?: string;
  Policy?: string;
  Tags?: KmsTag[];
}
export interface KmsKeyRotationStatus { KeyId: string; KeyRotationEnabled: boolean; RotationPeriodInDays?: number; NextRotationDate?: Date }
export interface KmsKeyPolicyInput extends KmsKeyIdInput { PolicyName?: string }
export interface KmsPutKeyPolicyInput extends KmsKeyPolicyInput { Policy: string | undefined }

/** One CloudTrail event record, in the shape CloudTrail writes for KMS API calls. */
export interface CloudTrailEvent {
  eventVersion: string;
  userIdentity: {
    type: 'IAMUser' | 'AssumedRole' | 'Root' | 'AWSService' | 'AWSAccount';
    principalId: string;
    arn: string;
    accountId: string;
    accessKeyId?: string;
    userName?: string;
    invokedBy?: string;
  };
  eventTime: string;
  eventSource: 'kms.amazonaws.com';
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  resources: { ARN: string; type: 'AWS::KMS::Key'; accountId: string }[];
  eventType: 'AwsApiCall';
  managementEvent: boolean;
  recipientAccountId: string;
  eventCategory: 'Management';
}
