/**
 * `cdk-secure-key can`: can this principal do this action on this key, with this context? Loads a
 * synthesized cloud assembly into LocalKms (its keys, key policies, roles and users), asks the same
 * authorization LocalKms applies to its calls, and prints the decision with the deciding statements.
 * Exits 0 when allowed and 7 (EXIT.DENIED) when denied, so a pipeline can assert both.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { contextPairs, flag, parse, required, str, type OptionSpec } from './args';
import { CliError, EXIT, UsageError } from './errors';
import { ConfigurationError } from '../lambda/core/errors';
import { LocalKms, type KmsAuthorizationDecision } from '../lambda/providers/local-kms';

const OPTIONS: OptionSpec = {
  'principal': { type: 'string', short: 'p' },
  'action': { type: 'string', short: 'a' },
  'key': { type: 'string', short: 'k' },
  'context': { type: 'string', short: 'c', multiple: true },
  'via-service': { type: 'string' },
  'source-arn': { type: 'string' },
  'source-account': { type: 'string' },
  'organization-id': { type: 'string' },
  'json': { type: 'boolean' },
};

/** What `can` prints with --json. */
export interface CanAnswer {
  readonly allowed: boolean;
  readonly decision: KmsAuthorizationDecision['decision'];
  readonly principal: string;
  readonly action: string;
  readonly key: string;
  readonly allowedBy: KmsAuthorizationDecision['allowedBy'];
  readonly deniedBy: KmsAuthorizationDecision['deniedBy'];
  readonly grantId?: string;
  readonly reason: string;
}

/** `s3` -> `s3.<region>.amazonaws.com`; a full endpoint name is kept. */
function viaServiceName(value: string | undefined, region: string): string | undefined {
  if (value === undefined) return undefined;
  return value.includes('.') ? value : `${value}.${region}.amazonaws.com`;
}

/** Answers one question against a cloud assembly directory. */
export function canAnswer(dir: string, q: {
  principal: string;
  action: string;
  key: string;
  encryptionContext?: Record<string, string>;
  viaService?: string;
  sourceArn?: string;
  sourceAccount?: string;
  /** The organization the app's principals belong to (`aws:PrincipalOrgID`). */
  organizationId?: string;
}): CanAnswer {
  if (!statSync(resolve(dir), { throwIfNoEntry: false })?.isDirectory()) {
    throw new CliError(EXIT.IO, `cannot read cloud assembly ${dir}: not a directory; synthesize the app first (cdk synth) or name its output directory`);
  }
  let answer: CanAnswer;
  try {
    const loaded = LocalKms.fromCloudAssembly(dir, q.organizationId !== undefined ? { organizationId: q.organizationId } : {});
    const key = loaded.keyOf(q.key);
    const kms = loaded.forRegion(key.region, key.account).as(q.principal, {
      viaService: viaServiceName(q.viaService, key.region), sourceArn: q.sourceArn, sourceAccount: q.sourceAccount,
    });
    const action = q.action.includes(':') ? q.action : `kms:${q.action}`;
    const d = kms.explain({ action, keyId: key.arn, encryptionContext: q.encryptionContext });
    answer = {
      allowed: d.allowed,
      decision: d.decision,
      principal: kms.principal.arn,
      action,
      key: key.arn,
      allowedBy: d.allowedBy,
      deniedBy: d.deniedBy,
      ...(d.grantId ? { grantId: d.grantId } : {}),
      reason: d.reason,
    };
  } catch (err) {
    if (err instanceof ConfigurationError) throw new UsageError(err.message.replace(/^LocalKms: /, ''), 'can');
    throw err;
  }
  return answer;
}

/** The answer as a few lines of text. */
export function canText(a: CanAnswer): string {
  const lines = [`${a.allowed ? 'ALLOWED' : 'DENIED'}: ${a.principal} ${a.allowed ? 'may' : 'may not'} ${a.action} on ${a.key}`];
  const statement = (s: KmsAuthorizationDecision['allowedBy'][number]) =>
    `  ${s.policy === 'key' ? 'key policy' : 'IAM policy'} statement ${s.index + 1} (${s.id})`;
  if (a.allowedBy.length > 0) lines.push('allowed by:', ...a.allowedBy.map(statement));
  if (a.grantId) lines.push(`allowed by grant ${a.grantId}`);
  if (a.deniedBy.length > 0) lines.push('denied by:', ...a.deniedBy.map(statement));
  const reason = a.reason.startsWith(`${a.principal}: `) ? a.reason.slice(a.principal.length + 2) : a.reason;
  if (!a.allowed && a.deniedBy.length === 0) lines.push(`no statement allows it: ${reason}`);
  return lines.join('\n');
}

export async function canCommand(argv: readonly string[], help: (topic: string) => number): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, 'can', 1);
  if (flag(values, 'help')) return help('can');
  const answer = canAnswer(positionals[0] ?? 'cdk.out', {
    principal: required(values, 'principal', 'can'),
    action: required(values, 'action', 'can'),
    key: required(values, 'key', 'can'),
    encryptionContext: contextPairs(values, 'can'),
    viaService: str(values, 'via-service'),
    sourceArn: str(values, 'source-arn'),
    sourceAccount: str(values, 'source-account'),
    organizationId: str(values, 'organization-id'),
  });
  process.stdout.write(`${flag(values, 'json') ? JSON.stringify(answer, null, 2) : canText(answer)}\n`);
  return answer.allowed ? EXIT.OK : EXIT.DENIED;
}
