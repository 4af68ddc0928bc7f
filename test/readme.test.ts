import * as fs from 'node:fs';
import * as path from 'node:path';
import { readmeExample } from '../examples/readme-example';
import { compileSnippets, typescriptSnippets } from './support/readme-snippets';

const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

function exampleLines(): string[] {
  const source = fs.readFileSync(path.join(root, 'examples', 'readme-example.ts'), 'utf8');
  const body = source.split('// --- begin readme ---\n')[1].split('  // --- end readme ---')[0];
  // Kept indented: the README shows them inside `async function main(file)`, as in the example.
  return body.split('\n').filter((l) => l.length > 0);
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

  test('every TypeScript snippet compiles as shown (CommonJS, strict), with only its surroundings declared', () => {
    const snippets = typescriptSnippets(readme);
    expect(snippets.length).toBeGreaterThanOrEqual(8);
    const errors = compileSnippets(snippets).map((d) => `README.md line ${d.line}: ${d.message}`);
    expect(errors).toEqual([]);
  }, 180_000);

  test('the supported versions are the ones package.json declares', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>; engines: { node: string };
    };
    const install = readme.split('## Install')[1].split('\n## ')[0];
    for (const [name, range] of Object.entries(pkg.peerDependencies)) {
      expect(install).toMatch(new RegExp(`^\\| ${name} \\| \`${range.replace(/[.^]/g, '\\$&')}\``, 'm'));
    }
    expect(install).toContain(`| Node.js | ${pkg.engines.node.match(/\d+/)![0]} or newer`);
    expect(install).toContain('npm install cdk-secure-key');
  });
});
