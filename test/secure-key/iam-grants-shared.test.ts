/**
 * The IAM grant check reads the app's IAM documents resolved once per validation pass for all keys
 * (src/private/iam-documents.ts, validation-pass.ts). Its findings are the ones each key finds resolving
 * the documents itself, and a tree changed after a synth is never judged from an earlier pass.
 */
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SecureKey } from '../../src';
import { ALL_KEY_ACTIONS } from '../../src/private/actions';
import { SharedIamDocuments } from '../../src/private/iam-documents';
import { unhonouredIamGrants } from '../../src/private/iam-grant-check';
import { roles, synthErrors } from '../support/secure-key-fixtures';

function app(): { stack: Stack; keys: SecureKey[]; appRole: iam.Role } {
  const a = new App();
  const stack = new Stack(a, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
  const { adminRole, appRole } = roles(stack);
  const keys = [0, 1, 2, 3].map((i) => new SecureKey(stack, `Key${i}`, { administrators: [adminRole], users: i === 0 ? [appRole] : [] }));
  keys[1].grantDecrypt(appRole);
  // IAM only, on one key's ARN: an error for that key.
  appRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Encrypt'], resources: [keys[2].keyArn] }));
  // On "*": a warning for every key that does not honour it.
  appRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Sign'], resources: ['*'] }));
  // A key's ARN in a condition of another role's policy: that document is resolved by each key itself.
  const other = new iam.Role(stack, 'Other', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  other.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['kms:Decrypt'], resources: ['*'], conditions: { ArnEquals: { 'aws:SourceArn': keys[3].keyArn } },
  }));
  other.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [keys[3].keyArn] }));
  return { stack, keys, appRole };
}

test('every key finds with the shared documents exactly what it finds resolving them itself', () => {
  const { stack, keys } = app();
  (stack.node.root as App).synth({ skipValidation: true });
  const shared = new SharedIamDocuments(stack.node.root, '111111111111', 'us-east-1');
  const findings = keys.map((key) => {
    const resource = key.node.defaultChild as kms.CfnKey;
    const args = [stack.node.root, resource, resource.keyPolicy, `SecureKey ${key.node.path}`, new Set(ALL_KEY_ACTIONS)] as const;
    const fresh = unhonouredIamGrants(...args);
    expect(unhonouredIamGrants(...args, () => shared)).toEqual(fresh);
    return fresh;
  });
  expect(findings[2].errors.join('\n')).toContain('the IAM policy Stack/AppRole/DefaultPolicy allows Stack/AppRole kms:Encrypt on this key');
  expect(findings[3].errors.join('\n')).toContain('the IAM policy Stack/Other/DefaultPolicy allows Stack/Other kms:Decrypt on this key');
  expect(findings[0].warnings.join('\n')).toContain('allows Stack/AppRole kms:Sign on "*"');
  expect(findings[0].errors).toEqual([]);
  expect(findings[1].errors).toEqual([]);

  // Both ways were taken: the app role's document shared, the document with a key ARN in a condition not.
  const sourceOf = (path: string) => shared.sources.find((s) => s.resource.node.path === path)!;
  const key0 = keys[0].node.defaultChild as CfnResource;
  expect(shared.view(sourceOf('Stack/AppRole/DefaultPolicy/Resource'), 0, key0)).toBeDefined();
  expect(shared.view(sourceOf('Stack/Other/DefaultPolicy/Resource'), 0, key0)).toBeUndefined();

  // A key reads only the Allow statements on its own ARN (its sentinel) or "*" of a shared document, in order.
  const appRoleDoc = sourceOf('Stack/AppRole/DefaultPolicy/Resource');
  const resourcesOf = (st: Record<string, unknown>) => ([] as unknown[]).concat(st.Resource);
  for (const key of keys) {
    const view = shared.view(appRoleDoc, 0, key.node.defaultChild as CfnResource, 'marker')!;
    const all = (view.document as { Statement: Array<Record<string, unknown>> }).Statement;
    const expected = all.filter((st) => st.Effect === 'Allow' && (resourcesOf(st).includes('*') || resourcesOf(st).includes(view.keyArn)));
    expect(view.statements).toEqual(expected);
    expect(view.statements.length).toBeLessThan(all.length);
  }
});

test('a grant added after a synth is judged in the next synth and by node.validate() in the same job', () => {
  const { stack, keys, appRole } = app();
  const before = synthErrors(stack).join('\n');
  expect(before).toContain('SecureKey Stack/Key2: the IAM policy');
  expect(before).not.toContain('SecureKey Stack/Key1: the IAM policy');
  appRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [keys[1].keyArn] }));
  expect(keys[1].node.validate().join('\n')).toContain('allows Stack/AppRole kms:GenerateDataKey on this key');
  expect(synthErrors(stack).join('\n')).toContain('SecureKey Stack/Key1: the IAM policy Stack/AppRole/DefaultPolicy allows Stack/AppRole kms:GenerateDataKey on this key');
});
