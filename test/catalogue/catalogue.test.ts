/**
 * The catalogue of AWS services: one small app per service (cases/), each held to what a user of the
 * library expects (harness.ts). Cases that fail because of a mechanism being fixed elsewhere are listed in
 * KNOWN_GAPS and run as test.failing, so they turn red the day they pass and get flipped.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CASES } from './cases';
import { CaseResult, runCase } from './harness';
import { KNOWN_GAPS } from './known-gaps';
import { servicesMarkdown } from './services-doc';

const DOC = path.join(__dirname, '..', '..', 'docs', 'services.md');

// Each app is synthesized once; the docs test reuses the results.
const results = new Map<string, CaseResult>();
function resultOf(c: (typeof CASES)[number]): CaseResult {
  let r = results.get(c.id);
  if (!r) {
    r = runCase(c);
    results.set(c.id, r);
  }
  return r;
}

describe('catalogue of AWS services under a SecureKey', () => {
  test('every known gap names a case', () => {
    const ids = new Set(CASES.map((c) => c.id));
    expect(Object.keys(KNOWN_GAPS).filter((id) => !ids.has(id))).toEqual([]);
  });

  test('case ids are unique', () => {
    expect(new Set(CASES.map((c) => c.id)).size).toBe(CASES.length);
  });

  for (const c of CASES) {
    const run = KNOWN_GAPS[c.id] === undefined ? test : test.failing;
    run(`${c.id}: ${c.service} synthesizes clean, passes every check, and the key allows exactly what the service needs`, () => {
      const result = resultOf(c);
      if (process.env.CATALOGUE_VERBOSE) console.log(`${c.id}: ${result.policyBytes} bytes\n  ${result.problems.join('\n  ')}`);
      expect(result.problems).toEqual([]);
    });
  }

  test('cfn-lint finds no error in the templates of the cases that synthesize', () => {
    const files = CASES.filter((c) => KNOWN_GAPS[c.id] === undefined).flatMap((c) => resultOf(c).templates ?? []);
    const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.log(`cfn-lint skipped: cfn-lint is not on PATH (${probe.error?.message ?? probe.stderr})`);
      return;
    }
    const run = spawnSync('cfn-lint', ['--format', 'parseable', '--', ...files], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    const errors = run.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line));
    expect(errors).toEqual([]);
    expect(files.length).toBeGreaterThan(10);
  });

  test('docs/services.md is the table these results give (CATALOGUE_WRITE_DOC=1 rewrites it)', () => {
    const markdown = servicesMarkdown(CASES.map((c) => ({ c, result: resultOf(c), gap: KNOWN_GAPS[c.id] })));
    if (process.env.CATALOGUE_WRITE_DOC) fs.writeFileSync(DOC, markdown);
    expect(fs.existsSync(DOC) ? fs.readFileSync(DOC, 'utf8') : '(missing)').toBe(markdown);
  });
});
