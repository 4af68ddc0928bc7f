/**
 * Cases that fail today, each with the mechanism that makes it fail and where it is being fixed. Their
 * tests run as `test.failing`: once the mechanism lands they pass, the failing test turns red, and the entry
 * is removed here. docs/services.md shows the same text in its status column.
 */
export const KNOWN_GAPS: Record<string, string> = {
  'dynamodb-global': "the table's replica needs the replica key's ARN, an attribute of the replica stack, which depends on the key's stack: a cyclic cross-stack reference. (A replica key's ARN could be written from the primary's key id, but the replica must also exist before the table: the table belongs in a stack that deploys after the replica's.) Needs: cross-stack consumers of replicas, issue 13 core",
  'sns-sqs': 'SqsSubscription adds an sns.amazonaws.com statement whose aws:SourceArn is the topic, and the topic is encrypted with the key: Key -> Topic -> Key (needs: no cycles by design, issue 13 core)',
  'lambda-env': 'the deploying principal needs kms:Encrypt through lambda, which allowAccountUseViaServices does not give (needs: a preset for Lambda)',
  'stepfunctions': "CustomerManagedEncryptionConfiguration writes the state machine role's grant into its IAM policy only; the key policy does not honour it (needs: IAM grants honoured, issue 13 core)",
  'secrets-manager': "KeyPolicyChecks KP4 fails on the kms:CreateGrant CDK's Secret gives the account through secretsmanager (needs: the pack knows what CDK writes for a Secret, issue 18 engine)",
};
