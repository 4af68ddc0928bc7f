/**
 * How LocalKms authorizes a call: the request it describes (caller, action, key, condition context)
 * and the one adapter to the project's policy engine, plus the AccessDeniedException message KMS
 * writes. LocalKms holds no policy logic of its own: whether a key policy and IAM policies allow a
 * request is decided by the engine; this file only shapes the question and the answer.
 */
import { authorize, type Caller, type PolicyJson, type Statement } from '../../src/private/access/evaluator';

/** Who calls LocalKms when policies are enforced. */
export interface LocalKmsPrincipal {
  /** IAM ARN (`arn:aws:iam::111122223333:role/App`, or the account root `...:root`). */
  readonly arn: string;
  readonly account: string;
  /** Identity-policy statements (plain JSON, references resolved). */
  readonly iamStatements: readonly unknown[];
  /** The construct path the principal was loaded from, when it came from an app. */
  readonly path?: string;
}

/** What a caller says about how it calls: through an AWS service, and on behalf of which resource. */
export interface LocalKmsCallOrigin {
  /**
   * `kms:ViaService`: the service endpoint making the call for the caller
   * (`s3.us-east-1.amazonaws.com`). @default - a direct call
   */
  readonly viaService?: string;
  /** `aws:SourceArn` of a service call. @default - absent */
  readonly sourceArn?: string;
  /** `aws:SourceAccount` of a service call. @default - absent */
  readonly sourceAccount?: string;
}

/** One concrete KMS request, as the engine is asked it. */
export interface KmsAuthorizationRequest extends LocalKmsCallOrigin {
  readonly principal: LocalKmsPrincipal;
  /** `kms:Decrypt`, `kms:ReEncryptFrom`, ... */
  readonly action: string;
  readonly keyArn: string;
  readonly keyAccount: string;
  /** The key policy document (JSON text, as GetKeyPolicy returns it). */
  readonly keyPolicy: string;
  readonly encryptionContext?: Record<string, string>;
  /** `kms:GrantIsForAWSResource`: true for CreateGrant through an integrated service. */
  readonly grantIsForAwsResource?: boolean;
  /** Other condition keys of the request (`kms:GrantOperations`, `kms:GranteePrincipal`, ...). */
  readonly context?: Record<string, string | string[]>;
}

/** A statement that took part in a decision. */
export interface KmsDecidingStatement {
  readonly policy: 'key' | 'iam';
  /** `Sid:<sid>`, or the statement's position when it has no Sid. */
  readonly id: string;
}

export interface KmsAuthorizationDecision {
  readonly allowed: boolean;
  readonly decision: 'allowed' | 'explicit-deny' | 'implicit-deny';
  /** Where the explicit deny was, when there was one. */
  readonly deniedIn?: 'key' | 'iam';
  readonly allowedBy: readonly KmsDecidingStatement[];
  readonly deniedBy: readonly KmsDecidingStatement[];
  /** One line a human can read. */
  readonly reason: string;
}

/** The adapter: the only place LocalKms asks the policy engine for a decision. */
export function decideKmsRequest(req: KmsAuthorizationRequest): KmsAuthorizationDecision {
  const caller: Caller = {
    label: req.principal.path ?? req.principal.arn,
    arn: req.principal.arn,
    account: req.principal.account,
    iamStatements: req.principal.iamStatements as Statement[],
  };
  let verdict: 'allowed' | 'denied';
  try {
    verdict = authorize(JSON.parse(req.keyPolicy) as PolicyJson, req.keyArn, caller, {
      action: req.action,
      encryptionContext: req.encryptionContext,
      viaService: req.viaService,
      sourceArn: req.sourceArn,
      sourceAccount: req.sourceAccount,
      grantIsForAwsResource: req.grantIsForAwsResource,
    });
  } catch (e) {
    // What the engine cannot decide is denied, never guessed.
    return { allowed: false, decision: 'implicit-deny', allowedBy: [], deniedBy: [], reason: `denied: the policy engine cannot decide this request (${(e as Error).message})` };
  }
  return verdict === 'allowed'
    ? { allowed: true, decision: 'allowed', allowedBy: [], deniedBy: [], reason: `${req.principal.arn}: ${req.action} allowed` }
    : { allowed: false, decision: 'implicit-deny', allowedBy: [], deniedBy: [], reason: `${req.principal.arn}: ${req.action} denied` };
}

/** KMS's AccessDeniedException message for a denied request, naming the caller, action and key. */
export function accessDeniedMessage(callerArn: string, action: string, keyArn: string, decision: KmsAuthorizationDecision): string {
  const head = `User: ${callerArn} is not authorized to perform: ${action} on resource: ${keyArn}`;
  if (decision.decision === 'explicit-deny') {
    return `${head} with an explicit deny in ${decision.deniedIn === 'iam' ? 'an identity-based' : 'a resource-based'} policy`;
  }
  return `${head} because no resource-based policy allows the ${action} action`;
}
