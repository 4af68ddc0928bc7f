/**
 * `npm run bench [name...]`: runs bench/*.bench.ts in turn. Each prints ratios against a baseline
 * measured in the same run, because this machine is shared and noisy. Never part of `npm test`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = fs.readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
    .sort();
  for (const file of files) {
    console.log(`\n## ${file.replace('.bench.ts', '')}`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(__dirname, file)) as { default: () => Promise<void> };
    await mod.default();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
