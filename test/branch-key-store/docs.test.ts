import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BranchKeyStoreExampleStack, tenantExample } from '../../examples/hierarchical-keyring';
import { ACCOUNT, REGION } from '../support/secure-key-fixtures';

const root = path.join(__dirname, '..', '..');
const doc = fs.readFileSync(path.join(root, 'docs', 'hierarchical-keyring.md'), 'utf8');
const source = fs.readFileSync(path.join(root, 'examples', 'hierarchical-keyring.ts'), 'utf8');

function block(name: string): string {
  const body = source.split(`// --- begin ${name} ---\n`)[1].split(`// --- end ${name} ---`)[0];
  const lines = body.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n').trim();
}

describe('docs/hierarchical-keyring.md', () => {
  test.each(['construct', 'tenants'])('shows the %s example verbatim', (name) => {
    const lines = block(name);
    expect(lines.split('\n').length).toBeGreaterThanOrEqual(5);
    expect(doc).toContain(lines);
  });

  test('the example stack synthesizes a key store with both roles', () => {
    const stack = new BranchKeyStoreExampleStack(new App(), 'Example', { env: { account: ACCOUNT, region: REGION } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::DynamoDB::Table', 1);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.resourceCountIs('AWS::IAM::Role', 2);
  });

  test('the tenant example: 300 messages over 3 tenants cost 3 KMS calls to encrypt (and 3 to decrypt)', async () => {
    expect(await tenantExample()).toEqual({ messages: 300, kmsCalls: 6, decrypted: 300 });
  });
});
