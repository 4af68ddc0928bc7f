// `cdk-secure-key/lambda/aws`: the key provider over the AWS SDK v3 KMS client. It imports
// @aws-sdk/client-kms, which the caller provides (the Lambda Node.js runtime ships it; elsewhere add
// it to your dependencies). jsii packages cannot declare non-jsii peer dependencies, so it is not in
// this package's package.json. The CloudTrail usage report is `cdk-secure-key/lambda/aws-usage-report`,
// so this entry never needs @aws-sdk/client-cloudtrail. Re-exports only.
export { AwsKmsKeyProvider, type AwsKmsKeyProviderOptions, type KmsCommandClient } from './providers/aws-kms';
export { kmsBranchKeyOperations, type BranchKeyKmsCommandClient } from './providers/hierarchical-kms';
