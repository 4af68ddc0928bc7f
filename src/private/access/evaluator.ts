/**
 * A small, honest evaluator of KMS authorization over a key policy and IAM policies (plain JSON, with
 * intrinsics already resolved). KMS rules it follows:
 * - an explicit Deny in the key policy or the principal's IAM policy wins;
 * - a request is allowed when the key policy allows the principal directly, or when the key policy
 *   allows the principal's account (its root ARN or account ID) AND the principal's IAM policy allows it;
 * - otherwise it is denied.
 * It supports the condition operators SecureKey writes (String*, Arn*, Bool, Null, ForAllValues:,
 * ForAnyValue:, ...IfExists) and throws on anything else (NotAction, NotPrincipal, unknown operators),
 * rather than guess. Tests use it to prove what a policy allows for concrete requests; the access report
 * (report.ts) shows what a policy allows symbolically.
 */

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
}

export type Decision = 'allowed' | 'denied';

function arr<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'i' : '');
  return re.test(value);
}

function actionMatches(s: Statement, action: string): boolean {
  if (s.NotAction !== undefined) throw new Error('evaluator: NotAction is not supported');
  return arr(s.Action).some((a) => globMatch(a, action, true));
}

type PrincipalMatch = 'direct' | 'account' | 'none';

function principalMatch(s: Statement, caller: Caller): PrincipalMatch {
  if (s.NotPrincipal !== undefined) throw new Error('evaluator: NotPrincipal is not supported');
  const p = s.Principal;
  if (p === '*') return 'direct';
  if (!p || typeof p !== 'object') return 'none';
  const obj = p as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (k !== 'AWS' && k !== 'Service') throw new Error(`evaluator: principal type ${k} is not supported`);
  }
  if (caller.service !== undefined) {
    return arr(obj.Service as string | string[]).includes(caller.service) ? 'direct' : 'none';
  }
  let result: PrincipalMatch = 'none';
  for (const a of arr(obj.AWS as string | string[])) {
    if (a === '*') return 'direct';
    if (caller.arn !== undefined && a === caller.arn) return 'direct';
    if (a === caller.account || new RegExp(`^arn:[^:]+:iam::${caller.account}:root$`).test(a)) result = 'account';
  }
  // The root user is the account: a statement naming the root ARN allows it directly too.
  if (result === 'account' && caller.arn !== undefined && /:root$/.test(caller.arn)) return 'direct';
  return result;
}

function contextOf(caller: Caller, req: KmsRequest): Record<string, string[] | undefined> {
  const ctx: Record<string, string[] | undefined> = {
    'kms:calleraccount': [caller.account],
    'aws:principalaccount': caller.service ? undefined : [caller.account],
    'aws:principalarn': caller.arn ? [caller.arn] : undefined,
    'kms:viaservice': req.viaService ? [req.viaService] : undefined,
    'kms:grantisforawsresource': req.grantIsForAwsResource !== undefined ? [String(req.grantIsForAwsResource)] : undefined,
    'aws:sourcearn': req.sourceArn ? [req.sourceArn] : undefined,
    'aws:sourceaccount': req.sourceAccount ? [req.sourceAccount] : undefined,
    'kms:encryptioncontextkeys': req.encryptionContext ? Object.keys(req.encryptionContext) : undefined,
  };
  for (const [k, v] of Object.entries(req.encryptionContext ?? {})) ctx[`kms:encryptioncontext:${k.toLowerCase()}`] = [v];
  return ctx;
}

function valueMatches(op: string, policyValue: string, value: string): boolean {
  switch (op) {
    case 'StringEquals': return policyValue === value;
    case 'StringEqualsIgnoreCase': return policyValue.toLowerCase() === value.toLowerCase();
    case 'StringLike': return globMatch(policyValue, value, false);
    case 'ArnEquals': case 'ArnLike': return globMatch(policyValue, value, false);
    case 'Bool': return policyValue.toLowerCase() === value.toLowerCase();
    default: throw new Error(`evaluator: condition operator ${op} is not supported`);
  }
}

function conditionsHold(s: Statement, ctx: Record<string, string[] | undefined>): boolean {
  for (const [rawOp, block] of Object.entries(s.Condition ?? {})) {
    let op = rawOp;
    let set: 'all' | 'any' | undefined;
    if (op.startsWith('ForAllValues:')) { set = 'all'; op = op.slice(13); }
    if (op.startsWith('ForAnyValue:')) { set = 'any'; op = op.slice(12); }
    const ifExists = op.endsWith('IfExists');
    if (ifExists) op = op.slice(0, -8);
    const negated = op.includes('Not');
    const base = op.replace('Not', '');
    for (const [key, raw] of Object.entries(block)) {
      const policyValues = arr(raw as string | string[]).map(String);
      const values = ctx[key.toLowerCase()];
      if (op === 'Null') {
        const wantAbsent = policyValues[0] === 'true';
        if ((values === undefined) !== wantAbsent) return false;
        continue;
      }
      const one = (v: string) => policyValues.some((pv) => valueMatches(base, pv, v));
      let ok: boolean;
      if (set === 'all') ok = (values ?? []).every(one);
      else if (set === 'any') ok = (values ?? []).some(one);
      else if (values === undefined) ok = ifExists || negated;
      else ok = negated ? !values.some(one) : values.some(one);
      if (!ok) return false;
    }
  }
  return true;
}

function resourceMatches(s: Statement, keyArn: string): boolean {
  return arr(s.Resource).some((r) => globMatch(r, keyArn, false));
}

/** Decides one KMS request by one caller against a key policy (and the caller's IAM policy). */
export function authorize(keyPolicy: PolicyJson, keyArn: string, caller: Caller, req: KmsRequest): Decision {
  const ctx = contextOf(caller, req);
  const keyApplies = keyPolicy.Statement
    .map((s) => ({ s, m: principalMatch(s, caller) }))
    .filter(({ s, m }) => m !== 'none' && actionMatches(s, req.action) && conditionsHold(s, ctx));
  const iamApplies = caller.service ? [] : caller.iamStatements
    .filter((s) => actionMatches(s, req.action) && resourceMatches(s, keyArn) && conditionsHold(s, ctx));

  if (keyApplies.some(({ s }) => s.Effect === 'Deny') || iamApplies.some((s) => s.Effect === 'Deny')) return 'denied';
  if (keyApplies.some(({ s, m }) => s.Effect === 'Allow' && m === 'direct')) return 'allowed';
  if (keyApplies.some(({ s, m }) => s.Effect === 'Allow' && m === 'account') && iamApplies.some((s) => s.Effect === 'Allow')) {
    return 'allowed';
  }
  return 'denied';
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
