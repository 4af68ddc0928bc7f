import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time of the .ts/.mjs sources under `dir`: a bundle older than this is rebuilt. */
export function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.(ts|mjs)$/.test(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}
