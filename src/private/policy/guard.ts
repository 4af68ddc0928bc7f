/**
 * SecureKey's synth-time guard over a resolved key policy, judged by the engine (what the policy allows,
 * however it is written). It refuses:
 * - Allow statements with NotAction or NotPrincipal (they allow everything they do not list);
 * - any statement that lets a principal of an unnamed account in, for any action;
 * - any statement that lets IAM principals of the key's own account that it does not name use the key
 *   (Encrypt, Decrypt, data keys, Sign..., or CreateGrant not limited to AWS resources), whatever the
 *   spelling of the account (root ARN, bare ID, intrinsic, `*` pinned to the account), except use only
 *   through an AWS service the statement names exactly;
 * - any statement that lets a service principal act for another account's resources (confused deputy);
 * - a principal that can both administer and use the key;
 * - and (unless bypassed) a policy nobody named could update.
 */
import * as E from './engine';

export interface GuardOptions {
  /** Names the key in messages (`SecureKey App/Key`). */
  readonly subject: string;
  /** The key's account: a 12-digit ID, or `${AWS::AccountId}`. */
  readonly account: string;
  /** Ends the service-principal message with what to call. */
  readonly serviceHint: (services: string[]) => string;
  /** The lockout message; undefined when the lockout guard is bypassed. */
  readonly lockout?: string;
  /** Whether administrators were given CreateGrant on purpose (`administratorsCanCreateGrants`). */
  readonly grantsAreAdministration?: boolean;
  /** Names a principal or service for people (a construct path instead of `${AdminRole1234.Arn}`). */
  readonly name?: (value: string) => string;
}

/** Substitutions that make a resolved policy comparable with the key's account. */
export function substitutionsFor(account: string): E.Substitutions {
  return /^\d{12}$/.test(account) ? { '${AWS::Partition}': 'aws', '${AWS::AccountId}': account } : { '${AWS::Partition}': 'aws' };
}

function describe(s: E.Statement): string {
  return `key policy statement ${s.index} (${s.id})`;
}

function shortList(actions: string[]): string {
  return actions.length <= 4 ? actions.join(', ') : `${actions.slice(0, 4).join(', ')} and ${actions.length - 4} more`;
}

function witnessText(e: E.Exposure): string {
  return e.witness.length > 0 ? `, e.g. with ${e.witness.join(', ')}` : '';
}

/** What the engine found in a policy: determined by the policy, the account and grantsAreAdministration alone. */
interface GuardAnalysis {
  readonly negated: ReturnType<typeof E.findNegatedAllows>;
  readonly exposures: E.Exposure[];
  readonly manageAndUse: E.ManageAndUse[];
  /** Computed on first use (only when the lockout guard applies). */
  updaters?: number;
  readonly statements: E.Statement[];
  readonly account: string;
}

function analyse(policy: unknown, account: string, grantsAreAdministration: boolean | undefined): GuardAnalysis {
  const statements = E.parsePolicy(policy, substitutionsFor(account));
  return {
    statements,
    account,
    negated: E.findNegatedAllows(statements),
    exposures: E.findExposures(statements, { account }),
    manageAndUse: E.findManageAndUse(statements, { account, grantsAreAdministration }),
  };
}

/**
 * The guard's messages, empty when the policy passes. With `memo` (one validation pass's, validation-pass.ts),
 * keys whose resolved policies are equal (same JSON text, same account and grantsAreAdministration) share the
 * engine's analysis; the messages are written per key.
 */
export function keyPolicyGuard(policy: unknown, o: GuardOptions, memo?: Map<string, unknown>): string[] {
  const slot = memo && `key-policy-guard:${o.account}:${Boolean(o.grantsAreAdministration)}:${JSON.stringify(policy)}`;
  let analysis = slot === undefined ? undefined : memo!.get(slot) as GuardAnalysis | undefined;
  if (!analysis) {
    analysis = analyse(policy, o.account, o.grantsAreAdministration);
    if (slot !== undefined) memo!.set(slot, analysis);
  }
  const name = o.name ?? ((v: string) => v);
  const errors: string[] = [];
  for (const n of analysis.negated) {
    const what = n.element === 'NotAction' ? 'every action it does not list (use and CreateGrant included)' : 'every principal it does not list';
    errors.push(`${o.subject}: ${describe(n.statement)} is an Allow with ${n.element}, which allows ${what}. SecureKey refuses ${n.element} in an Allow: name the ${n.element === 'NotAction' ? 'actions' : 'principals'}.`);
  }
  const exposures = analysis.exposures;
  // A wildcard principal open to other accounts lets their services in too: one message says it.
  const open = new Set(exposures.filter((e) => e.outsider === 'other-account').map((e) => e.statement.id));
  for (const e of exposures) {
    if (e.statement.principals?.not) continue; // reported above
    if (e.outsider === 'service' && open.has(e.statement.id)) continue;
    switch (e.outsider) {
      case 'other-account':
        errors.push(`${o.subject}: ${describe(e.statement)} allows a wildcard principal that principals of any account can satisfy (${shortList(e.actions)}${witnessText(e)}). `
          + 'Pin it to an account with StringEquals on kms:CallerAccount or aws:PrincipalAccount (exact values, no IfExists), or name the principals.');
        break;
      case 'account-iam':
        errors.push(`${o.subject}: ${describe(e.statement)} lets IAM principals of the account that the key policy does not name use the key `
          + `(${shortList(e.actions)}${witnessText(e)})${e.withoutIam ? ', with no IAM policy at all' : ' whenever their IAM policy allows it'}: the account's IAM would decide who uses the key. `
          + 'Name the principals (users, grant methods), or limit the statement to AWS services with an exact kms:ViaService (allowAccountUseViaServices). '
          + 'CreateGrant counts as use unless it requires kms:GrantIsForAWSResource.');
        break;
      case 'service':
        errors.push(`${o.subject}: ${describe(e.statement)} allows the service principal ${name(e.service!)} `
          + `without a condition that limits it to your resources, so any AWS customer's resource of that service could use the key (confused deputy${witnessText(e)}). `
          + 'Add an aws:SourceAccount or aws:SourceArn condition (or kms:ViaService, kms:CallerAccount, kms:EncryptionContext:<key>; StringEquals/ArnLike with exact values, no IfExists)'
          + `${o.serviceHint([e.service!])}`);
        break;
    }
  }
  for (const m of analysis.manageAndUse) {
    if (m.principal.endsWith(':root') || /^\d{12}$/.test(m.principal)) continue; // reported as account use above
    errors.push(`${o.subject}: principal ${name(m.principal)} would both administer and use the key (it may call ${shortList(m.uses)}). `
      + 'Administrators cannot use the key and users cannot administer it; use two principals. CreateGrant counts as use (set administratorsCanCreateGrants to give administrators CreateGrant on purpose).');
  }
  if (o.lockout !== undefined) {
    analysis.updaters ??= E.policyUpdaters(analysis.statements, { account: analysis.account }).length;
    if (analysis.updaters === 0) errors.push(`${o.subject}: ${o.lockout}`);
  }
  return errors;
}
