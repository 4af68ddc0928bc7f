import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { KeyGrantOptions } from './key-policy';
import type { GrantMethod } from './private/key-base';
import { SecureKeyConfigError } from './private/validation';

/** What a grant through this object needs of the key: SecureKey and its replicas have it. */
interface ConditionalGrantKey {
  _grantPermission(method: GrantMethod, grantee: iam.IGrantable, options: KeyGrantOptions | undefined): iam.Grant;
}

/**
 * The grant methods of a SecureKey with conditions attached; get one from `SecureKey.withConditions`.
 * Each grant writes the same actions and conditions into the key policy and the grantee's IAM policy.
 *
 * (IKey's grant methods take one parameter, and jsii does not let an implementation add one, so the
 * conditions come first, here.)
 */
export class KeyGrantsWithConditions {
  private readonly key: ConditionalGrantKey;

  /**
   * @param key the key to grant on: a SecureKey or a SecureReplicaKey
   * @param conditions the conditions every grant made through this object carries
   */
  constructor(key: kms.IKey, private readonly conditions: KeyGrantOptions) {
    if (typeof (key as unknown as Partial<ConditionalGrantKey>)._grantPermission !== 'function') {
      throw new SecureKeyConfigError(`KeyGrantsWithConditions: ${key.node.path} is not a SecureKey or SecureReplicaKey; `
        + 'conditions can be attached only to their grants. Use SecureKey.withConditions(...).');
    }
    this.key = key as unknown as ConditionalGrantKey;
  }

  /** `grantEncrypt`, with the conditions. */
  public grantEncrypt(grantee: iam.IGrantable): iam.Grant {
    return this.key._grantPermission('grantEncrypt', grantee, this.conditions);
  }

  /** `grantDecrypt`, with the conditions. */
  public grantDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this.key._grantPermission('grantDecrypt', grantee, this.conditions);
  }

  /** `grantEncryptDecrypt`, with the conditions. */
  public grantEncryptDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this.key._grantPermission('grantEncryptDecrypt', grantee, this.conditions);
  }

  /** `grantGenerateDataKey`, with the conditions. */
  public grantGenerateDataKey(grantee: iam.IGrantable): iam.Grant {
    return this.key._grantPermission('grantGenerateDataKey', grantee, this.conditions);
  }

  /** `grantSign`, with the conditions. */
  public grantSign(grantee: iam.IGrantable): iam.Grant {
    return this.key._grantPermission('grantSign', grantee, this.conditions);
  }

  /** `grantVerify`, with the conditions. */
  public grantVerify(grantee: iam.IGrantable): iam.Grant {
    return this.key._grantPermission('grantVerify', grantee, this.conditions);
  }

  /** `grantSignVerify`, with the conditions. */
  public grantSignVerify(grantee: iam.IGrantable): iam.Grant {
    return this.key._grantPermission('grantSignVerify', grantee, this.conditions);
  }

  /** `grantGenerateMac`, with the conditions. */
  public grantGenerateMac(grantee: iam.IGrantable): iam.Grant {
    return this.key._grantPermission('grantGenerateMac', grantee, this.conditions);
  }

  /** `grantVerifyMac`, with the conditions. */
  public grantVerifyMac(grantee: iam.IGrantable): iam.Grant {
    return this.key._grantPermission('grantVerifyMac', grantee, this.conditions);
  }

  /** `grantAdmin`, with the conditions (encryption-context conditions do not apply). */
  public grantAdmin(grantee: iam.IGrantable): iam.Grant {
    return this.key._grantPermission('grantAdmin', grantee, this.conditions);
  }
}
