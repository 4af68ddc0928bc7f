/**
 * Synthesizes the example app to cdk.out/ and prints what it made: stacks, resources by type, and who
 * can do what with the key (from the offline KMS authorization evaluator).
 */
import * as path from 'node:path';
import { buildExampleApp } from './app';
import { KMS_STAR, otherPrincipal, resolveKey, TABLE_REQUESTS } from '../test/support/access-report';
import { accessTable } from '../test/support/kms-access';

const outdir = path.join(__dirname, '..', 'cdk.out');
const { app, stack } = buildExampleApp(outdir);
const assembly = app.synth();

for (const artifact of assembly.stacks) {
  const resources = Object.values((artifact.template as { Resources: Record<string, { Type: string }> }).Resources);
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.Type, (counts.get(r.Type) ?? 0) + 1);
  console.log(`Stack ${artifact.stackName} -> ${path.relative(process.cwd(), path.join(outdir, artifact.templateFile))}`);
  for (const [type, n] of [...counts].sort()) console.log(`  ${String(n).padStart(3)}  ${type}`);
}

const r = resolveKey(stack.key, assembly.getStackByName(stack.stackName).template);
console.log(`\nWho can do what with ${stack.key.node.path}:\n`);
console.log(accessTable({
  keyPolicy: r.keyPolicy,
  keyArn: r.keyArn,
  callers: [
    r.roleCaller('KeyAdminRole', stack.adminRole),
    r.roleCaller('AppRole', stack.appRole),
    otherPrincipal('other IAM principal with kms:*', r.account, KMS_STAR),
    otherPrincipal('another account', '222222222222', KMS_STAR),
  ],
  requests: TABLE_REQUESTS,
}));
