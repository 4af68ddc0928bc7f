/**
 * The deployed code is the whole bundle: index.js and the chunks it requires on first use
 * (lambda/build-bundle.mjs). A chunk missing from the asset would fail only at run time, on the first
 * audit request.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { build } from './fixtures';

const FUNCTION_DIR = join(__dirname, '..', '..', 'assets', 'envelope-function');

test('the function asset holds index.js and every chunk beside it, nothing else', () => {
  if (!existsSync(join(FUNCTION_DIR, 'index.js'))) {
    console.log(`skipped: ${FUNCTION_DIR} is not built (npx projen bundle:envelope)`);
    return;
  }
  const { fn } = build();
  const assembly = (fn.node.root as App).synth();
  const staged = readdirSync(assembly.directory).filter((d) => d.startsWith('asset.'))
    .map((d) => join(assembly.directory, d))
    .find((d) => existsSync(join(d, 'index.js')));
  expect(staged).toBeDefined();
  const shipped = readdirSync(FUNCTION_DIR).filter((f) => f.endsWith('.js')).sort();
  expect(shipped).toEqual(expect.arrayContaining(['credentials.js', 'index.js', 'usage-report.js']));
  expect(readdirSync(staged!).sort()).toEqual(shipped);
});
