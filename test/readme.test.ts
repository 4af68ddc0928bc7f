import * as fs from 'node:fs';
import * as path from 'node:path';
import { readmeExample } from '../examples/readme-example';

const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

function exampleLines(): string[] {
  const source = fs.readFileSync(path.join(root, 'examples', 'readme-example.ts'), 'utf8');
  const body = source.split('// --- begin readme ---\n')[1].split('  // --- end readme ---')[0];
  return body.split('\n').map((l) => l.replace(/^ {2}/, '')).filter((l) => l.length > 0);
}

describe('README', () => {
  test('the quick start has exactly two commands, both defined by package.json', () => {
    const quickStart = readme.split('## Quick start')[1].split('\n## ')[0];
    const block = quickStart.split('```sh\n')[1].split('```')[0].trim().split('\n');
    expect(block).toHaveLength(2);
    const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    for (const line of block) {
      for (const [, script] of line.matchAll(/npm (?:run )?([\w:-]+)/g)) {
        if (script === 'ci' || script === 'install') continue;
        expect(scripts[script]).toBeDefined();
      }
    }
  });

  test('shows the envelope example verbatim', () => {
    const lines = exampleLines();
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(readme).toContain(lines.join('\n'));
  });

  test('the envelope example runs offline: the Encryption SDK decrypts it, 10 messages cost 1 KMS call', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const result = await readmeExample(path.join(root, 'package.json'));
      expect(result).toEqual({ same: true, messages: 10, kmsCalls: 1 });
      expect(log.mock.calls.map((c) => String(c[0]))).toEqual(['same: true; 10 messages, 1 KMS call(s)']);
    } finally {
      log.mockRestore();
    }
  });
});
