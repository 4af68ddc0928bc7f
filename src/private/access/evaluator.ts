/**
 * Table helpers over the policy engine (src/private/policy/engine): the README's who-can-do-what table
 * and the tests ask `authorize` for concrete requests by labelled callers. The decisions are the
 * engine's; this file only adapts labels and tables.
 */
import { decide, decideParsed, parsePolicy, Request, Statement as ParsedStatement } from '../policy/engine';

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyJson {
  readonly Statement: Statement[];
}

export interface Caller {
  /** What the table calls this principal. */
  readonly label: string;
  /** IAM ARN of the principal (role, user or the account root); absent for a service principal. */
  readonly arn?: string;
  /** Service principal name (`logs.us-east-1.amazonaws.com`). */
  readonly service?: string;
  readonly account: string;
  /** IAM statements attached to the principal (identity policies). */
  readonly iamStatements: Statement[];
}

export interface KmsRequest {
  readonly action: string;
  readonly viaService?: string;
  readonly encryptionContext?: Record<string, string>;
  readonly grantIsForAwsResource?: boolean;
  readonly sourceArn?: string;
  readonly sourceAccount?: string;
  /** Other condition keys, e.g. `aws:PrincipalOrgID`. */
  readonly context?: Record<string, string | string[]>;
}

export type Decision = 'allowed' | 'denied';

function arr<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The account of a KMS key ARN (`arn:aws:kms:<region>:<account>:key/...`). */
function accountOfKeyArn(keyArn: string): string {
  return keyArn.split(':')[4] ?? '';
}

/** Decides one KMS request by one caller against a key policy (and the caller's IAM policy). */
export function authorize(keyPolicy: PolicyJson, keyArn: string, caller: Caller, req: KmsRequest): Decision {
  return authorizeParsed(parseKeyPolicy(keyPolicy), keyArn, caller, req);
}

/** A key policy parsed once, for `authorizeParsed`. */
export function parseKeyPolicy(keyPolicy: PolicyJson | Statement[]): readonly ParsedStatement[] {
  return parsePolicy(keyPolicy);
}

/**
 * `authorize` over a key policy parsed once (`parseKeyPolicy`), for many requests against one policy; with
 * `iamStatements`, the caller's IAM statements parsed once too (`parseKeyPolicy(caller.iamStatements)`).
 */
export function authorizeParsed(keyPolicy: readonly ParsedStatement[], keyArn: string, caller: Caller, req: KmsRequest,
  iamStatements?: readonly ParsedStatement[]): Decision {
  const request: Request = {
    caller: caller.service !== undefined
      ? { service: caller.service, account: caller.account }
      : { arn: caller.arn, account: caller.account, iamStatements: caller.iamStatements },
    action: req.action,
    keyArn,
    keyAccount: accountOfKeyArn(keyArn),
    encryptionContext: req.encryptionContext,
    viaService: req.viaService,
    grantIsForAwsResource: req.grantIsForAwsResource,
    sourceArn: req.sourceArn,
    sourceAccount: req.sourceAccount,
    // AWS sets aws:PrincipalIsAWSService on every request.
    context: { 'aws:PrincipalIsAWSService': String(caller.service !== undefined), ...req.context },
  };
  const d = iamStatements === undefined || caller.service !== undefined
    ? decide(keyPolicy, request)
    : decideParsed(keyPolicy, iamStatements, request);
  return d.allowed ? 'allowed' : 'denied';
}

/** IAM statements attached to a role in a (resolved) template: its inline and AWS::IAM::Policy documents. */
type TemplateJson = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

export function iamStatementsOfRole(template: TemplateJson, roleLogicalId: string): Statement[] {
  const out: Statement[] = [];
  for (const r of Object.values(template.Resources)) {
    const props = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      if (arr(props.Roles as string[]).includes(roleLogicalId)) out.push(...(props.PolicyDocument as PolicyJson).Statement);
    }
  }
  const role = template.Resources[roleLogicalId];
  for (const p of arr((role?.Properties?.Policies ?? []) as Array<{ PolicyDocument: PolicyJson }>)) out.push(...p.PolicyDocument.Statement);
  return out;
}

export interface AccessTableOptions {
  readonly keyPolicy: PolicyJson;
  readonly keyArn: string;
  readonly callers: Caller[];
  readonly requests: Array<{ label: string; request: KmsRequest }>;
}

/** A markdown table: one row per request, one column per caller, `yes`/`no` cells. */
export function accessTable(o: AccessTableOptions): string {
  const header = `| Action | ${o.callers.map((c) => c.label).join(' | ')} |`;
  const sep = `| --- | ${o.callers.map(() => ':---:').join(' | ')} |`;
  const rows = o.requests.map(({ label, request }) =>
    `| ${label} | ${o.callers.map((c) => (authorize(o.keyPolicy, o.keyArn, c, request) === 'allowed' ? 'yes' : 'no')).join(' | ')} |`);
  return [header, sep, ...rows].join('\n');
}
