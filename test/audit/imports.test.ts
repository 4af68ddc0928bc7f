/**
 * SecureKey creates KeyAudits, a KeyAudit creates a SecureKey (its audit key) and EnvelopeFunctions (its
 * usage reports): these modules reach each other only through types and src/private/audit-key.ts. The
 * check covers every module of src/ (runtime imports and re-exports; `import type` is erased at compile).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const SRC = path.join(__dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** The src/ modules `file` imports at run time. */
function runtimeImports(file: string): string[] {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const targets: string[] = [];
  for (const st of sf.statements) {
    let spec: ts.Expression | undefined;
    if (ts.isImportDeclaration(st) && !st.importClause?.isTypeOnly) spec = st.moduleSpecifier;
    if (ts.isExportDeclaration(st) && !st.isTypeOnly) spec = st.moduleSpecifier;
    if (spec === undefined || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
    const base = path.resolve(path.dirname(file), spec.text);
    targets.push(fs.existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, 'index.ts'));
  }
  return targets;
}

/** Every import circle of the graph, each as `a -> b -> a` (relative to src/). */
function importCircles(graph: Map<string, string[]>): string[] {
  const circles = new Set<string>();
  const done = new Set<string>();
  const visit = (node: string, trail: string[]): void => {
    const at = trail.indexOf(node);
    if (at >= 0) {
      circles.add([...trail.slice(at), node].map((f) => path.relative(SRC, f)).join(' -> '));
      return;
    }
    if (done.has(node)) return;
    for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
    done.add(node);
  };
  for (const node of graph.keys()) visit(node, []);
  return [...circles];
}

describe('src/ import graph', () => {
  const graph = new Map(sourceFiles(SRC).map((f) => [f, runtimeImports(f)]));

  test('key-audit.ts and envelope-function.ts do not import secure-key.ts at run time', () => {
    const importsOf = (name: string) => graph.get(path.join(SRC, name))!.map((f) => path.relative(SRC, f));
    expect(importsOf('key-audit.ts')).not.toContain('secure-key.ts');
    expect(importsOf('envelope-function.ts')).not.toContain('secure-key.ts');
    expect(importsOf('key-audit.ts')).toContain(path.join('private', 'audit-key.ts'));
  });

  test('has no import circle', () => {
    expect(importCircles(graph)).toEqual([]);
  });

  test('the circle check finds a circle when there is one', () => {
    const [a, b, c] = ['a.ts', 'b.ts', 'c.ts'].map((f) => path.join(SRC, f));
    expect(importCircles(new Map([[a, [b]], [b, [c]], [c, [a]]]))).toEqual(['a.ts -> b.ts -> c.ts -> a.ts']);
  });
});
