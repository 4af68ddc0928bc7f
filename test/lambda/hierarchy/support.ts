import { BranchKeyStoreClient } from '../../../lambda/hierarchy/branch-key-store-client';
import { InMemoryBranchKeyTable } from '../../../lambda/hierarchy/in-memory-branch-key-table';
import { LocalKms } from '../../../lambda/providers/local-kms';

export const TABLE = 'branch-keys';
export const LOGICAL = 'branch-keys-logical';

/** A store over an in-memory table and a LocalKms whose calls are counted. */
export async function inMemoryStore() {
  const kms = new LocalKms();
  const keyArn = (await kms.createKey({ Description: 'branch keys' })).KeyMetadata.Arn!;
  const calls: Record<string, number> = { generateDataKeyWithoutPlaintext: 0, reEncrypt: 0, decrypt: 0 };
  const counted = {
    generateDataKeyWithoutPlaintext: (i: never) => { calls.generateDataKeyWithoutPlaintext++; return kms.generateDataKeyWithoutPlaintext(i); },
    reEncrypt: (i: never) => { calls.reEncrypt++; return kms.reEncrypt(i); },
    decrypt: (i: never) => { calls.decrypt++; return kms.decrypt(i); },
  };
  const table = new InMemoryBranchKeyTable();
  const store = new BranchKeyStoreClient({ tableName: TABLE, logicalKeyStoreName: LOGICAL, kmsKeyArn: keyArn, table, kms: counted as never });
  return { kms, keyArn, calls, table, store };
}
