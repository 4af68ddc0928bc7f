#!/usr/bin/env node
// Lints every CloudFormation template the tests and examples synthesize with cfn-lint.
//
//   node scripts/cfn-lint.mjs                    run the synthesizing tests (TEST_SCOPE below) with
//                                                SECUREKEY_TEMPLATES_OUT=test-templates/, then lint them
//   node scripts/cfn-lint.mjs --templates DIR    lint the *.template.json files already in DIR
//   ... --templates DIR --from-test-run          the same, keeping only the templates of the TEST_SCOPE tests
//                                                (CI writes every test's templates during its one jest run)
//
// Prints each finding, then one line CI counts: `cfn-lint: N templates, E errors, W warnings`. Exits 1
// on any error, on any warning not listed in cfn-lint-suppressions.json (each entry there says why), and
// when the tests that synthesize the templates fail. Without cfn-lint on PATH it prints why it skipped
// and exits 0. cfn-lint's own settings (regions) are in .cfnlintrc.
import { spawn, spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The tests whose synthesized templates are linted: the example apps, the audit, replica and
 * EnvelopeFunction stacks, SecureKey's own stacks, and the service catalogue apps (test/catalogue,
 * when present). Tests that build deliberately bad policies for the checks (test/checks) are not here.
 */
const TEST_SCOPE = ['test/audit', 'test/replicas', 'test/envelope-function', 'test/secure-key', 'test/catalogue', 'test/guardrails'];
/** A template file's name starts with its test's path, `/` written `_` (test/support/template-out.ts). */
const SCOPE_PREFIXES = TEST_SCOPE.map((p) => `${p.replace(/[^A-Za-z0-9.-]+/g, '_')}_`);
const DEFAULT_OUT = path.join(root, 'test-templates');
const SUPPRESSIONS_FILE = path.join(root, 'cfn-lint-suppressions.json');

function fail(message) {
  console.error(`cfn-lint: ${message}`);
  process.exit(1);
}

/**
 * Suppressions: `{ rule, message (regex), resourceType?, template? (regex on the file name), reason }`,
 * each with a reason.
 */
function loadSuppressions(file = SUPPRESSIONS_FILE) {
  const entries = JSON.parse(fs.readFileSync(file, 'utf8')).suppressions;
  if (!Array.isArray(entries)) fail(`${path.relative(root, file)}: expected { "suppressions": [...] }`);
  return entries.map((e, i) => {
    if (typeof e.rule !== 'string' || !/^[EWI]\d{4}$/.test(e.rule)) fail(`${path.relative(root, file)} entry ${i}: 'rule' must be a cfn-lint rule id such as W3005`);
    if (e.rule.startsWith('E')) fail(`${path.relative(root, file)} entry ${i}: errors are fixed, never suppressed (${e.rule})`);
    if (typeof e.reason !== 'string' || e.reason.trim().length < 20) fail(`${path.relative(root, file)} entry ${i} (${e.rule}): every suppression needs a 'reason' that says why`);
    if (typeof e.message !== 'string') fail(`${path.relative(root, file)} entry ${i} (${e.rule}): 'message' (a regular expression the finding's message must match) is required`);
    return { ...e, messageRe: new RegExp(e.message), templateRe: e.template === undefined ? undefined : new RegExp(e.template), used: 0 };
  });
}

/** Templates tests build invalid on purpose: `{ template (regex on the file name), reason }`. */
function loadExclusions(file = SUPPRESSIONS_FILE) {
  const entries = JSON.parse(fs.readFileSync(file, 'utf8')).excludedTemplates ?? [];
  return entries.map((e, i) => {
    if (typeof e.template !== 'string') fail(`${path.relative(root, file)} excludedTemplates ${i}: 'template' (a regular expression on the file name) is required`);
    if (typeof e.reason !== 'string' || e.reason.trim().length < 20) fail(`${path.relative(root, file)} excludedTemplates ${i}: every exclusion needs a 'reason' that says why`);
    return { ...e, templateRe: new RegExp(e.template), used: 0 };
  });
}

const templates = new Map();

/** The CloudFormation type of the resource a finding points at (`Resources/<id>/...`), if any. */
function resourceTypeOf(finding) {
  const [section, id] = finding.Location?.Path ?? [];
  if (section !== 'Resources' || typeof id !== 'string') return undefined;
  if (!templates.has(finding.Filename)) templates.set(finding.Filename, JSON.parse(fs.readFileSync(path.resolve(root, finding.Filename), 'utf8')));
  return templates.get(finding.Filename).Resources?.[id]?.Type;
}

/** The suppression that covers a finding, if any. */
function suppressionFor(finding, suppressions) {
  return suppressions.find((s) => s.rule === finding.Rule.Id && s.messageRe.test(finding.Message)
    && (s.resourceType === undefined || s.resourceType === resourceTypeOf(finding))
    && (s.templateRe === undefined || s.templateRe.test(path.basename(finding.Filename))));
}

function cfnLintVersion() {
  const r = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return undefined;
  return r.stdout.trim();
}

function synthesizeTemplates(outDir) {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const scope = TEST_SCOPE.filter((p) => fs.existsSync(path.join(root, p)));
  console.log(`cfn-lint: synthesizing templates with jest ${scope.join(' ')}`);
  const started = Date.now();
  const jest = path.join(root, 'node_modules', '.bin', 'jest');
  const r = spawnSync(jest, [...scope, '--ci', '--silent', '--reporters=summary'], {
    cwd: root,
    env: { ...process.env, SECUREKEY_TEMPLATES_OUT: outDir },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    process.stdout.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
    fail(`the tests that synthesize the templates failed (exit ${r.status}); not linting a partial set`);
  }
  console.log(`cfn-lint: tests synthesized in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Runs one cfn-lint process over `files` and resolves to its findings. */
function lintBatch(files) {
  return new Promise((resolve) => {
    const child = spawn('cfn-lint', ['--format', 'json', '--non-zero-exit-code', 'none', '--', ...files], { cwd: root });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('close', (code) => {
      if (code !== 0) {
        process.stderr.write(Buffer.concat(err));
        fail(`cfn-lint exited ${code}`);
      }
      resolve(JSON.parse(Buffer.concat(out).toString('utf8') || '[]'));
    });
  });
}

/**
 * Lints `files` in as many cfn-lint processes as there are CPUs (at most 4): each process loads the
 * resource specifications once and then takes a share of the templates.
 */
async function lint(files) {
  const workers = Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length, files.length));
  const shares = Array.from({ length: workers }, (_, w) => files.filter((_, i) => i % workers === w));
  return (await Promise.all(shares.map(lintBatch))).flat();
}

/** One file per distinct template: the writer names files `<test>__<stack>__<content hash>.template.json`. */
function distinctTemplates(files) {
  const byHash = new Map();
  for (const f of files) {
    const hash = /__([0-9a-f]{12})\.template\.json$/.exec(f)?.[1] ?? f;
    if (!byHash.has(hash)) byHash.set(hash, f);
  }
  return [...byHash.values()];
}

async function main() {
  const args = process.argv.slice(2);
  const version = cfnLintVersion();
  if (version === undefined) {
    console.log('cfn-lint: skipped: cfn-lint is not on PATH (pip install "cfn-lint==1.51.*" to lint the synthesized templates)');
    return 0;
  }
  let dir;
  let fromTestRun = false;
  if (args[0] === '--templates') {
    if (args[1] === undefined) fail('--templates needs a directory');
    dir = path.resolve(args[1]);
    fromTestRun = args[2] === '--from-test-run';
    if (args.length > (fromTestRun ? 3 : 2)) fail(`unknown arguments: ${args.slice(2).join(' ')}`);
  } else if (args.length === 0) {
    dir = DEFAULT_OUT;
    synthesizeTemplates(dir);
  } else {
    fail(`unknown arguments: ${args.join(' ')} (use no arguments, or --templates DIR [--from-test-run])`);
  }
  const exclusions = loadExclusions();
  const written = fs.readdirSync(dir).filter((f) => f.endsWith('.template.json'))
    .filter((f) => !fromTestRun || SCOPE_PREFIXES.some((p) => f.startsWith(p))).sort();
  const files = distinctTemplates(written.filter((f) => {
    const excluded = exclusions.find((e) => e.templateRe.test(f));
    if (excluded !== undefined) excluded.used += 1;
    return excluded === undefined;
  })).map((f) => path.join(dir, f));
  if (files.length === 0) fail(`no *.template.json in ${path.relative(root, dir) || dir}: nothing was synthesized`);
  for (const e of exclusions) console.log(`cfn-lint: not linted: ${e.used} template(s) matching ${e.template}: ${e.reason}`);

  const suppressions = loadSuppressions();
  const started = Date.now();
  const findings = await lint(files);
  const seconds = Math.round((Date.now() - started) / 1000);
  let errors = 0;
  let warnings = 0;
  let suppressed = 0;
  const where = (f) => `${path.relative(root, f.Filename)}:${f.Location.Start.LineNumber}`;
  for (const f of findings) {
    const level = f.Level;
    const s = level === 'Error' ? undefined : suppressionFor(f, suppressions);
    if (s !== undefined) {
      s.used += 1;
      suppressed += 1;
      continue;
    }
    if (level === 'Error') errors += 1;
    else if (level === 'Warning') warnings += 1;
    else continue;
    console.log(`${f.Rule.Id} ${level}: ${f.Message}\n  ${where(f)}`);
  }
  for (const s of suppressions) {
    console.log(`cfn-lint: suppressed ${s.used} x ${s.rule} (${s.message}): ${s.reason}`);
  }
  console.log(`cfn-lint: ${version}, ${files.length} distinct of ${written.length} templates in ${path.relative(root, dir) || dir}, linted in ${seconds} s`);
  console.log(`cfn-lint: ${files.length} templates, ${errors} errors, ${warnings} warnings`);
  if (suppressed > 0) console.log(`cfn-lint: ${suppressed} warnings suppressed (cfn-lint-suppressions.json)`);
  return errors > 0 || warnings > 0 ? 1 : 0;
}

process.exit(await main());
