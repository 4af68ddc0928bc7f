/**
 * What a key policy allows, judged by its effect rather than its spelling. Three kinds of caller stand
 * outside any access model:
 * - `other-account`: a principal of an account the policy never names, with `kms:*` in its own IAM policy;
 * - `account-iam`: a principal of the key's own account that the policy does not name, with `kms:*` in
 *   its IAM policy (what "the account root" means in a key policy);
 * - `service`: an AWS service principal named in the policy, acting for a resource of another account
 *   (confused deputy).
 * `findExposures` returns, per statement, each outsider that statement lets in, with a witness request.
 * One use by the key's own account is not an exposure: use only through an AWS service the statement
 * names exactly (`kms:ViaService` without wildcards), by principals of the key's account. The service
 * then decides: it uses the key only for its own resources (a Secrets Manager secret, a DynamoDB table)
 * and only for callers its own permissions let in, so the account's IAM cannot turn it into direct
 * Encrypt/Decrypt of arbitrary data. It is how aws-cdk-lib grants a Secret or an integrated service.
 *
 * `CreateGrant` without `kms:GrantIsForAWSResource` counts as use: the grantee of a grant may be anyone,
 * the caller included.
 */
import * as A from '../../actions';
import { coversAction, principalMatch } from './authorize';
import { Caller, Condition, PrincipalEntry, Statement } from './model';
import { Candidate, findWitness, Subject, unnamedAccount, Witness } from './witness';

export type OutsiderKind = 'other-account' | 'account-iam' | 'service';

/** A statement that lets an outsider in, with a request that proves it. */
export interface Exposure {
  readonly statement: Statement;
  readonly outsider: OutsiderKind;
  /** For `service`: the service principal. */
  readonly service?: string;
  /** The actions the outsider gets (use actions for `account-iam`). */
  readonly actions: string[];
  /** The proving request's condition values, e.g. `kms:CallerAccount=999999999999`; empty when none are needed. */
  readonly witness: string[];
  /** For `account-iam`: whether the principal needs nothing in its IAM policy (the statement names it through `*`). */
  readonly withoutIam: boolean;
}

export interface AnalysisOptions {
  /** The key's account: a 12-digit ID, or `${AWS::AccountId}` when it is known only at deploy time. */
  readonly account: string;
}

/** Actions that use key material, and CreateGrant (use unless only for AWS resources). */
const USE = [...A.USE_ACTIONS, ...A.CREATE_GRANT_ACTIONS];
const ANY = [...A.ALL_KEY_ACTIONS];

function allConditions(policy: readonly Statement[]): Condition[] {
  return policy.flatMap((s) => s.conditions);
}

function fixed(entries: Array<[string, Candidate[]]>): Map<string, Candidate[]> {
  return new Map(entries);
}

/** The subjects that stand for each outsider kind. */
export function outsiders(policy: readonly Statement[], o: AnalysisOptions): Array<{ kind: OutsiderKind; service?: string; subject: Subject }> {
  const outside = unnamedAccount(JSON.stringify(policy.map((s) => s.json)));
  const base = { keyAccount: o.account, outsiderAccount: outside };
  const ownedByOther = (k: string) => k === 'aws:sourcearn' || k.startsWith('kms:encryptioncontext:');
  const otherOrg = [undefined, ['o-outsider']] as Candidate[];
  const out: Array<{ kind: OutsiderKind; service?: string; subject: Subject }> = [
    {
      kind: 'other-account',
      subject: {
        ...base,
        caller: { arn: `arn:aws:iam::${outside}:role/outsider`, account: outside, iamStatements: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] },
        fixed: fixed([
          ['kms:calleraccount', [[outside]]], ['aws:principalaccount', [[outside]]], ['aws:principalarn', [[`arn:aws:iam::${outside}:role/outsider`]]],
          ['aws:principalorgid', otherOrg], ['aws:principalorgpaths', [undefined, ['o-outsider/r-out/ou-out/']]],
          ['aws:sourceaccount', [undefined, [outside]]], ['aws:sourceorgid', otherOrg], ['aws:resourceaccount', [[o.account]]],
        ]),
        ownedByOther: (k) => k === 'aws:sourcearn',
      },
    },
    {
      kind: 'account-iam',
      subject: {
        ...base,
        caller: { arn: `arn:aws:iam::${o.account}:role/not-in-the-key-policy`, account: o.account, iamStatements: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] },
        fixed: fixed([
          ['kms:calleraccount', [[o.account]]], ['aws:principalaccount', [[o.account]]],
          ['aws:principalarn', [[`arn:aws:iam::${o.account}:role/not-in-the-key-policy`]]], ['aws:resourceaccount', [[o.account]]],
        ]),
      },
    },
  ];
  const services = new Set(policy.flatMap((s) => (s.principals?.entries ?? []).flatMap((e: PrincipalEntry) => (e.type === 'service' ? [e.service] : []))));
  for (const service of services) {
    out.push({
      kind: 'service',
      service,
      subject: {
        ...base,
        caller: { service, account: outside },
        fixed: fixed([
          ['kms:calleraccount', [undefined, [outside]]], ['aws:sourceaccount', [undefined, [outside]]], ['aws:sourceorgid', otherOrg],
          ['aws:principalaccount', [undefined]], ['aws:principalarn', [undefined]], ['aws:principalorgid', [undefined]], ['aws:resourceaccount', [[o.account]]],
        ]),
        ownedByOther,
      },
    });
  }
  return out;
}

/** `key=value` lines of a witness, for messages. */
function describe(w: Witness): string[] {
  return [...w.context.entries()].filter(([k]) => !['aws:resourceaccount', 'aws:principalarn'].includes(k))
    .map(([k, v]) => `${k}=${v.length === 1 ? v[0] : `[${v.join(', ')}]`}`);
}

/** Whether an account-iam witness is use only through a service the statement names exactly. */
function viaNamedService(s: Statement, w: Witness): boolean {
  const via = w.context.get('kms:viaservice');
  if (!via || via.length !== 1) return false;
  return s.conditions.some((c) => c.key === 'kms:viaservice' && !c.negated && c.base !== 'Null' && c.values.includes(via[0]) && !/[*?]/.test(via[0]));
}

/** Whether a CreateGrant witness is only for AWS resources. */
function grantForResource(action: string, w: Witness): boolean {
  return /creategrant$/i.test(action) && w.context.get('kms:grantisforawsresource')?.[0]?.toLowerCase() === 'true';
}

/** Every statement that lets an outsider in, with the actions and a proving request. */
export function findExposures(policy: readonly Statement[], o: AnalysisOptions): Exposure[] {
  const denies = policy.filter((s) => s.effect === 'Deny');
  const conds = allConditions(policy);
  const out: Exposure[] = [];
  for (const { kind, service, subject } of outsiders(policy, o)) {
    for (const s of policy) {
      if (s.effect !== 'Allow' || principalMatch(s, subject.caller) === 'none') continue;
      const candidates = kind === 'account-iam' ? USE : ANY;
      const actions: string[] = [];
      let first: Witness | undefined;
      for (const action of candidates) {
        if (!coversAction(s, action)) continue;
        const w = findWitness(s, subject, action, denies, conds);
        if (!w) continue;
        if (kind === 'account-iam' && (viaNamedService(s, w) || grantForResource(action, w))) continue;
        actions.push(action);
        first ??= w;
      }
      if (actions.length === 0 || !first) continue;
      out.push({
        statement: s, outsider: kind, ...(service ? { service } : {}), actions, witness: describe(first),
        withoutIam: kind === 'account-iam' && principalMatch(s, subject.caller) === 'direct',
      });
    }
  }
  return out;
}

/** A named subject: a principal ARN or an account root of the policy. */
export interface NamedPrincipal {
  /** As the policy writes it (`${Admin.Arn}`, `arn:aws:iam::111111111111:root`). */
  readonly principal: string;
  readonly entry: PrincipalEntry;
}

/** The IAM principals and accounts a policy names in its Allow statements. */
export function namedPrincipals(policy: readonly Statement[]): NamedPrincipal[] {
  const seen = new Map<string, NamedPrincipal>();
  for (const s of policy) {
    if (s.effect !== 'Allow' || !s.principals || s.principals.not) continue;
    for (const e of s.principals.entries) {
      const key = e.type === 'arn' ? e.arn : e.type === 'account' ? `account:${e.account}` : undefined;
      if (key !== undefined && !seen.has(key)) seen.set(key, { principal: e.type === 'arn' ? e.arn : (e as { written: string }).written, entry: e });
    }
  }
  return [...seen.values()];
}

function subjectOf(p: NamedPrincipal, policy: readonly Statement[], o: AnalysisOptions): Subject {
  const outside = unnamedAccount(JSON.stringify(policy.map((s) => s.json)));
  if (p.entry.type === 'account') {
    // The account's IAM principals: a role of it with kms:* in IAM.
    const arn = `arn:aws:iam::${p.entry.account}:role/not-in-the-key-policy`;
    const caller: Caller = { arn, account: p.entry.account, iamStatements: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };
    return { caller, keyAccount: o.account, outsiderAccount: outside, fixed: fixed([['kms:calleraccount', [[p.entry.account]]], ['aws:principalaccount', [[p.entry.account]]], ['aws:principalarn', [[arn]]]]) };
  }
  const arn = (p.entry as { arn: string }).arn;
  const account = (p.entry as { account?: string }).account ?? o.account;
  return {
    caller: { arn, account, iamStatements: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] },
    keyAccount: o.account,
    outsiderAccount: outside,
    fixed: fixed([['kms:calleraccount', [[account]]], ['aws:principalaccount', [[account]]], ['aws:principalarn', [[arn]]]]),
  };
}

/** The actions of `actions` some Allow statement gives the principal, under conditions it can meet, with no Deny in the way. */
export function allowedActions(policy: readonly Statement[], p: NamedPrincipal, actions: readonly string[], o: AnalysisOptions,
  counts: (s: Statement, action: string, w: Witness) => boolean = () => true): string[] {
  const subject = subjectOf(p, policy, o);
  const denies = policy.filter((s) => s.effect === 'Deny');
  const conds = allConditions(policy);
  // A named IAM principal is judged by the statements that name it (or `*`): what its account's statements
  // allow it depends on IAM policies the key policy does not hold.
  const named = p.entry.type === 'arn';
  return actions.filter((action) => policy.some((s) => {
    if (named && principalMatch(s, subject.caller) !== 'direct') return false;
    const w = findWitness(s, subject, action, denies, conds);
    return w !== undefined && counts(s, action, w);
  }));
}

export interface ManageAndUse {
  readonly principal: string;
  readonly manages: string[];
  readonly uses: string[];
}

/**
 * Principals that can both manage the key and use it. Use counts CreateGrant unless only for AWS resources
 * (or `grantsAreAdministration`, when administrators were given CreateGrant on purpose); for an account,
 * use only through a service the statement names is not counted.
 */
export function findManageAndUse(policy: readonly Statement[], o: AnalysisOptions & { readonly grantsAreAdministration?: boolean }): ManageAndUse[] {
  const use = o.grantsAreAdministration ? A.USE_ACTIONS : USE;
  return namedPrincipals(policy).flatMap((p) => {
    const manages = allowedActions(policy, p, A.MANAGE_ACTIONS, o);
    if (manages.length === 0) return [];
    const uses = allowedActions(policy, p, use, o, (s, action, w) =>
      !grantForResource(action, w) && !(p.entry.type === 'account' && viaNamedService(s, w)));
    return uses.length > 0 ? [{ principal: p.principal, manages, uses }] : [];
  });
}

/**
 * The named AWS principals (IAM principals or accounts, never `*` or a service) that an unconditional Allow
 * lets call PutKeyPolicy, with no Deny (`NotPrincipal` Denies included) in the way.
 */
export function policyUpdaters(policy: readonly Statement[], o: AnalysisOptions): string[] {
  // Only an Allow without conditions counts (whether a principal meets a condition such as MFA at deploy
  // time is unknown); a conditional Deny counts only where no request escapes it.
  return namedPrincipals(policy)
    .filter((p) => allowedActions(policy, p, [A.PUT_KEY_POLICY_ACTION], o, (s) => s.conditions.length === 0).length > 0)
    .map((p) => p.principal);
}

/** Allow statements written with NotAction or NotPrincipal: they allow everything (everyone) they do not list. */
export function findNegatedAllows(policy: readonly Statement[]): Array<{ statement: Statement; element: 'NotAction' | 'NotPrincipal' }> {
  return policy.flatMap((s) => {
    if (s.effect !== 'Allow') return [];
    const out: Array<{ statement: Statement; element: 'NotAction' | 'NotPrincipal' }> = [];
    if (s.actions.not) out.push({ statement: s, element: 'NotAction' });
    if (s.principals?.not) out.push({ statement: s, element: 'NotPrincipal' });
    return out;
  });
}

/** A statement that lets principals other than AWS services create grants that are not only for AWS resources. */
export interface UnrestrictedGrant {
  readonly statement: Statement;
  /** The principals, as the policy writes them (`*` for anyone). */
  readonly principals: string[];
}

/**
 * Statements that let a principal create grants for any grantee (CreateGrant without
 * `kms:GrantIsForAWSResource`, however the condition is spelled), except the key's own account using the
 * key only through a service the statement names exactly.
 */
export function findUnrestrictedGrants(policy: readonly Statement[], o: AnalysisOptions): UnrestrictedGrant[] {
  const action = A.CREATE_GRANT_ACTIONS[0];
  const denies = policy.filter((s) => s.effect === 'Deny');
  const conds = allConditions(policy);
  const subjects: Array<{ principal: string; account: boolean; subject: Subject }> = [
    ...namedPrincipals(policy).map((p) => ({ principal: p.principal, account: p.entry.type === 'account', subject: subjectOf(p, policy, o) })),
    ...outsiders(policy, o).filter((x) => x.kind === 'other-account').map((x) => ({ principal: '*', account: false, subject: x.subject })),
  ];
  return policy.flatMap((s) => {
    if (s.effect !== 'Allow' || !coversAction(s, action)) return [];
    const principals = subjects.filter(({ account, subject }) => {
      if (!account && principalMatch(s, subject.caller) !== 'direct') return false;
      const w = findWitness(s, subject, action, denies, conds);
      return w !== undefined && !grantForResource(action, w) && !(account && viaNamedService(s, w));
    }).map((x) => x.principal);
    return principals.length > 0 ? [{ statement: s, principals }] : [];
  });
}

/** Allow statements that give an account (root ARN or bare ID, however written) every KMS action of the key with no condition. */
export function findFullAccountAccess(policy: readonly Statement[]): Array<{ statement: Statement; accounts: string[] }> {
  return policy.flatMap((s) => {
    if (s.effect !== 'Allow' || s.conditions.length > 0 || !s.principals || s.principals.not) return [];
    const accounts = s.principals.entries.flatMap((e) => (e.type === 'account' ? [e.written] : []));
    if (accounts.length === 0 || !ANY.every((a) => coversAction(s, a))) return [];
    return [{ statement: s, accounts }];
  });
}
