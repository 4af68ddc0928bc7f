import * as fs from 'node:fs';
import * as path from 'node:path';

/** The test data the repository carries (see test/fixtures/SOURCES.md for where each file comes from). */
export const FIXTURES_DIR = path.resolve(__dirname, '..', 'fixtures');

/** The path of a file under test/fixtures; throws if it is missing, naming the file. */
export function fixturePath(...parts: string[]): string {
  const p = path.join(FIXTURES_DIR, ...parts);
  if (!fs.existsSync(p)) {
    throw new Error(`Test fixture not found: ${path.relative(process.cwd(), p)} (test/fixtures is part of the repository)`);
  }
  return p;
}
