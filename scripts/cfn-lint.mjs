#!/usr/bin/env node
// Lints every CloudFormation template the tests and examples synthesize with cfn-lint.
//
//   node scripts/cfn-lint.mjs                    run the synthesizing tests (TEST_SCOPE below) with
//                                                SECUREKEY_TEMPLATES_OUT=test-templates/, then lint them
//   node scripts/cfn-lint.mjs --templates DIR    lint the *.template.json files already in DIR
//
// Prints each finding, then one line CI counts: `cfn-lint: N templates, E errors, W warnings`. Exits 1
// on any error, on any warning not listed in cfn-lint-suppressions.json (each entry there says why), and
// when the tests that synthesize the templates fail. Without cfn-lint on PATH it prints why it skipped
// and exits 0. cfn-lint's own settings (regions) are in .cfnlintrc.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The tests whose synthesized templates are linted: the example apps, the audit, replica and
 * EnvelopeFunction stacks, SecureKey's own stacks, and the service catalogue apps (test/catalogue,
 * when present). Tests that build deliberately bad policies for the checks (test/checks) are not here.
 */
const TEST_SCOPE = ['test/audit', 'test/replicas', 'test/envelope-function', 'test/secure-key', 'test/catalogue', 'test/readme.test.ts'];
const DEFAULT_OUT = path.join(root, 'test-templates');
const SUPPRESSIONS_FILE = path.join(root, 'cfn-lint-suppressions.json');

function fail(message) {
  console.error(`cfn-lint: ${message}`);
  process.exit(1);
}

/** Suppressions: `{ rule, message (regex), reason, template? (regex on the file name) }`, each with a reason. */
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

/** The suppression that covers a finding, if any. */
function suppressionFor(finding, suppressions) {
  return suppressions.find((s) => s.rule === finding.Rule.Id && s.messageRe.test(finding.Message)
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
}

function lint(files) {
  // One cfn-lint process per batch: its start-up (loading the resource specifications) dominates.
  const findings = [];
  const batch = 200;
  for (let i = 0; i < files.length; i += batch) {
    const r = spawnSync('cfn-lint', ['--format', 'json', '--non-zero-exit-code', 'none', '--', ...files.slice(i, i + batch)], {
      cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
    });
    if (r.status !== 0) {
      process.stderr.write(r.stderr ?? '');
      fail(`cfn-lint exited ${r.status}`);
    }
    findings.push(...JSON.parse(r.stdout || '[]'));
  }
  return findings;
}

function main() {
  const args = process.argv.slice(2);
  const version = cfnLintVersion();
  if (version === undefined) {
    console.log('cfn-lint: skipped: cfn-lint is not on PATH (pip install "cfn-lint==1.51.*" to lint the synthesized templates)');
    return 0;
  }
  let dir;
  if (args[0] === '--templates') {
    if (args[1] === undefined) fail('--templates needs a directory');
    dir = path.resolve(args[1]);
  } else if (args.length === 0) {
    dir = DEFAULT_OUT;
    synthesizeTemplates(dir);
  } else {
    fail(`unknown arguments: ${args.join(' ')} (use no arguments, or --templates DIR)`);
  }
  const exclusions = loadExclusions();
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.template.json')).sort().filter((f) => {
    const excluded = exclusions.find((e) => e.templateRe.test(f));
    if (excluded !== undefined) excluded.used += 1;
    return excluded === undefined;
  }).map((f) => path.join(dir, f));
  if (files.length === 0) fail(`no *.template.json in ${path.relative(root, dir) || dir}: nothing was synthesized`);
  for (const e of exclusions) console.log(`cfn-lint: not linted: ${e.used} template(s) matching ${e.template}: ${e.reason}`);

  const suppressions = loadSuppressions();
  const findings = lint(files);
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
  console.log(`cfn-lint: ${version}, templates in ${path.relative(root, dir) || dir}`);
  console.log(`cfn-lint: ${files.length} templates, ${errors} errors, ${warnings} warnings`);
  if (suppressed > 0) console.log(`cfn-lint: ${suppressed} warnings suppressed (cfn-lint-suppressions.json)`);
  return errors > 0 || warnings > 0 ? 1 : 0;
}

process.exit(main());
