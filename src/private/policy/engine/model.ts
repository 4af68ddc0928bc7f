/**
 * The shapes of the policy engine: a policy statement after normalization, a concrete KMS request, and
 * the decision with the statements that made it. Pure data; no aws-cdk-lib, no constructs.
 */

/** One principal entry of a `Principal`/`NotPrincipal` block, classified by what it stands for. */
export type PrincipalEntry =
  /** `*` or `{"AWS": "*"}`: anyone, AWS services included. */
  | { readonly type: 'everyone' }
  /** An account: its root ARN (`arn:aws:iam::111111111111:root`) or a bare 12-digit ID; in a key policy, the account's IAM principals. */
  | { readonly type: 'account'; readonly account: string; readonly written: string }
  /** A named IAM principal (role, user, session); `account` when the ARN shows it. */
  | { readonly type: 'arn'; readonly arn: string; readonly account?: string }
  /** An AWS service principal (`logs.us-east-1.amazonaws.com`). */
  | { readonly type: 'service'; readonly service: string }
  /** Federated and CanonicalUser principals, as `Type:value`. */
  | { readonly type: 'other'; readonly value: string };

/** A condition operator parsed into its parts: `ForAnyValue:StringNotLikeIfExists` -> set any, base StringLike, negated, ifExists. */
export interface Condition {
  /** As written, e.g. `StringEqualsIfExists`. */
  readonly operator: string;
  /** The positive base operator (`StringEquals`, `StringLike`, `ArnLike`, `Bool`, `Null`, ...); undefined when unknown. */
  readonly base?: string;
  readonly negated: boolean;
  readonly ifExists: boolean;
  readonly set?: 'any' | 'all';
  /** The condition key in lower case (IAM compares key names case-insensitively). */
  readonly key: string;
  /** The key as written. */
  readonly keyAsWritten: string;
  readonly values: string[];
}

/** A statement after normalization: principals classified, actions and conditions parsed. */
export interface Statement {
  /** `Sid:<sid>` or `Hash:<8 hex>` (a content hash of the normalized statement): stable across unrelated edits. */
  readonly id: string;
  readonly sid?: string;
  /** Position in its policy; for messages only, never for identity. */
  readonly index: number;
  readonly effect: 'Allow' | 'Deny';
  /** `not` for NotPrincipal; `undefined` entries for an IAM identity statement (no principal). */
  readonly principals?: { readonly not: boolean; readonly entries: PrincipalEntry[] };
  readonly actions: { readonly not: boolean; readonly patterns: string[] };
  /** Undefined when the statement names no resource (key policies use `*`). */
  readonly resources?: { readonly not: boolean; readonly patterns: string[] };
  readonly conditions: Condition[];
  /** The statement as JSON, intrinsics shown symbolically (`${AppRole.Arn}`). */
  readonly json: Record<string, unknown>;
}

/** A caller of KMS. Exactly one of `arn` (an IAM principal, the account root included) or `service`. */
export interface Caller {
  /** IAM ARN of the principal (`arn:aws:iam::111111111111:role/App`, or the account's `...:root`). */
  readonly arn?: string;
  /** Service principal name (`logs.us-east-1.amazonaws.com`) for a call a service makes as itself. */
  readonly service?: string;
  /** The caller's account (required for IAM principals; for a service, the account it acts for, if any). */
  readonly account?: string;
  /** Identity-policy statements of the caller (raw JSON); none for a service. */
  readonly iamStatements?: unknown[];
}

/** One KMS request, as a LocalKms or a test would describe it. */
export interface Request {
  readonly caller: Caller;
  /** `kms:Decrypt` (the `kms:` prefix is optional). */
  readonly action: string;
  /** The key's ARN and account. */
  readonly keyArn: string;
  readonly keyAccount: string;
  /** Encryption context of the request (`kms:EncryptionContext:<k>`, `kms:EncryptionContextKeys`). */
  readonly encryptionContext?: Record<string, string>;
  /** `kms:ViaService`, when an AWS service makes the call on the caller's behalf. */
  readonly viaService?: string;
  /** `kms:GrantIsForAWSResource` (CreateGrant from an integrated service). */
  readonly grantIsForAwsResource?: boolean;
  /** `aws:SourceArn` / `aws:SourceAccount` of a service call. */
  readonly sourceArn?: string;
  readonly sourceAccount?: string;
  /**
   * Any other condition key with its value(s), e.g. `{ 'aws:PrincipalOrgID': 'o-abc', 'aws:SecureTransport': 'true' }`.
   * Keys are matched case-insensitively; a key not given is absent, as IAM treats it.
   */
  readonly context?: Record<string, string | string[]>;
}

/** A statement that took part in a decision. */
export interface DecidingStatement {
  readonly policy: 'key' | 'iam';
  readonly id: string;
  readonly sid?: string;
  readonly index: number;
}

export interface Decision {
  readonly allowed: boolean;
  /** `explicit-deny` when a Deny applied; `implicit-deny` when nothing allowed. */
  readonly decision: 'allowed' | 'explicit-deny' | 'implicit-deny';
  /** The Allow statements that let the request in (key policy, and IAM where it was needed). */
  readonly allowedBy: DecidingStatement[];
  /** The Deny statements that applied. */
  readonly deniedBy: DecidingStatement[];
  /** One line a human can read. */
  readonly reason: string;
}

/** Condition key values of a request: lower-case key -> values; a key that is not here is absent. */
export type RequestContext = ReadonlyMap<string, readonly string[]>;
