// `cdk-secure-key/lambda/aws`: the adapters over the AWS SDK v3 clients. They import
// @aws-sdk/client-kms and @aws-sdk/client-cloudtrail, which the caller provides (the Lambda Node.js
// runtime ships both; elsewhere add them to your dependencies). jsii packages cannot declare
// non-jsii peer dependencies, so they are not in this package's package.json. Re-exports only.
export * from './providers/aws-kms';
export * from './audit/lookup';
export * from './providers/aws-dynamodb-branch-key-store';
export * from './providers/hierarchical-kms';
