/**
 * The access report: who can do what with one key, from its key policy and the IAM policies of the
 * principals known from the template. Evaluated the way KMS does:
 * - an explicit Deny (key policy or the principal's IAM policy) wins;
 * - a key policy statement naming the principal (or `*`) allows on its own;
 * - a statement naming the principal's account (root) allows only together with the principal's IAM
 *   policy; for "the account's IAM principals" in general the cell says `IAM`;
 * - conditions are shown, never evaluated: a conditional Allow is "if ...", a conditional Deny "unless ...".
 * Statements are parsed by the policy engine (every spelling of an account root is one account; NotPrincipal,
 * NotAction and NotResource have their IAM meaning).
 */
import * as A from '../actions';
import { coversAction, parsePolicy, PrincipalEntry, Statement } from '../policy/engine';
import { conditionClauses, SEGMENT, resourceCoversKey, StatementJson } from '../policy/json';

/** How a principal may perform an operation. */
export type Access = 'allowed' | 'conditional' | 'iam' | 'denied' | 'none' | 'partial';

export type PrincipalKind = 'everyone' | 'account' | 'aws' | 'service' | 'other';

export interface AccessCellJson {
  readonly operation: string;
  readonly access: Access;
  /**
   * For `conditional`/`iam`: alternatives, any one of which allows (`a and b`). For `allowed`: the
   * exceptions (`unless ...`) of conditional Denies. For `partial`: each action's access.
   */
  readonly conditions: string[];
}

export interface AccessRowJson {
  /** The principal as the policy writes it (intrinsics shown as `${...}`). */
  readonly principal: string;
  readonly label: string;
  readonly kind: PrincipalKind;
  readonly cells: AccessCellJson[];
}

export interface OperationJson {
  readonly label: string;
  readonly actions: string[];
}

/** The report as JSON: rows of principals, columns of KMS operations. */
export interface AccessReportJson {
  readonly key: string;
  readonly operations: OperationJson[];
  readonly rows: AccessRowJson[];
}

/** An IAM principal of the key's account known from the template, with its identity-policy statements. */
export interface KnownPrincipal {
  /** As a key policy would name it, e.g. `${AppRole.Arn}`. */
  readonly arn: string;
  readonly label: string;
  readonly statements: StatementJson[];
}

export interface ReportInput {
  /** How the report names the key (construct path or logical ID). */
  readonly key: string;
  /** The key's ARN as IAM policies name it, e.g. `${DataKey.Arn}`. */
  readonly keyArn: string;
  readonly keyPolicy: StatementJson[];
  /** The account the key and the known principals live in (`${AWS::AccountId}` or an ID). */
  readonly account: string;
  readonly knownPrincipals: KnownPrincipal[];
}

/** Columns, in order. `optional` columns appear only when some principal has access to them. */
const OPERATIONS: Array<OperationJson & { optional?: boolean }> = [
  { label: 'Encrypt', actions: ['kms:Encrypt'] },
  { label: 'Decrypt', actions: ['kms:Decrypt'] },
  { label: 'GenerateDataKey', actions: A.GENERATE_DATA_KEY_ACTIONS },
  { label: 'ReEncrypt', actions: ['kms:ReEncryptFrom', 'kms:ReEncryptTo'] },
  { label: 'GenerateDataKeyPair', actions: A.GENERATE_DATA_KEY_PAIR_ACTIONS, optional: true },
  { label: 'Sign / Verify', actions: [...A.SIGN_ACTIONS, ...A.VERIFY_ACTIONS], optional: true },
  { label: 'GenerateMac / VerifyMac', actions: [...A.GENERATE_MAC_ACTIONS, ...A.VERIFY_MAC_ACTIONS], optional: true },
  { label: 'DeriveSharedSecret', actions: A.KEY_AGREEMENT_ACTIONS, optional: true },
  { label: 'GetPublicKey', actions: A.PUBLIC_KEY_ACTIONS, optional: true },
  { label: 'DescribeKey', actions: A.DESCRIBE_ACTIONS },
  { label: 'CreateGrant', actions: A.CREATE_GRANT_ACTIONS },
  { label: 'ListGrants / RevokeGrant', actions: A.GRANT_REVIEW_ACTIONS },
  { label: 'PutKeyPolicy', actions: [A.PUT_KEY_POLICY_ACTION] },
  {
    label: 'Enable / Disable / Rotation / Tags / Aliases',
    actions: [
      'kms:EnableKey', 'kms:DisableKey', 'kms:EnableKeyRotation', 'kms:DisableKeyRotation', 'kms:RotateKeyOnDemand',
      'kms:TagResource', 'kms:UntagResource', 'kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias', 'kms:UpdateKeyDescription',
    ],
  },
  { label: 'ScheduleKeyDeletion', actions: ['kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'] },
];

interface Row {
  readonly principal: string;
  readonly label: string;
  readonly kind: PrincipalKind;
  readonly account?: string;
  /** IAM statements, for principals known from the template; undefined when unknown. */
  readonly statements?: Statement[];
}

/** The report's input with its policies parsed once. */
interface Parsed {
  readonly input: ReportInput;
  readonly keyPolicy: Statement[];
}

/** The account of an IAM ARN (`arn:aws:iam::<account>:role/x`), when it is written out. */
function accountOfArn(arn: string): string | undefined {
  return new RegExp(`^arn:${SEGMENT}:(?:iam|sts)::(${SEGMENT}):`).exec(arn)?.[1];
}

type Match = 'direct' | 'account' | 'none';

function entryMatch(e: PrincipalEntry, row: Row): Match {
  if (e.type === 'everyone') return 'direct';
  switch (row.kind) {
    case 'service': return e.type === 'service' && e.service === row.principal ? 'direct' : 'none';
    case 'other': return e.type === 'other' && e.value === row.principal ? 'direct' : 'none';
    case 'account': return e.type === 'account' && e.account === row.account ? 'account' : 'none';
    case 'aws':
      if (e.type === 'arn' && e.arn === row.principal) return 'direct';
      return e.type === 'account' && row.account !== undefined && e.account === row.account ? 'account' : 'none';
    default: return 'none';
  }
}

function matchPrincipal(s: Statement, row: Row): Match {
  if (!s.principals) return 'none';
  const matches = s.principals.entries.map((e) => entryMatch(e, row));
  if (s.principals.not) return matches.some((m) => m !== 'none') ? 'none' : 'direct';
  return matches.includes('direct') ? 'direct' : matches.includes('account') ? 'account' : 'none';
}

function coversKey(s: Statement, keyArn: string): boolean {
  if (!s.resources) return true;
  const hit = s.resources.patterns.some((r) => resourceCoversKey(r, keyArn));
  return s.resources.not ? !hit : hit;
}

function clauses(s: Statement): string[] {
  return conditionClauses(s.json.Condition as StatementJson['Condition']);
}

interface Decision { readonly access: Access; readonly conditions: string[] }

function decide(p: Parsed, row: Row, action: string): Decision {
  const keyMatches = p.keyPolicy
    .filter((s) => coversAction(s, action))
    .map((s) => ({ s, m: matchPrincipal(s, row) }))
    .filter(({ m }) => m !== 'none');
  const iam = (row.statements ?? []).filter((s) => coversAction(s, action) && coversKey(s, p.input.keyArn));

  const denies = [...keyMatches.filter(({ s }) => s.effect === 'Deny').map(({ s }) => s), ...iam.filter((s) => s.effect === 'Deny')];
  if (denies.some((s) => clauses(s).length === 0)) return { access: 'denied', conditions: [] };
  const unless = denies.map((s) => `unless ${clauses(s).join(' and ')}`);

  const direct = keyMatches.filter(({ s, m }) => s.effect === 'Allow' && m === 'direct').map(({ s }) => clauses(s));
  const viaAccount = keyMatches.filter(({ s, m }) => s.effect === 'Allow' && m === 'account').map(({ s }) => clauses(s));
  let alternatives = direct;
  if (row.kind === 'aws' && row.statements !== undefined && viaAccount.length > 0) {
    // A principal of the account: the key policy's account statement AND its own IAM policy.
    const iamAllows = iam.filter((s) => s.effect === 'Allow').map(clauses);
    for (const k of viaAccount) for (const i of iamAllows) alternatives = [...alternatives, [...new Set([...k, ...i])]];
  }
  const render = (alts: string[][]): string[] => [...new Set(alts.map((c) => c.join(' and ')))].sort();

  if (alternatives.some((c) => c.length === 0)) return { access: unless.length > 0 ? 'conditional' : 'allowed', conditions: unless };
  if (alternatives.length > 0) return { access: 'conditional', conditions: [...render(alternatives), ...unless] };
  // The account's IAM principals in general, or one whose IAM policies are not in the template.
  if ((row.kind === 'account' || row.statements === undefined) && viaAccount.length > 0) {
    const conditional = viaAccount.every((c) => c.length > 0);
    return { access: 'iam', conditions: [...(conditional ? render(viaAccount) : []), ...unless] };
  }
  return { access: 'none', conditions: [] };
}

function cell(p: Parsed, row: Row, op: OperationJson): AccessCellJson {
  const decisions = op.actions.map((a) => ({ action: a, ...decide(p, row, a) }));
  const same = decisions.every((d) => d.access === decisions[0].access && d.conditions.join('\n') === decisions[0].conditions.join('\n'));
  if (same) return { operation: op.label, access: decisions[0].access, conditions: decisions[0].conditions };
  return {
    operation: op.label,
    access: 'partial',
    conditions: decisions.map((d) => `${d.action}: ${d.access}${d.conditions.length > 0 ? ` (${d.conditions.join('; ')})` : ''}`),
  };
}

function rowsOf(p: Parsed): Row[] {
  const input = p.input;
  const everyone: Row[] = [];
  const accounts = new Map<string, Row>();
  const named = new Map<string, Row>();
  const services = new Map<string, Row>();
  const others = new Map<string, Row>();
  const known = new Map(input.knownPrincipals.map((k) => [k.arn, { ...k, parsed: parsePolicy({ Statement: k.statements }) }]));
  for (const s of p.keyPolicy) {
    for (const e of s.principals?.entries ?? []) {
      if (e.type === 'everyone' && everyone.length === 0) everyone.push({ principal: '*', label: 'everyone (`*`)', kind: 'everyone' });
      if (e.type === 'account' && !accounts.has(e.account)) {
        const home = e.account === input.account ? ' (this account)' : '';
        accounts.set(e.account, { principal: e.written, label: `IAM principals of account ${e.account}${home}`, kind: 'account', account: e.account });
      }
      if (e.type === 'arn' && !named.has(e.arn)) {
        const k = known.get(e.arn);
        named.set(e.arn, { principal: e.arn, label: k?.label ?? e.arn, kind: 'aws', account: k ? input.account : accountOfArn(e.arn), statements: k?.parsed });
      }
      if (e.type === 'service' && !services.has(e.service)) services.set(e.service, { principal: e.service, label: e.service, kind: 'service' });
      if (e.type === 'other' && !others.has(e.value)) others.set(e.value, { principal: e.value, label: e.value, kind: 'other' });
    }
  }
  // Principals of the account the key policy does not name, whose IAM policies mention the key.
  if (accounts.has(input.account)) {
    for (const k of known.values()) {
      if (named.has(k.arn)) continue;
      const mentionsKey = k.parsed.some((s) => s.effect === 'Allow' && coversKey(s, input.keyArn)
        && [...A.ALL_KEY_ACTIONS].some((a) => coversAction(s, a)));
      if (mentionsKey) named.set(k.arn, { principal: k.arn, label: k.label, kind: 'aws', account: input.account, statements: k.parsed });
    }
  }
  return [...everyone, ...accounts.values(), ...named.values(), ...services.values(), ...others.values()];
}

/** Builds the report (pure). */
export function accessReport(input: ReportInput): AccessReportJson {
  const parsed: Parsed = { input, keyPolicy: parsePolicy({ Statement: input.keyPolicy }) };
  const rows = rowsOf(parsed);
  const full = rows.map((r) => ({ r, cells: OPERATIONS.map((op) => cell(parsed, r, op)) }));
  const shown = OPERATIONS.map((op, i) => !op.optional || full.some(({ cells }) => cells[i].access !== 'none'));
  return {
    key: input.key,
    operations: OPERATIONS.filter((_, i) => shown[i]).map(({ label, actions }) => ({ label, actions: [...actions] })),
    rows: full.map(({ r, cells }) => ({
      principal: r.principal,
      label: r.label,
      kind: r.kind,
      cells: cells.filter((_, i) => shown[i]),
    })),
  };
}

const MARK: Record<Access, string> = {
  allowed: 'yes', conditional: 'if', iam: 'IAM', denied: 'denied', none: 'no', partial: 'some',
};

/**
 * The report as a Markdown table, principals down, operations across, conditions as numbered notes
 * under the table (so a snapshot reads like a review).
 */
export function accessReportMarkdown(report: AccessReportJson): string {
  const notes: string[] = [];
  const ref = (conditions: string[]): string => {
    if (conditions.length === 0) return '';
    const text = conditions.join('; or ');
    let n = notes.indexOf(text);
    if (n < 0) n = notes.push(text) - 1;
    return ` [${n + 1}]`;
  };
  const esc = (t: string) => t.replace(/\|/g, '\\|');
  const lines = [
    `| Principal | ${report.operations.map((o) => esc(o.label)).join(' | ')} |`,
    `| --- | ${report.operations.map(() => ':---:').join(' | ')} |`,
    ...report.rows.map((r) => `| ${esc(r.label)} | ${r.cells.map((c) => `${MARK[c.access]}${ref(c.conditions)}`).join(' | ')} |`),
  ];
  if (report.rows.length === 0) lines.push(`| (no principal) | ${report.operations.map(() => 'no').join(' | ')} |`);
  const legend = '`yes` allowed; `if [n]` allowed only under the conditions of note n; `IAM` allowed to the principals whose IAM policy allows it; '
    + '`some` only some of the column\'s actions; `denied` explicitly denied; `no` not allowed.';
  return [
    ...lines,
    '',
    legend,
    ...(notes.length > 0 ? ['', ...notes.map((t, i) => `${i + 1}. ${esc(t)}`)] : []),
  ].join('\n');
}
