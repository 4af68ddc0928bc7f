/**
 * A branch key store for the hierarchical keyring (docs/hierarchical-keyring.md) in its own stack: the
 * DynamoDB table and the SecureKey that wraps branch keys, a key manager role that creates and versions
 * branch keys (and cannot decrypt them), and a tenant application role that uses them (reads items,
 * kms:Decrypt of this store's branch keys only). Part of the example app (examples/app.ts).
 */
import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { BranchKeyStore, SecureKey } from '../src';

/** The name readers and writers of the example's branch keys configure (`logicalKeyStoreName`). */
export const EXAMPLE_KEY_STORE_NAME = 'secure-key-example-tenants';

export interface BranchKeyStoreAppStackProps extends StackProps {
  /** The app's AWS Organization: the wrapping key's organization perimeter, as for the app's data key. */
  readonly organizationId: string;
}

export class BranchKeyStoreAppStack extends Stack {
  public readonly store: BranchKeyStore;
  public readonly keyManager: iam.Role;
  public readonly tenantApp: iam.Role;

  constructor(scope: Construct, id: string, props: BranchKeyStoreAppStackProps) {
    super(scope, id, props);
    // The wrapping key gets the data key's guardrails (docs/guardrails.md); the store adds the statements
    // of its two roles to its policy. Losing it loses every tenant's messages: it is retained.
    const key = new SecureKey(this, 'BranchKeyWrappingKey', {
      description: 'Wraps the example app\'s tenant branch keys (hierarchical keyring)',
      organizationPerimeter: { organizationId: props.organizationId },
      deletionProtection: {},
    });
    this.store = new BranchKeyStore(this, 'BranchKeys', { logicalKeyStoreName: EXAMPLE_KEY_STORE_NAME, key });
    this.keyManager = new iam.Role(this, 'BranchKeyManager', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Creates a branch key per tenant and versions (rotates) them; cannot decrypt them',
    });
    this.tenantApp = new iam.Role(this, 'TenantApp', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Encrypts and decrypts tenant messages with the hierarchical keyring',
    });
    this.store.grantCreateAndVersion(this.keyManager);
    this.store.grantUse(this.tenantApp);
    // What the runtime needs (BranchKeyStoreClient, or the Encryption SDK's BranchKeyStoreNode).
    new CfnOutput(this, 'BranchKeyTableName', { value: this.store.tableName });
    new CfnOutput(this, 'BranchKeyStoreName', { value: this.store.logicalKeyStoreName });
    new CfnOutput(this, 'BranchKeyWrappingKeyArn', { value: this.store.key.keyArn });
  }
}
