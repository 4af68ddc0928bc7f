/**
 * Synthesizes the example app to cdk.out/ and prints what it made: stacks, resources by type, who can do
 * what with the key (KeyAccessReport), and the KeyPolicyChecks findings of the template.
 */
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { buildExampleApp } from './app';
import { KeyAccess, KeyAccessPrincipalKind, KeyAccessReport, KeyPolicyChecks } from '../src';

const outdir = path.join(__dirname, '..', 'cdk.out');
const { app, stack, consumers, branchKeys, replicas } = buildExampleApp(outdir);
const assembly = app.synth();

for (const artifact of assembly.stacks) {
  const resources = Object.values((artifact.template as { Resources: Record<string, { Type: string }> }).Resources);
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.Type, (counts.get(r.Type) ?? 0) + 1);
  console.log(`Stack ${artifact.stackName} -> ${path.relative(process.cwd(), path.join(outdir, artifact.templateFile))}`);
  for (const [type, n] of [...counts].sort()) console.log(`  ${String(n).padStart(3)}  ${type}`);
}

console.log(`\nWho can do what with ${stack.key.node.path}:\n`);
console.log(KeyAccessReport.of(stack.key).toMarkdown());

console.log(`\nStack dependencies (one way, no cycle): ${app.node.children.filter(Stack.isStack)
  .map((s) => `${s.stackName} -> [${s.dependencies.map((d) => d.stackName).join(', ')}]`).join('; ')}`);
console.log(`Cross-stack consumers of ${stack.key.node.path}: ${consumers.topic.node.path} (SNS) -> ${consumers.queue.node.path} (SQS), `
  + `both encrypted with it; ${consumers.worker.node.path} reads the queue.`);

// The branch key store, briefly: which KMS actions each of its roles has on the wrapping key (from its
// KeyAccessReport; `if` = only with this store's encryption context, the conditions the report lists).
const store = branchKeys.store;
console.log(`\nBranch key store ${store.node.path} (hierarchical keyring, logicalKeyStoreName ${store.logicalKeyStoreName}): `
  + `a DynamoDB table and ${store.key.node.path}`);
for (const row of KeyAccessReport.of(store.key).rows.filter((r) => r.kind === KeyAccessPrincipalKind.AWS)) {
  const actions = row.cells.flatMap((c) => {
    if (c.access === KeyAccess.PARTIAL) {
      return c.conditions.map((n) => /^kms:(\w+): (allowed|conditional)/.exec(n)).filter((m) => m !== null)
        .map((m) => `${m![1]}${m![2] === 'conditional' ? ' (if)' : ''}`);
    }
    return c.access === KeyAccess.NONE ? [] : [`${c.operation}${c.access === KeyAccess.CONDITIONAL ? ' (if)' : ` (${c.access})`}`];
  });
  console.log(`  ${row.label}: ${actions.join(', ') || 'nothing'}`);
}
console.log(`  (if) = only for this store's branch keys: kms:EncryptionContext:tablename = ${store.logicalKeyStoreName}, hierarchy-version = 1`);

console.log(`\nMulti-Region key ${replicas.primary.stackName} (${replicas.primary.region}): replicas in ${replicas.replicas.map((r) => `${r.region} (${r.stackName})`).join(', ')}`);

const violations = new KeyPolicyChecks().validateScope(app).violations;
console.log(`\nKeyPolicyChecks: ${violations.length === 0 ? 'no findings' : ''}`);
for (const v of violations) console.log(`  ${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
console.log('Compliance map: Metadata["cdk-secure-key:compliance"] of the template');
