// `cdk-secure-key/lambda`: the envelope-encryption API for Node.js code. Re-exports only, and only
// what a user of the library calls, implements or catches; the building blocks behind them are
// internal (tests and the package's own tools import them by path).
//
// Nothing reachable from here imports the AWS SDK. The KMS adapter is `cdk-secure-key/lambda/aws`
// (./aws.ts); the CloudTrail usage report is `cdk-secure-key/lambda/aws-usage-report`
// (./aws-usage-report.ts).

// The client and its streams.
export {
  EnvelopeClient, DEFAULT_FRAME_LENGTH, DEFAULT_MAX_FRAME_LENGTH,
  type EnvelopeClientOptions, type EncryptOptions, type EncryptStreamOptions, type DecryptOptions,
  type EncryptResult, type DecryptResult, type DecryptIntoResult, type MessageHeaderInfo,
} from './core/envelope-client';
export { EncryptStream, DecryptStream } from './core/streams';

// Materials managers and the data-key cache.
export { DefaultMaterialsManager } from './core/materials';
export { CachingMaterialsManager, type CachingMaterialsManagerOptions, type CacheCounters } from './core/caching-materials-manager';
export {
  DataKeyCache, MAX_MESSAGES_PER_DATA_KEY,
  type DataKeyCacheOptions, type DataKeyCacheStats, type EncryptionLimits, type EncryptionUsage,
} from './core/data-key-cache';

// What a custom key provider or materials manager implements.
export {
  AlgorithmSuiteId,
  type EncryptionContext, type EncryptedDataKey, type KeyProvider, type MaterialsManager,
  type GenerateDataKeyInput, type GenerateDataKeyOutput, type DecryptDataKeyInput, type ReEncryptDataKeyInput,
  type EncryptionMaterials, type DecryptionMaterials, type EncryptionMaterialsRequest, type DecryptionMaterialsRequest,
} from './core/types';

// Key providers over KMS (the AWS SDK one is in ./aws.ts) and the local stand-in.
export {
  KmsKeyProviderBase, KMS_PROVIDER_ID,
  type KmsKeyProviderCommonOptions, type KmsDiscoveryOptions, type KmsCallStats, type KmsDataKeyOperations,
} from './providers/kms-key-provider-base';
export { LocalKmsKeyProvider, type LocalKmsKeyProviderOptions } from './providers/local-kms-provider';
export { LocalKms, LocalKmsError, type LocalKmsOptions } from './providers/local-kms';

// Errors: every error this API throws is a SecureKeyError with a stable `errorType`.
export {
  SecureKeyError, InvalidMessageError, UnsupportedFormatError, CommitmentMismatchError, SignatureVerificationError,
  EncryptionContextMismatchError, TooManyEncryptedDataKeysError, NoDecryptableDataKeyError, KmsError,
  ConfigurationError, LimitExceededError,
} from './core/errors';

// The hierarchical keyring: branch keys in a table, a fresh data key per message.
export {
  BranchKeyStoreClient, type BranchKeyStoreClientOptions, type BranchKeyTable, type BranchKeyKms, type CreateBranchKeyInput,
  type BranchKeyMaterials, type BeaconKeyMaterials,
} from './hierarchy/branch-key-store-client';
export { BranchKeyCache, type BranchKeyCacheOptions, type BranchKeyCacheStats } from './hierarchy/branch-key-cache';
export {
  HierarchicalKeyProvider, branchKeyIdFromContext, type HierarchicalKeyProviderOptions, type BranchKeyIdSupplier,
} from './hierarchy/hierarchical-key-provider';
export { InMemoryBranchKeyTable } from './hierarchy/in-memory-branch-key-table';
