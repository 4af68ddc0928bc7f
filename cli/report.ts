/**
 * `report <cdk.out>`: for every KMS key of every stack in a synthesized cloud assembly, the access
 * report and the key-policy findings (src/private/analysis/template.ts), as Markdown or JSON. Exits
 * EXIT.FINDINGS when any finding is an error, so a pipeline can gate on it.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { flag, parse, type OptionSpec } from './args';
import { CliError, EXIT } from './errors';
import type { Finding, KeyAnalysis, TemplateAnalysis } from '../src/private/analysis/template';

const OPTIONS: OptionSpec = {
  json: { type: 'boolean' },
  stack: { type: 'string', multiple: true },
};

interface ManifestArtifact {
  readonly type?: string;
  readonly displayName?: string;
  /** `aws://<account>/<region>`; `unknown-account` for an environment-agnostic stack. */
  readonly environment?: string;
  readonly properties?: { readonly templateFile?: string; readonly stackName?: string; readonly directoryName?: string };
}

interface StackTemplate {
  readonly stackName: string;
  readonly displayName: string;
  /** Relative to the assembly given on the command line. */
  readonly templateFile: string;
  readonly template: unknown;
  /** The stack's account, when the assembly names one. */
  readonly account?: string;
}

export interface StackReport {
  readonly stackName: string;
  readonly displayName: string;
  readonly templateFile: string;
  readonly keys: ReadonlyArray<Omit<KeyAnalysis, 'markdown'>>;
  /** Every finding of the stack: its keys' and its IAM policies'. */
  readonly findings: readonly Finding[];
}

export interface AssemblyReport {
  readonly assembly: string;
  readonly stacks: readonly StackReport[];
  readonly summary: { readonly stacks: number; readonly keys: number; readonly errors: number; readonly warnings: number };
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new CliError(EXIT.IO, `cannot read ${what} ${file}: ${code === 'ENOENT' ? 'no such file' : code ?? 'error'}${what === 'the cloud assembly manifest' ? '; synthesize the app first (cdk synth) or name its output directory' : ''}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(EXIT.IO, `${what} ${file} is not valid JSON; synthesize the app again`);
  }
}

/** The account of `aws://<account>/<region>`, when it is a 12-digit ID. */
function accountOf(environment: string | undefined): { account?: string } {
  const account = /^aws:\/\/(\d{12})\//.exec(environment ?? '')?.[1];
  return account !== undefined ? { account } : {};
}

/** Stack templates of an assembly, nested assemblies (stages) included, in manifest order. */
function stackTemplates(root: string, dir: string, prefix = ''): StackTemplate[] {
  const manifest = readJson(join(dir, 'manifest.json'), 'the cloud assembly manifest') as { artifacts?: Record<string, ManifestArtifact> };
  const stacks: StackTemplate[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      const file = join(dir, artifact.properties.templateFile);
      stacks.push({
        stackName: artifact.properties.stackName ?? id,
        displayName: `${prefix}${artifact.displayName ?? id}`,
        templateFile: relative(root, file) || file,
        template: readJson(file, 'the stack template'),
        ...accountOf(artifact.environment),
      });
    } else if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      stacks.push(...stackTemplates(root, join(dir, artifact.properties.directoryName), prefix));
    }
  }
  return stacks;
}

/** The report of a cloud assembly directory. */
export function reportAssembly(dir: string, onlyStacks?: readonly string[]): { report: AssemblyReport; markdownOfKeys: Map<string, string> } {
  const root = resolve(dir);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new CliError(EXIT.IO, `cannot read cloud assembly ${dir}: not a directory; synthesize the app first (cdk synth) or name its output directory`);
  }
  // Loaded here: the analysis needs aws-cdk-lib (a peer dependency), which encrypt and decrypt never load.
  let analyzeTemplate: typeof import('../src/private/analysis/template').analyzeTemplate;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ({ analyzeTemplate } = require('../src/private/analysis/template') as typeof import('../src/private/analysis/template'));
  } catch (err) {
    if ((err as { code?: string }).code !== 'MODULE_NOT_FOUND') throw err;
    throw new CliError(EXIT.INTERNAL, 'report needs aws-cdk-lib (a peer dependency of cdk-secure-key): install it next to cdk-secure-key (npm install aws-cdk-lib), or run report from your CDK app\'s directory');
  }
  let templates = stackTemplates(root, root);
  if (onlyStacks && onlyStacks.length > 0) {
    const unknown = onlyStacks.filter((s) => !templates.some((t) => t.stackName === s || t.displayName === s));
    if (unknown.length > 0) {
      throw new CliError(EXIT.USAGE, `no stack ${unknown.map((s) => JSON.stringify(s)).join(', ')} in ${dir}; stacks: ${templates.map((t) => t.displayName).join(', ') || 'none'}`);
    }
    templates = templates.filter((t) => onlyStacks.includes(t.stackName) || onlyStacks.includes(t.displayName));
  }
  const markdownOfKeys = new Map<string, string>();
  const stacks = templates.map((t): StackReport => {
    let analysis: TemplateAnalysis;
    try {
      analysis = analyzeTemplate(t.template, { stackName: t.stackName, ...(t.account !== undefined ? { account: t.account } : {}) });
    } catch (err) {
      throw new CliError(EXIT.IO, `cannot analyze ${t.templateFile}: ${(err as Error).message}`);
    }
    for (const k of analysis.keys) markdownOfKeys.set(`${t.displayName}\u0000${k.logicalId}`, k.markdown);
    return {
      stackName: t.stackName,
      displayName: t.displayName,
      templateFile: t.templateFile,
      keys: analysis.keys.map(({ markdown: _markdown, ...rest }) => rest),
      findings: analysis.findings,
    };
  });
  const all = stacks.flatMap((s) => s.findings);
  return {
    report: {
      assembly: dir,
      stacks,
      summary: {
        stacks: stacks.length,
        keys: stacks.reduce((n, s) => n + s.keys.length, 0),
        errors: all.filter((f) => f.level === 'error').length,
        warnings: all.filter((f) => f.level === 'warning').length,
      },
    },
    markdownOfKeys,
  };
}

function findingsTable(findings: readonly Finding[]): string[] {
  if (findings.length === 0) return ['No findings.'];
  const esc = (t: string): string => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    '| Level | Rule | Resource | Finding |',
    '| --- | --- | --- | --- |',
    ...findings.map((f) => `| ${f.level === 'error' ? '**error**' : 'warning'} | ${f.ruleId} | ${esc(f.constructPath ?? f.resource)} | ${esc(f.message)} |`),
  ];
}

export function reportMarkdown(report: AssemblyReport, markdownOfKeys: Map<string, string>): string {
  const s = report.summary;
  const lines = [
    `# KMS keys in ${report.assembly}`,
    '',
    `${s.keys} key(s) in ${s.stacks} stack(s); ${s.errors} error(s), ${s.warnings} warning(s).`,
  ];
  for (const stack of report.stacks) {
    lines.push('', `## Stack ${stack.displayName}`, '', `Template: \`${stack.templateFile}\``);
    if (stack.keys.length === 0) lines.push('', 'No KMS keys.');
    for (const key of stack.keys) {
      lines.push('', `### Key ${key.constructPath ?? key.logicalId}`, '', `Logical ID \`${key.logicalId}\`. Who can do what with it:`, '');
      lines.push(markdownOfKeys.get(`${stack.displayName}\u0000${key.logicalId}`) ?? '');
      lines.push('', '#### Findings', '', ...findingsTable(key.findings));
    }
    const keyIds = new Set(stack.keys.map((k) => k.logicalId));
    const others = stack.findings.filter((f) => !keyIds.has(f.resource));
    if (others.length > 0) lines.push('', '### Other findings (IAM policies)', '', ...findingsTable(others));
  }
  return `${lines.join('\n')}\n`;
}

export async function reportCommand(argv: readonly string[], help: (topic: string) => number): Promise<number> {
  const parsed = parse(argv, OPTIONS, 'report', 1);
  if (flag(parsed.values, 'help')) return help('report');
  const stacksOption = parsed.values.stack;
  const onlyStacks = Array.isArray(stacksOption) ? stacksOption.map(String) : undefined;
  const { report, markdownOfKeys } = reportAssembly(parsed.positionals[0] ?? 'cdk.out', onlyStacks);
  process.stdout.write(flag(parsed.values, 'json') ? `${JSON.stringify(report, null, 2)}\n` : reportMarkdown(report, markdownOfKeys));
  const s = report.summary;
  process.stderr.write(`cdk-secure-key: ${s.keys} KMS key(s) in ${s.stacks} stack(s): ${s.errors} error finding(s), ${s.warnings} warning(s)\n`);
  return s.errors > 0 ? EXIT.FINDINGS : EXIT.OK;
}
