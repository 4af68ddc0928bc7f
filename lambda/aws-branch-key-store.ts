// `cdk-secure-key/lambda/aws-branch-key-store`: the branch key store's table over the AWS SDK v3 DynamoDB
// client (`@aws-sdk/client-dynamodb`, which the caller provides, like the KMS client of
// `cdk-secure-key/lambda/aws`). A separate entry, so the KMS adapter never needs the DynamoDB client.
// Re-exports only.
export { dynamoDbBranchKeyTable, type DynamoDbCommandClient } from './providers/aws-dynamodb-branch-key-store';
