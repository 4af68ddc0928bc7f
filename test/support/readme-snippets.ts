/**
 * Compiles the README's TypeScript snippets as a user would paste them: each snippet is one CommonJS
 * module (this package has no "type": "module", like most CDK apps), `cdk-secure-key` and its subpaths
 * resolve to this repository's sources, and a snippet that uses `this` is placed in a Stack's
 * constructor.
 *  - A snippet with import lines is complete: it must import every library name it uses (`s3`,
 *    `Validations`, ...). Only what it cannot show is declared for it: `app` and the roles it names
 *    (`adminRole`, `appRole`, ...).
 *  - A snippet without import lines continues the app: the usual imports (aws-cdk-lib and its
 *    modules, this library's classes) and `key` (a SecureKey) are there too.
 */
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.join(__dirname, '..', '..');

export interface Snippet {
  readonly line: number;
  readonly code: string;
}

/** Every ```ts block of a Markdown text, with the line it starts on. */
export function typescriptSnippets(markdown: string): Snippet[] {
  const out: Snippet[] = [];
  const re = /^```(?:ts|typescript)\n([\s\S]*?)^```/gm;
  for (const m of markdown.matchAll(re)) {
    out.push({ line: markdown.slice(0, m.index).split('\n').length, code: m[1] });
  }
  return out;
}

/** The surroundings a snippet may assume, by the name it uses. */
const CONTEXT: Record<string, string> = {
  app: 'declare const app: __cdk.App;',
  adminRole: 'declare const adminRole: __iam.IRole;',
  appRole: 'declare const appRole: __iam.Role;',
  cdkDeployRole: 'declare const cdkDeployRole: __iam.IRole;',
  breakGlassRole: 'declare const breakGlassRole: __iam.IRole;',
  readerRole: 'declare const readerRole: __iam.IRole;',
  writerRole: 'declare const writerRole: __iam.IRole;',
  auditorRole: 'declare const auditorRole: __iam.IRole;',
  role: 'declare const role: __iam.IRole;',
  bucket: 'declare const bucket: __s3.Bucket;',
  fn: 'declare const fn: __lambda.Function;',
};

/** What a continuation snippet may use without importing it: name -> import line. */
const CONTINUATION_IMPORTS: Record<string, string> = {
  ...Object.fromEntries(['App', 'Stack', 'Duration', 'Annotations', 'Validations', 'RemovalPolicy']
    .map((n) => [n, `import { ${n} } from 'aws-cdk-lib';`])),
  ...Object.fromEntries(['iam', 's3', 'kms', 'events', 'lambda', 'sns', 'dynamodb', 'sqs']
    .map((n) => [n, `import * as ${n} from 'aws-cdk-lib/aws-${n}';`])),
  ...Object.fromEntries(['SecureKey', 'EnvelopeFunction', 'KeyPolicyChecks', 'KeyAccessReport', 'KeyAudit', 'KeyGrants', 'ReplicaKey']
    .map((n) => [n, `import { ${n} } from 'cdk-secure-key';`])),
};

const importLines = (code: string) => code.split('\n').filter((l) => /^import\s/.test(l));
const bodyLines = (code: string) => code.split('\n').filter((l) => !/^import\s/.test(l));
/** Whether `code` binds `name` (an import binding or a declaration). */
function declares(code: string, name: string): boolean {
  const bindings = importLines(code).map((l) => l.replace(/\sfrom\s.*$/, ''));
  return bindings.some((b) => new RegExp(`\\b${name}\\b`).test(b))
    || new RegExp(`\\b(const|let|class|function) ${name}\\b`).test(code);
}
const uses = (code: string, name: string) => new RegExp(`(^|[^.\\w'"/-])${name}\\b`, 'm').test(code);

/** The module a snippet becomes. */
export function snippetModule(snippet: Snippet): string {
  const own = importLines(snippet.code);
  const body = bodyLines(snippet.code).join('\n');
  const imports = own.length > 0 ? own : Object.entries(CONTINUATION_IMPORTS)
    .filter(([name]) => uses(body, name) && !declares(body, name)).map(([, line]) => line);
  const all = [...imports, body].join('\n');
  const context = Object.entries(CONTEXT).filter(([name]) => uses(body, name) && !declares(all, name)).map(([, d]) => d);
  if (own.length === 0 && uses(body, 'key') && !declares(all, 'key')) context.push('declare const key: import(\'cdk-secure-key\').SecureKey;');
  const prelude = [
    "import * as __cdk from 'aws-cdk-lib';",
    "import * as __iam from 'aws-cdk-lib/aws-iam';",
    "import * as __s3 from 'aws-cdk-lib/aws-s3';",
    "import * as __lambda from 'aws-cdk-lib/aws-lambda';",
    "import type { Construct as __Construct } from 'constructs';",
    ...context,
  ];
  const wrapped = /\bthis\b/.test(body)
    ? `export class SnippetStack extends __cdk.Stack {\n  constructor(scope: __Construct, id: string) {\n    super(scope, id);\n${body}\n  }\n}`
    : `${body}\nexport {};`;
  return [...imports, ...prelude, wrapped].join('\n');
}

export interface SnippetDiagnostic {
  readonly line: number;
  readonly message: string;
}

/** Type-checks every snippet in one program; returns the errors, each at the README line of its snippet. */
export function compileSnippets(snippets: Snippet[]): SnippetDiagnostic[] {
  const files = new Map<string, { snippet: Snippet; text: string }>();
  snippets.forEach((s, i) => {
    const text = snippetModule(s);
    files.set(path.join(root, 'test', 'readme-snippets', `snippet-${i + 1}.ts`), { snippet: s, text });
  });
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    types: ['node'],
    paths: {
      'cdk-secure-key': [path.join(root, 'src', 'index.ts')],
      'cdk-secure-key/lambda': [path.join(root, 'lambda', 'index.ts')],
      'cdk-secure-key/lambda/aws': [path.join(root, 'lambda', 'aws.ts')],
    },
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f)?.text ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const v = files.get(f);
    return v ? ts.createSourceFile(f, v.text, lang) : getSourceFile.call(host, f, lang, ...rest);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const out: SnippetDiagnostic[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const v = d.file && files.get(d.file.fileName);
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!v || !d.file || d.start === undefined) {
      out.push({ line: 0, message });
      continue;
    }
    const text = d.file.text.split('\n')[d.file.getLineAndCharacterOfPosition(d.start).line];
    out.push({ line: v.snippet.line, message: `${message}\n    in: ${text.trim()}` });
  }
  return out;
}
