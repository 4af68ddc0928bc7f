import { Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  branchKeyStoreConditions, CREATE_AND_VERSION_KMS_ACTIONS, READ_TABLE_ACTIONS, USE_KMS_ACTIONS, WRITE_TABLE_ACTIONS,
} from './private/branch-key-store-access';
import { keyPolicyPrincipal } from './private/cross-stack';
import { SecureKeyConfigError } from './private/validation';
import { SecureKey } from './secure-key';

/** Props of a BranchKeyStore. */
export interface BranchKeyStoreProps {
  /**
   * The DynamoDB table name. Changing it replaces the table.
   *
   * @default - CloudFormation generates a name
   */
  readonly tableName?: string;

  /**
   * The name bound into every branch key's KMS encryption context (`tablename`), which readers and
   * writers configure as their logical key store name. Keep it when restoring the table under
   * another name; never reuse it for another table. 1 to 100 characters.
   *
   * @default - `tableName` when given, else a name unique to this construct path
   */
  readonly logicalKeyStoreName?: string;

  /**
   * The SecureKey that wraps branch keys. It gets key policy statements for the store's roles.
   *
   * @default - a new SecureKey with rotation, administered through IAM
   */
  readonly key?: SecureKey;

  /**
   * Administrators of the new key (ignored when `key` is given).
   *
   * @default - the account administers the key through IAM
   */
  readonly administrators?: iam.IGrantable[];

  /**
   * Customer managed key that encrypts the table at rest. Branch keys in it are already wrapped by
   * `key`; this covers the other attributes (ids, custom encryption context). The key must let
   * the account use it through DynamoDB (for a SecureKey: `allowAccountUseViaServices: ['dynamodb']`).
   *
   * @default - the AWS managed key for DynamoDB (`aws/dynamodb`)
   */
  readonly tableEncryptionKey?: kms.IKey;

  /**
   * What happens to the table and the new key when removed from the stack. Losing either loses every
   * message encrypted under its branch keys.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const LOGICAL_NAME_MAX = 100;

/**
 * A branch key store as a user of its branch keys sees it (an `EnvelopeFunction` with
 * `branchKeyStore`, for example): where the branch keys are, the key that wraps them, and how to be
 * allowed to use them. `BranchKeyStore` is one.
 */
export interface IBranchKeyStore {
  /** The DynamoDB table holding branch keys. */
  readonly tableName: string;
  /** The table ARN. */
  readonly tableArn: string;
  /** The logical key store name bound into every branch key. */
  readonly logicalKeyStoreName: string;
  /** The key that wraps branch keys. */
  readonly key: SecureKey;

  /**
   * Lets `grantee` use branch keys to encrypt and decrypt messages: read the table's items and
   * KMS Decrypt of this store's branch keys (in the key policy and the grantee's policy).
   */
  grantUse(grantee: iam.IGrantable): iam.Grant;
}

/**
 * A branch key store for the AWS KMS hierarchical keyring: a DynamoDB table in the schema of the
 * branch key store specification (partition key `branch-key-id`, sort key `type`; point-in-time
 * recovery, deletion protection, encryption at rest) and a SecureKey whose policy lets the store's
 * two roles make exactly the KMS calls the store makes, only for this store's branch keys.
 *
 * Works with this library's `HierarchicalKeyProvider` and the AWS Encryption SDK's
 * `KmsHierarchicalKeyRingNode`/`BranchKeyStoreNode` alike.
 */
export class BranchKeyStore extends Construct implements IBranchKeyStore {
  /** The table holding branch keys. */
  public readonly table: dynamodb.Table;
  /** The key that wraps branch keys. */
  public readonly key: SecureKey;
  /** The logical key store name readers and writers configure. */
  public readonly logicalKeyStoreName: string;
  /** The table name. */
  public readonly tableName: string;
  /** The table ARN. */
  public readonly tableArn: string;

  constructor(scope: Construct, id: string, props: BranchKeyStoreProps = {}) {
    super(scope, id);
    const logical = props.logicalKeyStoreName ?? props.tableName ?? Names.uniqueResourceName(this, { maxLength: LOGICAL_NAME_MAX, separator: '-' });
    if (!Token.isUnresolved(logical) && (logical.length < 1 || logical.length > LOGICAL_NAME_MAX)) {
      throw new SecureKeyConfigError(`BranchKeyStore ${this.node.path}: logicalKeyStoreName must be 1 to ${LOGICAL_NAME_MAX} characters; received ${logical.length} ("${logical.slice(0, 40)}").`);
    }
    if (props.key && props.administrators) {
      throw new SecureKeyConfigError(`BranchKeyStore ${this.node.path}: administrators applies only to the key the store creates; with key given, set administrators on that SecureKey.`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.logicalKeyStoreName = logical;
    this.key = props.key ?? new SecureKey(this, 'Key', {
      description: `Wraps the branch keys of key store ${logical}`,
      administrators: props.administrators,
      removalPolicy,
    });
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: 'branch-key-id', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'type', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: props.tableEncryptionKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.AWS_MANAGED,
      encryptionKey: props.tableEncryptionKey,
      removalPolicy,
    });
    this.tableName = this.table.tableName;
    this.tableArn = this.table.tableArn;
  }

  /**
   * Lets `grantee` create and version branch keys (CreateKey, VersionKey): read and conditionally
   * write items, and KMS GenerateDataKeyWithoutPlaintext, ReEncryptFrom and ReEncryptTo for this
   * store's branch keys. It cannot decrypt a branch key.
   */
  public grantCreateAndVersion(grantee: iam.IGrantable): iam.Grant {
    const table = this.table.grant(grantee, ...READ_TABLE_ACTIONS, ...WRITE_TABLE_ACTIONS);
    return table.combine(this.grantKms(grantee, CREATE_AND_VERSION_KMS_ACTIONS));
  }

  /**
   * Lets `grantee` use branch keys to encrypt and decrypt messages (GetActiveBranchKey,
   * GetBranchKeyVersion, GetBeaconKey): read items and KMS Decrypt of this store's branch keys.
   */
  public grantUse(grantee: iam.IGrantable): iam.Grant {
    return this.grantRead(grantee).combine(this.grantKms(grantee, USE_KMS_ACTIONS));
  }

  /** Lets `grantee` read the table's items (wrapped keys and metadata only; no KMS access). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.table.grant(grantee, ...READ_TABLE_ACTIONS);
  }

  private grantKms(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    const conditions = branchKeyStoreConditions(this.logicalKeyStoreName);
    const onPrincipal = iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.key.keyArn], conditions });
    // A grantee of another stack is named as SecureKey names it (the account, pinned to its ARN), so the
    // key's stack never depends on the grantee's (docs/cycles.md).
    const named = keyPolicyPrincipal(this.key, grantee);
    const statement = new iam.PolicyStatement({
      principals: [named.principal], actions, resources: ['*'], conditions: { ...conditions, ...(named.conditions ?? {}) },
    });
    const onResource = iam.Grant.addStatementToResourcePolicy({ grantee, actions, resourceArns: ['*'], resource: this.key, statement });
    return onPrincipal.combine(onResource);
  }
}
