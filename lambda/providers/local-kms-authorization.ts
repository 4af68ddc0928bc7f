/**
 * How LocalKms authorizes a call: the request it describes (caller, action, key, condition context)
 * and the one adapter to the project's policy engine, plus the AccessDeniedException message KMS
 * writes. LocalKms holds no policy logic of its own: whether a key policy and IAM policies allow a
 * request is decided by the engine; this file only shapes the question and the answer.
 */
import { authorize } from '../../src/private/policy/engine/authorize';
import type { DecidingStatement, Decision } from '../../src/private/policy/engine/model';

/** Who calls LocalKms when policies are enforced. */
export interface LocalKmsPrincipal {
  /**
   * IAM ARN (`arn:aws:iam::111122223333:role/App`, or the account root `...:root`); for an AWS
   * service calling as itself, its service principal name (as CloudTrail shows it).
   */
  readonly arn: string;
  /**
   * Set for an AWS service principal calling as itself (`logs.us-east-1.amazonaws.com`): only key
   * policy statements naming the service (or `*`) can allow it. @default - an IAM principal
   */
  readonly service?: string;
  readonly account: string;
  /** Identity-policy statements (plain JSON, references resolved). */
  readonly iamStatements: readonly unknown[];
  /** The construct path the principal was loaded from, when it came from an app. */
  readonly path?: string;
  /**
   * Condition keys AWS sets for every request of this principal, such as `aws:PrincipalOrgID` for a
   * principal of an AWS Organization. @default - none
   */
  readonly context?: Readonly<Record<string, string | string[]>>;
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
  /**
   * Other global condition keys the caller's request carries, as IAM would fill them
   * (`{ 'aws:PrincipalOrgID': 'o-abc', 'aws:SourceVpce': 'vpce-1' }`): how perimeter conditions are tested.
   * @default - none: such keys are absent from the request
   */
  readonly context?: Record<string, string | string[]>;
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

/** A statement that took part in a decision: which policy, its id (`Sid:<sid>` or a content hash) and position. */
export type KmsDecidingStatement = DecidingStatement;

/** The engine's decision: allowed or not, explicit or implicit deny, the deciding statements, a readable reason. */
export type KmsAuthorizationDecision = Decision;

/** The adapter: the only place LocalKms asks the policy engine (src/private/policy/engine) for a decision. */
export function decideKmsRequest(req: KmsAuthorizationRequest): KmsAuthorizationDecision {
  const p = req.principal;
  return authorize(req.keyPolicy, {
    caller: p.service !== undefined
      ? { service: p.service, account: req.sourceAccount }
      : { arn: p.arn, account: p.account, iamStatements: [...p.iamStatements] },
    action: req.action,
    keyArn: req.keyArn,
    keyAccount: req.keyAccount,
    encryptionContext: req.encryptionContext,
    viaService: req.viaService,
    sourceArn: req.sourceArn,
    sourceAccount: req.sourceAccount,
    grantIsForAwsResource: req.grantIsForAwsResource,
    context: req.context,
  });
}

/** KMS's AccessDeniedException message for a denied request, naming the caller, action and key. */
export function accessDeniedMessage(callerArn: string, action: string, keyArn: string, decision: KmsAuthorizationDecision): string {
  const head = `User: ${callerArn} is not authorized to perform: ${action} on resource: ${keyArn}`;
  if (decision.decision === 'explicit-deny') {
    const inKeyPolicy = decision.deniedBy.some((d) => d.policy === 'key');
    return `${head} with an explicit deny in ${inKeyPolicy ? 'a resource-based' : 'an identity-based'} policy`;
  }
  return `${head} because no resource-based policy allows the ${action} action`;
}
