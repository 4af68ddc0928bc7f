import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The shared data folder (test vectors, CloudFormation schemas) sits beside the repository
 * (`../shared`); SECUREKEY_SHARED_DIR overrides it.
 */
export const SHARED_DIR = process.env.SECUREKEY_SHARED_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared');

export function sharedPath(...parts: string[]): string {
  const p = path.join(SHARED_DIR, ...parts);
  if (!fs.existsSync(p)) {
    throw new Error(`Shared data not found at ${p}. Put the shared folder beside the repository or set SECUREKEY_SHARED_DIR.`);
  }
  return p;
}
