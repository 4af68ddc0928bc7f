/**
 * Jest setup file (setupFilesAfterEnv): when SECUREKEY_TEMPLATES_OUT names a directory, every
 * CloudFormation template any test synthesizes is also written there, so `scripts/cfn-lint.mjs` can lint
 * what the tests built. Unset (the default), it does nothing.
 *
 * It wraps `Stage.prototype.synth`, the one call every synthesis goes through (`app.synth()`,
 * `Template.fromStack`, cdk-nag's `validateScope`), so a new test directory needs no extra code.
 * Files are named `<test file>__<stack artifact id>__<hash>.template.json`: the same template synthesized
 * twice is written once, and a finding points back at the test that built it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Stage } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';

export const TEMPLATES_OUT_ENV = 'SECUREKEY_TEMPLATES_OUT';

/** The file name a synthesized template is written under (pure). */
export function templateFileName(testPath: string, artifactId: string, templateJson: string): string {
  const testPart = path.relative(path.join(__dirname, '..', '..'), testPath).replace(/\.test\.ts$/, '').replace(/[^A-Za-z0-9.-]+/g, '_');
  const hash = createHash('sha256').update(templateJson).digest('hex').slice(0, 12);
  return `${testPart}__${artifactId.replace(/[^A-Za-z0-9.-]+/g, '_')}__${hash}.template.json`;
}

/** Writes each stack template of the assembly (nested stages included) into `dir`. */
export function writeTemplates(assembly: CloudAssembly, dir: string, testPath: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const stack of assembly.stacksRecursively) {
    const json = JSON.stringify(stack.template, undefined, 1);
    const file = path.join(dir, templateFileName(testPath, stack.id, json));
    if (!fs.existsSync(file)) fs.writeFileSync(file, json);
    written.push(file);
  }
  return written;
}

const outDir = process.env[TEMPLATES_OUT_ENV];
if (outDir !== undefined && outDir !== '') {
  // Loaded only when templates are written: most test files (lambda/, cli/) never load aws-cdk-lib.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proto = (require('aws-cdk-lib') as typeof import('aws-cdk-lib')).Stage.prototype;
  const original = proto.synth;
  proto.synth = function synthAndWrite(this: Stage, ...args: Parameters<Stage['synth']>) {
    const assembly = original.apply(this, args);
    writeTemplates(assembly, outDir, expect.getState().testPath ?? 'unknown');
    return assembly;
  };
}
