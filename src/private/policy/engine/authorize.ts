/**
 * Concrete decisions: one KMS request against a key policy (and the caller's IAM statements), decided as
 * KMS does:
 * - an explicit Deny in the key policy or the caller's IAM policy wins;
 * - a same-account caller is allowed when the key policy names it (its ARN, `*`, or, for the root user,
 *   its account), or when the key policy names its account (root ARN or bare ID, however written) AND its
 *   IAM policy allows the request;
 * - a caller of another account needs both: the key policy naming it or its account, and its own IAM policy;
 * - a service principal is allowed only by a key policy statement naming it (or `*`);
 * - otherwise the request is implicitly denied.
 * `NotPrincipal`, `NotAction` and `NotResource` have their IAM meaning. A condition with an unknown
 * operator does not hold in an Allow and holds in a Deny (deny when unsure).
 */
import { allConditionsHold, glob } from './conditions';
import { Caller, Decision, DecidingStatement, PrincipalEntry, Request, RequestContext, Statement } from './model';
import { parsePolicy } from './parse';

/** `Decrypt` -> `kms:Decrypt`. */
export function qualifiedAction(action: string): string {
  return action.includes(':') ? action : `kms:${action}`;
}

/** Whether a statement covers an action (action names are case-insensitive; `NotAction` inverts). */
export function coversAction(s: Statement, action: string): boolean {
  const hit = s.actions.patterns.some((p) => glob(p, action, true));
  return s.actions.not ? !hit : hit;
}

/** Whether a statement covers a resource ARN; a statement without Resource covers everything (key policies). */
export function coversResource(s: Statement, arn: string): boolean {
  if (!s.resources) return true;
  const hit = s.resources.patterns.some((p) => glob(p, arn));
  return s.resources.not ? !hit : hit;
}

/** How a principal entry matches a caller: by name (`direct`), through its account (`account`), or not. */
export type PrincipalMatch = 'direct' | 'account' | 'none';

function entryMatch(e: PrincipalEntry, caller: Caller): PrincipalMatch {
  switch (e.type) {
    case 'everyone': return 'direct';
    case 'service': return caller.service !== undefined && caller.service === e.service ? 'direct' : 'none';
    case 'other': return 'none';
    case 'arn': return caller.arn !== undefined && caller.arn === e.arn ? 'direct' : 'none';
    case 'account':
      if (caller.service !== undefined || caller.account !== e.account) return 'none';
      // The root user is the account itself.
      return caller.arn !== undefined && /:root$/.test(caller.arn) ? 'direct' : 'account';
  }
}

/** How a statement's Principal (or NotPrincipal) matches a caller. */
export function principalMatch(s: Statement, caller: Caller): PrincipalMatch {
  if (!s.principals) return 'none';
  const matches = s.principals.entries.map((e) => entryMatch(e, caller));
  if (s.principals.not) {
    // NotPrincipal: everyone except the listed principals; the caller is excluded only when named exactly
    // (or, for the root user, by its account).
    return matches.includes('direct') ? 'none' : 'direct';
  }
  return matches.includes('direct') ? 'direct' : matches.includes('account') ? 'account' : 'none';
}

/** The condition context of a request (lower-case keys), as KMS fills it. */
export function requestContext(req: Request): RequestContext {
  const ctx = new Map<string, string[]>();
  const set = (k: string, v: string | string[] | undefined) => {
    if (v === undefined) return;
    ctx.set(k.toLowerCase(), Array.isArray(v) ? v : [v]);
  };
  const c = req.caller;
  if (c.service === undefined) {
    set('kms:CallerAccount', c.account);
    set('aws:PrincipalAccount', c.account);
    set('aws:PrincipalArn', c.arn);
  }
  set('kms:ViaService', req.viaService);
  set('kms:GrantIsForAWSResource', req.grantIsForAwsResource === undefined ? undefined : String(req.grantIsForAwsResource));
  set('aws:SourceArn', req.sourceArn);
  set('aws:SourceAccount', req.sourceAccount);
  set('aws:ResourceAccount', req.keyAccount);
  if (req.encryptionContext) {
    set('kms:EncryptionContextKeys', Object.keys(req.encryptionContext));
    for (const [k, v] of Object.entries(req.encryptionContext)) set(`kms:EncryptionContext:${k}`, v);
  }
  for (const [k, v] of Object.entries(req.context ?? {})) set(k, v);
  return ctx;
}

function ref(policy: 'key' | 'iam', s: Statement): DecidingStatement {
  return { policy, id: s.id, ...(s.sid !== undefined ? { sid: s.sid } : {}), index: s.index };
}

/**
 * Decides a request against parsed statements. `unknownHolds` forces what a condition with an unknown
 * operator counts as (default: false in an Allow, true in a Deny).
 */
export function decide(keyPolicy: readonly Statement[], req: Request, context: RequestContext = requestContext(req)): Decision {
  return decideParsed(keyPolicy, req.caller.service !== undefined ? [] : parsePolicy(req.caller.iamStatements ?? []), req, context);
}

/**
 * `decide` with the caller's IAM statements parsed once (`parsePolicy(req.caller.iamStatements)`; none for a
 * service), for many requests by one caller.
 */
export function decideParsed(keyPolicy: readonly Statement[], iamStatements: readonly Statement[], req: Request,
  context: RequestContext = requestContext(req)): Decision {
  const action = qualifiedAction(req.action);
  const caller = req.caller;
  const applies = (s: Statement) => coversAction(s, action) && allConditionsHold(s.conditions, context, s.effect === 'Deny');
  const key = keyPolicy
    .filter((s) => coversResource(s, req.keyArn))
    .map((s) => ({ s, m: principalMatch(s, caller) }))
    .filter(({ s, m }) => m !== 'none' && applies(s));
  const iam = caller.service !== undefined ? [] : iamStatements
    .filter((s) => coversResource(s, req.keyArn) && applies(s));
  const deniedBy = [...key.filter(({ s }) => s.effect === 'Deny').map(({ s }) => ref('key', s)), ...iam.filter((s) => s.effect === 'Deny').map((s) => ref('iam', s))];
  const who = caller.arn ?? caller.service ?? 'caller';
  if (deniedBy.length > 0) {
    return { allowed: false, decision: 'explicit-deny', allowedBy: [], deniedBy, reason: `${who}: ${action} explicitly denied by ${deniedBy.map((d) => `${d.policy} policy ${d.id}`).join(', ')}` };
  }
  const keyAllows = key.filter(({ s }) => s.effect === 'Allow');
  const direct = keyAllows.filter(({ m }) => m === 'direct').map(({ s }) => ref('key', s));
  const viaAccount = keyAllows.filter(({ m }) => m === 'account').map(({ s }) => ref('key', s));
  const iamAllows = iam.filter((s) => s.effect === 'Allow').map((s) => ref('iam', s));
  const sameAccount = caller.service !== undefined || caller.account === req.keyAccount;
  let allowedBy: DecidingStatement[] = [];
  if (sameAccount && direct.length > 0) allowedBy = direct;
  else if (iamAllows.length > 0 && (direct.length > 0 || viaAccount.length > 0)) allowedBy = [...direct, ...viaAccount, ...iamAllows];
  if (allowedBy.length > 0) {
    return { allowed: true, decision: 'allowed', allowedBy, deniedBy: [], reason: `${who}: ${action} allowed by ${allowedBy.map((d) => `${d.policy} policy ${d.id}`).join(', ')}` };
  }
  const why = viaAccount.length > 0 || (!sameAccount && direct.length > 0)
    ? 'the key policy lets the account in, but no IAM statement of the caller allows it'
    : 'no key policy statement allows it';
  return { allowed: false, decision: 'implicit-deny', allowedBy: [], deniedBy: [], reason: `${who}: ${action} implicitly denied (${why})` };
}

/** Decides a request against a key policy document (CloudFormation or plain JSON). */
export function authorize(keyPolicy: unknown, req: Request): Decision {
  return decide(parsePolicy(keyPolicy), req);
}
