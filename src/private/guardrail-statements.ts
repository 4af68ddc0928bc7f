/**
 * Pure: SecureKey's guardrail options -> Deny statements of its key policy, and the checks that keep an
 * option from locking CloudFormation out of what the stack itself does. The condition keys and their
 * exemptions follow AWS's data-perimeter guidance for KMS key policies and the KMS developer guide.
 */
import { Aws, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as A from './actions';
import { checkDays, Described, PENDING_WINDOW_DAYS, propError, SecureKeyConfigError } from './validation';
import type { DeletionProtection, NetworkPerimeter, OrganizationPerimeter } from '../guardrails';
import type { ComplianceRecord } from './compliance';

/** Sids of the guardrail statements; stable, so acknowledgements and snapshots can name them. */
export const GUARDRAIL_SIDS = {
  organization: 'DenyOutsideOrganization',
  organizationalUnits: 'DenyOutsideOrganizationalUnits',
  network: 'DenyUseOutsideNetworkPerimeter',
  deletion: 'DenyKeyDeletionAndDisabling',
  pendingWindow: 'DenyShortDeletionWindow',
} as const;

export const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT_PATTERN = /^\d{12}$/;
const VPCE_PATTERN = /^vpce-[0-9a-f]{8,17}$/;
const VPC_PATTERN = /^vpc-[0-9a-f]{8,17}$/;
const CIDR_PATTERN = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+:[0-9a-fA-F:]*\/\d{1,3})$/;

/** The actions the network perimeter covers: every use of key material, and grants (which hand it out). */
export const NETWORK_PERIMETER_ACTIONS = [...A.USE_ACTIONS, ...A.CREATE_GRANT_ACTIONS];


/**
 * Roles through which AWS itself acts and whose calls come from no network of the user's: the account's
 * service-linked roles, and the EC2 infrastructure role EBS uses for encrypted volumes.
 */
function awsOperatedRoles(account: string): string[] {
  return [`arn:${Aws.PARTITION}:iam::${account}:role/aws-service-role/*`, `arn:${Aws.PARTITION}:iam::*:role/aws:ec2-infrastructure`];
}

const concrete = (v: string) => !Token.isUnresolved(v);

function checkEach(path: string, prop: string, values: string[] | undefined, pattern: RegExp, allowed: string): void {
  for (const v of values ?? []) {
    if (concrete(v) && !pattern.test(v)) throw propError(path, prop, 'contains a malformed value', v, allowed);
  }
}

/** Deny every KMS action to principals outside the organization (and outside its named OUs), AWS services exempt. */
export function organizationPerimeterStatements(path: string, o: OrganizationPerimeter): iam.PolicyStatement[] {
  const prop = 'organizationPerimeter';
  if (concrete(o.organizationId) && !ORGANIZATION_ID_PATTERN.test(o.organizationId)) {
    throw propError(path, `${prop}.organizationId`, 'is not an organization ID', o.organizationId,
      "'o-' followed by 10 to 32 lowercase letters or digits (aws:PrincipalOrgID)");
  }
  for (const p of o.organizationalUnitPaths ?? []) {
    if (concrete(p) && concrete(o.organizationId) && !p.startsWith(`${o.organizationId}/`)) {
      throw propError(path, `${prop}.organizationalUnitPaths`, 'contains a path outside the organization', p,
        `paths that start with '${o.organizationId}/', such as '${o.organizationId}/r-ab12/ou-ab12-11111111/*'`);
    }
  }
  checkEach(path, `${prop}.trustedAccounts`, o.trustedAccounts, ACCOUNT_PATTERN, '12-digit AWS account IDs');
  if (o.organizationalUnitPaths !== undefined && o.organizationalUnitPaths.length === 0) {
    throw propError(path, `${prop}.organizationalUnitPaths`, 'is empty, which would deny every principal of the organization', '[]',
      'at least one OU path, or leave it unset for the whole organization');
  }

  const trusted = o.trustedAccounts?.length ? { 'aws:PrincipalAccount': o.trustedAccounts } : {};
  // AWS service principals (logs, cloudtrail, sns...) carry no organization; they are exempt.
  const notService = { BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } };
  const statements = [new iam.PolicyStatement({
    sid: GUARDRAIL_SIDS.organization,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:*'],
    resources: ['*'],
    // IfExists: a principal outside any organization has no org ID and is denied too.
    conditions: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': o.organizationId, ...trusted }, ...notService },
  })];
  if (o.organizationalUnitPaths?.length) {
    // A statement of its own: conditions of one statement must all hold, and a principal of the
    // organization in another OU fails only this one. A principal's account sits in one OU path; with no
    // path at all (outside any organization) ForAllValues holds, so the Deny applies.
    statements.push(new iam.PolicyStatement({
      sid: GUARDRAIL_SIDS.organizationalUnits,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:*'],
      resources: ['*'],
      conditions: {
        'ForAllValues:StringNotLike': { 'aws:PrincipalOrgPaths': o.organizationalUnitPaths },
        ...(o.trustedAccounts?.length ? { StringNotEqualsIfExists: trusted } : {}),
        ...notService,
      },
    }));
  }
  return statements;
}

/** Deny use of the key from outside the named endpoints, VPCs and IP ranges; AWS services exempt. */
export function networkPerimeterStatement(path: string, n: NetworkPerimeter, account: string): iam.PolicyStatement {
  const prop = 'networkPerimeter';
  checkEach(path, `${prop}.vpcEndpointIds`, n.vpcEndpointIds, VPCE_PATTERN, "VPC endpoint IDs such as 'vpce-0123456789abcdef0'");
  checkEach(path, `${prop}.vpcIds`, n.vpcIds, VPC_PATTERN, "VPC IDs such as 'vpc-0123456789abcdef0'");
  checkEach(path, `${prop}.sourceIpRanges`, n.sourceIpRanges, CIDR_PATTERN, "CIDR ranges such as '203.0.113.0/24'");
  const named = (n.vpcEndpointIds?.length ?? 0) + (n.vpcIds?.length ?? 0) + (n.sourceIpRanges?.length ?? 0);
  if (named === 0) {
    throw propError(path, prop, 'names no network, which would deny every direct use of the key', '{}',
      'at least one of vpcEndpointIds, vpcIds or sourceIpRanges');
  }

  // Each named network is an exception: the request is denied only when it comes from none of them.
  const notEquals: Record<string, unknown> = {};
  if (n.vpcEndpointIds?.length) notEquals['aws:SourceVpce'] = n.vpcEndpointIds;
  if (n.vpcIds?.length) notEquals['aws:SourceVpc'] = n.vpcIds;
  const conditions: Record<string, Record<string, unknown>> = {
    BoolIfExists: { 'aws:PrincipalIsAWSService': 'false', 'aws:ViaAWSService': 'false' },
    ArnNotLikeIfExists: { 'aws:PrincipalArn': awsOperatedRoles(account) },
  };
  if (Object.keys(notEquals).length > 0) conditions.StringNotEqualsIfExists = notEquals;
  if (n.sourceIpRanges?.length) conditions.NotIpAddressIfExists = { 'aws:SourceIp': n.sourceIpRanges };
  return new iam.PolicyStatement({
    sid: GUARDRAIL_SIDS.network,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: NETWORK_PERIMETER_ACTIONS,
    resources: ['*'],
    conditions,
  });
}

/** The ARN of a principal that has one (role, user, account root), for `aws:PrincipalArn`. */
function principalArn(path: string, principal: iam.IPrincipal): string {
  const aws = principal.policyFragment.principalJson.AWS ?? [];
  if (aws.length !== 1 || Object.keys(principal.policyFragment.conditions).length > 0) {
    throw propError(path, 'deletionProtection.breakGlassPrincipals', 'contains a principal without a single IAM ARN',
      principal.toString(), 'IAM roles, users or an account root principal (service principals and conditional principals cannot be named by aws:PrincipalArn)');
  }
  return aws[0];
}

export interface DeletionProtectionContext {
  readonly removalPolicy: RemovalPolicy;
  readonly enabled: boolean;
  readonly rotates: boolean;
}

/** Deny deletion, disabling (and turning rotation off) to all but the break-glass principals. */
export function deletionProtectionStatement(path: string, d: DeletionProtection, k: DeletionProtectionContext): iam.PolicyStatement {
  if (k.removalPolicy !== RemovalPolicy.RETAIN) {
    throw propError(path, 'deletionProtection', `denies kms:ScheduleKeyDeletion, which CloudFormation calls to delete a key with removalPolicy ${k.removalPolicy}`,
      new Described(`removalPolicy ${k.removalPolicy}`), 'removalPolicy RETAIN (the default) with deletionProtection, or no deletionProtection');
  }
  if (!k.enabled) {
    throw propError(path, 'deletionProtection', 'denies kms:DisableKey, which CloudFormation calls to create a key with enabled: false',
      new Described('enabled: false'), 'enabled true (the default) with deletionProtection, or no deletionProtection');
  }
  const arns = (d.breakGlassPrincipals ?? []).map((p) => principalArn(path, p));
  return new iam.PolicyStatement({
    sid: GUARDRAIL_SIDS.deletion,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: [...A.DELETION_PROTECTED_ACTIONS, ...(k.rotates ? A.ROTATION_PROTECTED_ACTIONS : [])],
    resources: ['*'],
    conditions: arns.length > 0 ? { ArnNotEquals: { 'aws:PrincipalArn': arns } } : undefined,
  });
}

/** Deny ScheduleKeyDeletion with a waiting period shorter than `days`, to everyone. */
export function minimumPendingWindowStatement(days: number): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: GUARDRAIL_SIDS.pendingWindow,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:ScheduleKeyDeletion'],
    resources: ['*'],
    conditions: { NumericLessThan: { 'kms:ScheduleKeyDeletionPendingWindowInDays': days } },
  });
}

/** CloudFormation deletes a DESTROY key with its own pendingWindow: it must not be below the minimum. */
export function checkPendingWindowAgainstMinimum(
  path: string, pendingWindowDays: number | undefined, minimumDays: number, removalPolicy: RemovalPolicy,
): void {
  if (removalPolicy === RemovalPolicy.RETAIN || pendingWindowDays === undefined || pendingWindowDays >= minimumDays) return;
  throw new SecureKeyConfigError(`SecureKey ${path}: 'minimumPendingWindow' is ${minimumDays} days but 'pendingWindow' is ${pendingWindowDays} days `
    + `with removalPolicy ${removalPolicy}: CloudFormation would schedule the deletion with ${pendingWindowDays} days and the key policy would deny it. `
    + `Received: pendingWindow ${pendingWindowDays} days. Allowed: a pendingWindow of at least ${minimumDays} days, or removalPolicy RETAIN.`);
}

/** The guardrail options of a SecureKey (the same for its replicas). */
export interface GuardrailSettings {
  readonly organizationPerimeter?: OrganizationPerimeter;
  readonly networkPerimeter?: NetworkPerimeter;
  readonly deletionProtection?: DeletionProtection;
  readonly minimumPendingWindow?: Duration;
}

export interface GuardedKey extends DeletionProtectionContext {
  readonly path: string;
  readonly account: string;
  /** Undefined when the key's pending window is a token. */
  readonly pendingWindowDays?: number;
}

/** Every Deny statement the options ask for, validated against what the stack itself does to the key. */
export function guardrailStatements(g: GuardrailSettings, k: GuardedKey): iam.PolicyStatement[] {
  const statements: iam.PolicyStatement[] = [];
  if (g.organizationPerimeter) statements.push(...organizationPerimeterStatements(k.path, g.organizationPerimeter));
  if (g.networkPerimeter) statements.push(networkPerimeterStatement(k.path, g.networkPerimeter, k.account));
  if (g.deletionProtection) statements.push(deletionProtectionStatement(k.path, g.deletionProtection, k));
  if (g.minimumPendingWindow !== undefined) {
    const days = checkDays(k.path, 'minimumPendingWindow', g.minimumPendingWindow, PENDING_WINDOW_DAYS);
    if (days === undefined) {
      throw propError(k.path, 'minimumPendingWindow', 'is a token', g.minimumPendingWindow.toString(),
        `a whole number of days from ${PENDING_WINDOW_DAYS.min} to ${PENDING_WINDOW_DAYS.max}, known at synth`);
    }
    checkPendingWindowAgainstMinimum(k.path, k.pendingWindowDays, days, k.removalPolicy);
    statements.push(minimumPendingWindowStatement(days));
  }
  return statements;
}

/** The controls the guardrails of a key stand in for, for its compliance evidence. */
export function guardrailComplianceRecords(g: GuardrailSettings): ComplianceRecord[] {
  const record = (framework: string, control: string, on: boolean, setting: string, evidence: string): ComplianceRecord =>
    ({ framework, control, status: on ? 'satisfied' : 'not-applicable', setting, evidence: on ? evidence : `${setting} is not set on this key.` });
  return [
    record('AWS Control Tower', 'CT.KMS.PV.7', g.organizationPerimeter !== undefined, 'organizationPerimeter',
      `The key policy denies every KMS action to principals outside organization ${g.organizationPerimeter?.organizationId} that are not AWS services.`),
    record('AWS data perimeter', 'network perimeter (resource)', g.networkPerimeter !== undefined, 'networkPerimeter',
      'The key policy denies use of the key from outside the named VPC endpoints, VPCs or IP ranges, AWS services exempt.'),
    record('AWS KMS developer guide', 'preventing key deletion', g.deletionProtection !== undefined, 'deletionProtection',
      'The key policy denies ScheduleKeyDeletion and DisableKey to all but the break-glass principals.'),
    record('cdk-nag', 'KeyPolicy-KP13', g.deletionProtection !== undefined, 'deletionProtection',
      'A Deny stops the account\'s administrators from deleting or disabling the key.'),
  ];
}
