/**
 * The envelope Lambda's hierarchical keyring: a HierarchicalKeyProvider over the branch key store
 * that SECUREKEY_BRANCH_KEY_* configure. ./environment.ts requires this module only when a store is
 * configured; the bundle keeps it, with the DynamoDB client, in a chunk of its own
 * (branch-key-store.js, see lambda/build-bundle.mjs), so a function using KMS data keys neither
 * carries nor loads any of it.
 */
import type { BranchKeyStoreConfig } from './config';
import type { CountingKeyProvider } from './create-handler';
import { ConfigurationError } from '../core/errors';
import type {
  DecryptDataKeyInput, EncryptedDataKey, GenerateDataKeyInput, GenerateDataKeyOutput, ReEncryptDataKeyInput,
} from '../core/types';
import { BranchKeyCache } from '../hierarchy/branch-key-cache';
import { BranchKeyStoreClient, type BranchKeyKms, type BranchKeyTable } from '../hierarchy/branch-key-store-client';
import { branchKeyIdFromContext, HierarchicalKeyProvider } from '../hierarchy/hierarchical-key-provider';
import { dynamoDbBranchKeyTable } from '../providers/aws-dynamodb-branch-key-store';

export interface BranchKeyProviderOptions {
  readonly store: BranchKeyStoreConfig;
  /** The KMS key that wraps the store's branch keys (SECUREKEY_KEY_ARN). */
  readonly kmsKeyArn: string;
  readonly table: BranchKeyTable;
  /** KMS Decrypt of a branch key: the function only reads branch keys, it never creates or versions them. */
  readonly decrypt: BranchKeyKms['decrypt'];
  /** @default Date.now */
  readonly clock?: () => number;
}

/** A HierarchicalKeyProvider over the configured store that counts its KMS requests, as the handler's log line needs. */
export function branchKeyProvider(options: BranchKeyProviderOptions): CountingKeyProvider {
  const { store } = options;
  const counter = { calls: 0 };
  const refused = (operation: string) => async (): Promise<never> => {
    throw new ConfigurationError(`The envelope function only reads branch keys; KMS ${operation} (creating or versioning a branch key) belongs to the store's administrators.`);
  };
  const kms: BranchKeyKms = {
    decrypt: async (input) => {
      counter.calls++;
      return options.decrypt(input);
    },
    generateDataKeyWithoutPlaintext: refused('GenerateDataKeyWithoutPlaintext'),
    reEncrypt: refused('ReEncrypt'),
  };
  const keyStore = new BranchKeyStoreClient({
    tableName: store.tableName, logicalKeyStoreName: store.logicalKeyStoreName, kmsKeyArn: options.kmsKeyArn, table: options.table, kms,
  });
  const cache = new BranchKeyCache({ ttlSeconds: store.cacheTtlSeconds, capacity: store.cacheCapacity, clock: options.clock });
  const choice = store.branchKeyId !== undefined
    ? { branchKeyId: store.branchKeyId }
    : { branchKeyIdSupplier: branchKeyIdFromContext(store.branchKeyIdContextKey!) };
  const provider = new HierarchicalKeyProvider({ keyStore, ...choice, cacheTtlSeconds: store.cacheTtlSeconds, cache });
  return new CountedKeyProvider(provider, counter);
}

/** The store's table over a DynamoDBClient of `region`, built now (the SDK is in this chunk only). */
export function dynamoDbTableOf(region: string): BranchKeyTable {
  // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
  const { DynamoDBClient } = require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
  return dynamoDbBranchKeyTable(new DynamoDBClient({ region }));
}

/** The provider, with the number of KMS requests it made so far. */
class CountedKeyProvider implements CountingKeyProvider {
  public readonly providerId: string;
  public readonly keyId: string;

  constructor(private readonly inner: HierarchicalKeyProvider, private readonly counter: { readonly calls: number }) {
    this.providerId = inner.providerId;
    this.keyId = inner.keyId;
  }

  public get calls(): number {
    return this.counter.calls;
  }

  public generateDataKey(input: GenerateDataKeyInput): Promise<GenerateDataKeyOutput> {
    return this.inner.generateDataKey(input);
  }

  public decryptDataKey(input: DecryptDataKeyInput): Promise<Buffer> {
    return this.inner.decryptDataKey(input);
  }

  public reEncryptDataKey(input: ReEncryptDataKeyInput): Promise<EncryptedDataKey> {
    return this.inner.reEncryptDataKey(input);
  }

  public canDecrypt(edk: EncryptedDataKey): boolean {
    return this.inner.canDecrypt(edk);
  }
}
