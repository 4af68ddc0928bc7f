/** examples/replicas.ts synthesizes three stacks, each with a bucket encrypted by the key of its Region. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import { addReplicaExample } from '../../examples/replicas';

describe('replica example', () => {
  const app = new App();
  const { primary, replicas } = addReplicaExample(app);
  const assembly = app.synth();

  test('synthesizes the primary and two replica stacks, in three Regions', () => {
    expect(assembly.stacks.map((s) => `${s.stackName} ${s.environment.region}`).sort()).toEqual([
      'SecureKeyReplicas us-east-1',
      'SecureKeyReplicas-replicas-ap-southeast-2 ap-southeast-2',
      'SecureKeyReplicas-replicas-eu-west-1 eu-west-1',
    ]);
    expect(replicas.map((s) => s.region)).toEqual(['eu-west-1', 'ap-southeast-2']);
  });

  test.each([['us-east-1', 'AWS::KMS::Key'], ['eu-west-1', 'AWS::KMS::ReplicaKey'], ['ap-southeast-2', 'AWS::KMS::ReplicaKey']])(
    'in %s a bucket is encrypted with the %s of that Region, and its reader is in that key\'s policy', (region, type) => {
      const stack = [primary, ...replicas].find((s) => s.region === region) as Stack;
      const tpl = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: any }> };
      const [keyId, key] = Object.entries(tpl.Resources).find(([, r]) => r.Type === type)!;
      const bucket = Object.values(tpl.Resources).find((r) => r.Type === 'AWS::S3::Bucket')!;
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      const readerId = Object.entries(tpl.Resources).find(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith('Reader'))![0];
      expect(JSON.stringify(key.Properties.KeyPolicy)).toContain(readerId);
    });

  test('the multiRegion warning is acknowledged in the example', () => {
    expect(Annotations.fromStack(primary).findWarning('*', /multiRegion is on/)).toEqual([]);
  });
});

test('the README shows the example verbatim', () => {
  const root = path.join(__dirname, '..', '..');
  const source = fs.readFileSync(path.join(root, 'examples', 'replicas.ts'), 'utf8');
  const body = source.split('// --- begin readme ---\n')[1].split('  // --- end readme ---')[0];
  const lines = body.split('\n').map((l) => l.replace(/^ {2}/, '')).filter((l) => l.length > 0);
  expect(lines.length).toBeGreaterThanOrEqual(10);
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.split('## Multi-Region replica keys')[1].split('\n## ')[0];
  expect(section).toContain(lines.join('\n'));
});
