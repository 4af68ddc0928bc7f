/**
 * The branch key store's DynamoDB table over a `DynamoDBClient` from `@aws-sdk/client-dynamodb` that
 * the caller builds (region, endpoint, credentials and retries are the caller's). The only module in
 * lambda/ that imports the DynamoDB client.
 */
// eslint-disable-next-line import/no-extraneous-dependencies
import { GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { ConfigurationError } from '../core/errors';
import type { BranchKeyItem } from '../hierarchy/branch-key-items';
import type { BranchKeyTable } from '../hierarchy/branch-key-store-client';

/** What the table needs of a client: `DynamoDBClient` fits. */
export interface DynamoDbCommandClient {
  send(command: GetItemCommand | TransactWriteItemsCommand): Promise<object>;
}

/** A BranchKeyTable that calls DynamoDB GetItem and TransactWriteItems through `client`. */
export function dynamoDbBranchKeyTable(client: DynamoDbCommandClient): BranchKeyTable {
  if (!client || typeof client.send !== 'function') {
    throw new ConfigurationError('dynamoDbBranchKeyTable needs client: a DynamoDBClient from @aws-sdk/client-dynamodb.');
  }
  return {
    getItem: async (input) => (await client.send(new GetItemCommand(input as never))) as { Item?: BranchKeyItem },
    transactWriteItems: async (input) => client.send(new TransactWriteItemsCommand(input as never)),
  };
}
