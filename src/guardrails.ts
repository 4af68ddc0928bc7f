/**
 * Perimeter and lifecycle guardrails of a SecureKey: options that add Deny statements to its key
 * policy. Each option is independent; all of them leave the key's administrators, users and the AWS
 * services acting for them working.
 */
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * Denies every KMS action on the key to principals outside an AWS Organization (identity perimeter).
 * AWS service principals (CloudTrail, CloudWatch Logs, SNS...) are exempt (`aws:PrincipalIsAWSService`),
 * and so are calls an AWS service makes for a principal of the organization, because the principal is
 * then the caller.
 */
export interface OrganizationPerimeter {
  /**
   * The organization's ID (`o-` followed by 10 to 32 lowercase letters or digits), compared with
   * `aws:PrincipalOrgID`.
   */
  readonly organizationId: string;

  /**
   * Narrow the perimeter to organizational units: `aws:PrincipalOrgPaths` values such as
   * `o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*`. A principal whose account is in none of them is denied.
   *
   * @default - every account of the organization is inside the perimeter
   */
  readonly organizationalUnitPaths?: string[];

  /**
   * Accounts outside the organization that stay inside the perimeter (`aws:PrincipalAccount`), for
   * example a vendor the key policy grants use to. They still need a grant in the key policy.
   *
   * @default - no account outside the organization
   */
  readonly trustedAccounts?: string[];
}

/**
 * Denies cryptographic use of the key from outside named networks (network perimeter). Administration
 * (policy, rotation, deletion) is not covered, so CloudFormation can still manage the key. Calls made
 * by AWS services (`aws:PrincipalIsAWSService`), through AWS services on a principal's behalf
 * (`aws:ViaAWSService`, for example S3 decrypting an object for its caller) and by the account's
 * service-linked roles are exempt: they do not come from your networks.
 */
export interface NetworkPerimeter {
  /**
   * VPC endpoint IDs (`vpce-...`) through which the key may be used (`aws:SourceVpce`).
   *
   * @default - no VPC endpoint is named
   */
  readonly vpcEndpointIds?: string[];

  /**
   * VPC IDs (`vpc-...`) from whose endpoints the key may be used (`aws:SourceVpc`).
   *
   * @default - no VPC is named
   */
  readonly vpcIds?: string[];

  /**
   * Public IP ranges (CIDR) from which the key may be used (`aws:SourceIp`), for example a corporate
   * egress range.
   *
   * @default - no IP range is named
   */
  readonly sourceIpRanges?: string[];
}

/**
 * Denies the operations that destroy or disable the key (`ScheduleKeyDeletion`, `DisableKey`,
 * `DeleteImportedKeyMaterial`, and `DisableKeyRotation` on a key that rotates) to everyone but named
 * break-glass principals. An administrator who may call `PutKeyPolicy` can still remove the statement
 * first: the protection turns an accident into a deliberate, recorded policy change.
 */
export interface DeletionProtection {
  /**
   * Principals that may still delete or disable the key (`aws:PrincipalArn`), for example a
   * break-glass role. Only principals with an ARN (roles, users, the account root) can be named.
   *
   * @default - nobody: the key policy must be changed before the key can be deleted or disabled
   */
  readonly breakGlassPrincipals?: iam.IPrincipal[];
}
