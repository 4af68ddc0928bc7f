/**
 * Template analysis for tools without a CDK App (the CLI): every KMS key of a synthesized
 * CloudFormation template with its access report and findings, and the findings of every IAM policy.
 * Pure: takes the parsed template, returns data. Intrinsics are shown symbolically (`${AppRole.Arn}`).
 */
import { KEY_TYPES, keyPolicyStatements, KeyPolicyRule } from '../../checks/rule';
import { KEY_POLICY_RULES } from '../../checks/rules';
import { accessReport, accessReportMarkdown, AccessReportJson, KnownPrincipal } from '../access/report';
import { accountOfRoot, asArray, normalize, principalsOf, ResourceJson, StatementJson, statementsOf } from '../policy/json';

export interface Finding {
  /** `KeyPolicy-KP1` ... */
  readonly ruleId: string;
  readonly level: 'error' | 'warning';
  /** Logical ID of the resource. */
  readonly resource: string;
  readonly message: string;
  /** `aws:cdk:path` of the resource, when the template has it. */
  readonly constructPath?: string;
}

export interface KeyAnalysis {
  readonly logicalId: string;
  readonly constructPath?: string;
  readonly markdown: string;
  readonly report: AccessReportJson;
  readonly findings: Finding[];
}

export interface TemplateAnalysis {
  readonly keys: KeyAnalysis[];
  /** Findings for every KMS key and every IAM policy of the template. */
  readonly findings: Finding[];
}

export interface AnalyzeOptions {
  /** Only used to name the stack in messages. */
  readonly stackName?: string;
  /**
   * The stack's account. Default: the only account whose root the key policies name, when that is a
   * literal ID and `${AWS::AccountId}` does not appear; otherwise `${AWS::AccountId}`.
   */
  readonly account?: string;
  /** Labels for the rows of IAM principals, by logical ID (default: `aws:cdk:path`, else the logical ID). */
  readonly labels?: Record<string, string>;
}

export const RULE_ID_PREFIX = 'KeyPolicy';

export function ruleId(rule: KeyPolicyRule): string {
  return `${RULE_ID_PREFIX}-${rule.code}`;
}

/** Resources of a template, normalized. Throws a TypeError naming what is wrong when it is not a template. */
export function templateResources(template: unknown): ResourceJson[] {
  if (!template || typeof template !== 'object' || Array.isArray(template)) {
    throw new TypeError('analyzeTemplate: expected a CloudFormation template object (parsed JSON with a Resources section).');
  }
  const resources = (template as { Resources?: unknown }).Resources;
  if (resources === undefined) return [];
  if (!resources || typeof resources !== 'object' || Array.isArray(resources)) {
    throw new TypeError('analyzeTemplate: the template\'s Resources must be an object of logical ID to resource.');
  }
  return Object.entries(resources as Record<string, unknown>).flatMap(([logicalId, raw]) => {
    if (!raw || typeof raw !== 'object') return [];
    const r = raw as { Type?: unknown; Properties?: unknown; Metadata?: Record<string, unknown> };
    if (typeof r.Type !== 'string') return [];
    const path = r.Metadata?.['aws:cdk:path'];
    return [{
      logicalId,
      type: r.Type,
      properties: (normalize(r.Properties ?? {}) ?? {}) as Record<string, unknown>,
      constructPath: typeof path === 'string' ? path : undefined,
    }];
  });
}

/** Runs every rule that applies to the resource. */
export function checkResource(resource: ResourceJson): Finding[] {
  return KEY_POLICY_RULES.filter((rule) => rule.resourceTypes.includes(resource.type)).flatMap((rule) =>
    rule.check(resource).map((f) => ({
      ruleId: ruleId(rule),
      level: rule.level,
      resource: resource.logicalId,
      message: `${rule.info} ${f.detail}.`,
      ...(resource.constructPath ? { constructPath: resource.constructPath } : {}),
    })));
}

const REF = /^\$\{([^.}]+)\}$/;

/** IAM roles and users of the template, with the statements of every policy attached to them. */
export function knownPrincipals(resources: ResourceJson[], labels: Record<string, string> = {}): KnownPrincipal[] {
  const byId = new Map(resources.map((r) => [r.logicalId, r]));
  const statements = new Map<string, StatementJson[]>();
  const add = (id: string, s: StatementJson[]) => statements.set(id, [...(statements.get(id) ?? []), ...s]);
  const refs = (v: unknown) => asArray(v as unknown).map((x) => REF.exec(String(x))?.[1]).filter((x): x is string => x !== undefined);
  const groupsOfUser = new Map<string, string[]>();
  for (const r of resources) {
    const p = r.properties;
    if (r.type === 'AWS::IAM::Role' || r.type === 'AWS::IAM::User' || r.type === 'AWS::IAM::Group') {
      for (const pol of asArray(p.Policies as Array<{ PolicyDocument?: unknown }>)) add(r.logicalId, statementsOf(pol?.PolicyDocument));
      for (const mp of refs(p.ManagedPolicyArns)) {
        if (byId.get(mp)?.type === 'AWS::IAM::ManagedPolicy') add(r.logicalId, statementsOf(byId.get(mp)!.properties.PolicyDocument));
      }
      if (r.type === 'AWS::IAM::User') groupsOfUser.set(r.logicalId, refs(p.Groups));
    }
    if (r.type === 'AWS::IAM::Policy' || r.type === 'AWS::IAM::ManagedPolicy') {
      for (const target of [...refs(p.Roles), ...refs(p.Users), ...refs(p.Groups)]) add(target, statementsOf(p.PolicyDocument));
    }
  }
  return resources.filter((r) => r.type === 'AWS::IAM::Role' || r.type === 'AWS::IAM::User').map((r) => ({
    arn: `\${${r.logicalId}.Arn}`,
    label: labels[r.logicalId] ?? r.constructPath ?? r.logicalId,
    statements: [
      ...(statements.get(r.logicalId) ?? []),
      ...(groupsOfUser.get(r.logicalId) ?? []).flatMap((g) => statements.get(g) ?? []),
    ],
  }));
}

function inferAccount(keys: ResourceJson[]): string {
  const accounts = new Set(keys.flatMap((k) => keyPolicyStatements(k)
    .flatMap((s) => principalsOf(s.Principal).aws.map(accountOfRoot))
    .filter((a): a is string => a !== undefined)));
  const literal = [...accounts].filter((a) => /^\d{12}$/.test(a));
  return literal.length === 1 && accounts.size === 1 ? literal[0] : '${AWS::AccountId}';
}

/** The resource with the stack's account, when it is a literal ID (the rules compare principals with it). */
function withAccount(resource: ResourceJson, account: string): ResourceJson {
  return /^\d{12}$/.test(account) ? { ...resource, account } : resource;
}

/** The access report of one key resource, given the template's resources. */
export function keyReport(key: ResourceJson, resources: ResourceJson[], options: AnalyzeOptions = {}): AccessReportJson {
  return accessReport({
    key: options.labels?.[key.logicalId] ?? key.constructPath ?? key.logicalId,
    keyArn: `\${${key.logicalId}.Arn}`,
    keyPolicy: keyPolicyStatements(key),
    account: options.account ?? inferAccount(resources.filter((r) => (KEY_TYPES as readonly string[]).includes(r.type))),
    knownPrincipals: knownPrincipals(resources, options.labels),
  });
}

/**
 * Analyzes a synthesized CloudFormation template (parsed JSON): for each `AWS::KMS::Key` and
 * `AWS::KMS::ReplicaKey`, its access report (JSON and Markdown) and findings; and the findings of
 * every IAM policy (inline, managed, attached).
 */
export function analyzeTemplate(template: unknown, options: AnalyzeOptions = {}): TemplateAnalysis {
  const resources = templateResources(template);
  const keyResources = resources.filter((r) => (KEY_TYPES as readonly string[]).includes(r.type));
  const account = options.account ?? inferAccount(keyResources);
  const keys = keyResources.map((key): KeyAnalysis => {
    const report = keyReport(key, resources, { ...options, account });
    return {
      logicalId: key.logicalId,
      ...(key.constructPath ? { constructPath: key.constructPath } : {}),
      markdown: accessReportMarkdown(report),
      report,
      findings: checkResource(withAccount(key, account)),
    };
  });
  return { keys, findings: resources.map((r) => withAccount(r, account)).flatMap(checkResource) };
}
