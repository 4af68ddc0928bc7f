/**
 * Loading an app into LocalKms: how references, names, environments and cross-stack values resolve.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalKms } from '../../lambda/providers/local-kms';
import { appFromTemplates, cloudAssemblySources } from '../../lambda/providers/local-kms-app';

const ROOT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };
const keyPolicy = { Statement: [{ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }] };
const bytes = new Uint8Array([1]);

test('a role in one stack uses a key exported by another (Fn::ImportValue), through its AWS::IAM::Policy', async () => {
  const producer = {
    Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: keyPolicy } } },
    Outputs: { KeyArn: { Value: { 'Fn::GetAtt': ['Key', 'Arn'] }, Export: { Name: 'Producer:KeyArn' } } },
  };
  const consumer = {
    Resources: {
      Worker: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'worker-role' } },
      WorkerPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: { Roles: [{ Ref: 'Worker' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: { 'Fn::ImportValue': 'Producer:KeyArn' } }] } },
      },
    },
  };
  const kms = LocalKms.fromTemplates([
    { template: producer, stackName: 'Producer', account: '123456789012', region: 'eu-west-2' },
    { template: consumer, stackName: 'Consumer', account: '123456789012', region: 'eu-west-2' },
  ]);
  const worker = kms.principalOf('Consumer/Worker');
  expect(worker.arn).toBe('arn:aws:iam::123456789012:role/worker-role');
  expect(worker.iamStatements).toEqual([{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: kms.keyOf('Producer/Key').arn }]);
  await expect(kms.as('Consumer/Worker').encrypt({ KeyId: kms.keyOf('Producer/Key').arn, Plaintext: bytes })).resolves.toBeDefined();
  await expect(kms.as('Consumer/Worker').decrypt({ CiphertextBlob: (await kms.encrypt({ KeyId: kms.keyOf('Producer/Key').arn, Plaintext: bytes })).CiphertextBlob }))
    .rejects.toMatchObject({ name: 'AccessDeniedException' });
});

test('key ids are stable across loads; roles sharing a logical ID across stacks get distinct names', () => {
  const stack = { Resources: { Reader: { Type: 'AWS::IAM::Role', Properties: {} }, Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: keyPolicy } } } };
  const load = () => appFromTemplates([{ template: stack, stackName: 'A' }, { template: stack, stackName: 'B' }]);
  const first = load();
  expect(load().keys.map((k) => k.arn)).toEqual(first.keys.map((k) => k.arn));
  expect(first.keys[0].arn).toMatch(/^arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(new Set(first.keys.map((k) => k.keyId)).size).toBe(2);
  expect(first.principals.map((p) => p.arn)).toEqual(['arn:aws:iam::111122223333:role/A-Reader', 'arn:aws:iam::111122223333:role/B-Reader']);
});

test('a replica whose primary is not loaded is a clear error', () => {
  const replica = { Resources: { Replica: { Type: 'AWS::KMS::ReplicaKey', Properties: { KeyPolicy: keyPolicy, PrimaryKeyArn: { 'Fn::ImportValue': 'Elsewhere:Arn' } } } } };
  expect(() => appFromTemplates([{ template: replica, stackName: 'R' }])).toThrow(/the PrimaryKeyArn of replica key R\/Replica does not resolve to a multi-Region key \(AWS::KMS::Key with MultiRegion: true\) of the loaded app; load the primary's stack too\.$/);
});

describe('a cloud assembly directory', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-assembly-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('takes each stack\'s account and region from the manifest; environment-agnostic stacks take the defaults', () => {
    const template = { Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: keyPolicy, MultiRegion: true } } } };
    fs.writeFileSync(path.join(dir, 'Pinned.template.json'), JSON.stringify(template));
    fs.writeFileSync(path.join(dir, 'Agnostic.template.json'), JSON.stringify(template));
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({
      artifacts: {
        Pinned: { type: 'aws:cloudformation:stack', environment: 'aws://123456789012/eu-west-2', properties: { templateFile: 'Pinned.template.json' } },
        Agnostic: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: 'Agnostic.template.json' } },
      },
    }));
    const sources = cloudAssemblySources(dir);
    expect(sources.map((s) => [s.stackName, s.account, s.region])).toEqual([['Pinned', '123456789012', 'eu-west-2'], ['Agnostic', undefined, undefined]]);
    const kms = LocalKms.fromCloudAssembly(dir, { defaultAccount: '210987654321', defaultRegion: 'ap-south-1' });
    expect(kms.keyOf('Pinned/Key').arn).toMatch(/^arn:aws:kms:eu-west-2:123456789012:key\/mrk-[0-9a-f]{32}$/);
    expect(kms.keyOf('Agnostic/Key').arn).toMatch(/^arn:aws:kms:ap-south-1:210987654321:key\/mrk-/);
  });

  test('a directory without manifest.json is refused with what to do', () => {
    expect(() => LocalKms.fromCloudAssembly(dir)).toThrow(/is not a cloud assembly \(no manifest\.json\)\. Run `cdk synth` and pass its output directory/);
  });
});
