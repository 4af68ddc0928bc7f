// The examples of docs/hierarchical-keyring.md, kept runnable: test/branch-key-store/docs.test.ts
// checks that the doc shows the lines between the markers verbatim, synthesizes the stack and runs the
// tenant example. In your code import from 'cdk-secure-key', 'cdk-secure-key/lambda',
// 'cdk-secure-key/lambda/aws' and 'cdk-secure-key/lambda/aws-branch-key-store'.
import { Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  BranchKeyStoreClient, branchKeyIdFromContext, EnvelopeClient, HierarchicalKeyProvider, InMemoryBranchKeyTable, LocalKms,
} from '../lambda';
import { kmsBranchKeyOperations } from '../lambda/aws';
import { BranchKeyStore } from '../src';

/** A key store, a role that creates and rotates branch keys, and an application role that uses them. */
export class BranchKeyStoreExampleStack extends Stack {
  public readonly store: BranchKeyStore;
  public readonly keyManager: iam.Role;
  public readonly appRole: iam.Role;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // --- begin construct ---
    const store = new BranchKeyStore(this, 'BranchKeys', { tableName: 'branch-keys', logicalKeyStoreName: 'tenants' });
    const keyManager = new iam.Role(this, 'KeyManager', { assumedBy: new iam.AccountRootPrincipal() });
    const appRole = new iam.Role(this, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    store.grantCreateAndVersion(keyManager); // CreateKey, VersionKey: cannot decrypt branch keys
    store.grantUse(appRole); // encrypt and decrypt messages: reads items, kms:Decrypt for this store only
    // --- end construct ---
    this.store = store;
    this.keyManager = keyManager;
    this.appRole = appRole;
  }
}

/** One branch key per tenant; returns what the doc prints. */
export async function tenantExample(): Promise<{ messages: number; kmsCalls: number; decrypted: number }> {
  const kms = new LocalKms();
  const kmsKeyArn = (await kms.createKey({ Description: 'branch keys' })).KeyMetadata!.Arn!;
  let kmsCalls = 0;
  const kmsOps = kmsBranchKeyOperations(kms);
  const counted = { ...kmsOps, decrypt: (input: Parameters<typeof kmsOps.decrypt>[0]) => { kmsCalls++; return kmsOps.decrypt(input); } };
  // --- begin tenants ---
  // For AWS: table: dynamoDbBranchKeyTable(new DynamoDBClient({})), kms: kmsBranchKeyOperations(new KMSClient({}))
  const keyStore = new BranchKeyStoreClient({
    tableName: 'branch-keys', logicalKeyStoreName: 'tenants', kmsKeyArn, table: new InMemoryBranchKeyTable(), kms: counted,
  });
  for (const tenant of ['acme', 'globex', 'initech']) {
    await keyStore.createKey({ branchKeyId: `tenant-${tenant}`, encryptionContext: { tenant } }); // once per tenant (key manager)
  }
  const provider = new HierarchicalKeyProvider({
    keyStore,
    branchKeyIdSupplier: branchKeyIdFromContext('tenant', (tenant) => `tenant-${tenant}`),
    cacheTtlSeconds: 300, // a branch key is decrypted by KMS at most once per 5 minutes per process
  });
  const client = new EnvelopeClient({ keyProvider: provider });
  const messages = [];
  for (let i = 0; i < 300; i++) {
    const tenant = ['acme', 'globex', 'initech'][i % 3];
    messages.push((await client.encrypt(Buffer.from(`order ${i}`), { encryptionContext: { tenant } })).message);
  }
  // --- end tenants ---
  let decrypted = 0;
  for (const m of messages) if ((await client.decrypt(m)).plaintext.toString().startsWith('order ')) decrypted++;
  return { messages: messages.length, kmsCalls, decrypted };
}
