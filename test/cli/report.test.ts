/**
 * `cdk-secure-key report <cdk.out>` end to end: the example app synthesized into a temporary
 * directory, and hand-written assemblies (a stage's nested assembly, an error finding, broken input).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removePrivateBuild, runCli } from './support';
import { EXIT } from '../../cli/errors';
import type { AssemblyReport } from '../../cli/report';
import { buildExampleApp } from '../../examples/app';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'securekey-cli-report-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removePrivateBuild();
});

/**
 * A key whose policy lets every other account decrypt (an error finding): a wildcard principal with a
 * negated account condition, which reads like a pin and is the opposite.
 */
const OPEN_KEY_TEMPLATE = {
  Resources: {
    OpenKey: {
      Type: 'AWS::KMS::Key',
      Properties: {
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:role/admin' }, Action: ['kms:PutKeyPolicy', 'kms:DescribeKey'], Resource: '*' },
            {
              Sid: 'Everyone',
              Effect: 'Allow',
              Principal: { AWS: '*' },
              Action: 'kms:Decrypt',
              Resource: '*',
              Condition: { StringNotEquals: { 'kms:CallerAccount': '111111111111' } },
            },
          ],
        },
      },
      Metadata: { 'aws:cdk:path': 'Prod/Data/OpenKey/Resource' },
    },
  },
};

/** cdk.out with one top-level stack without keys and a stage (nested assembly) holding OPEN_KEY_TEMPLATE. */
function handWrittenAssembly(): string {
  const out = join(dir, 'handwritten.out');
  mkdirSync(join(out, 'assembly-Prod'), { recursive: true });
  writeFileSync(join(out, 'manifest.json'), JSON.stringify({
    version: '48.0.0',
    artifacts: {
      'Tools': { type: 'aws:cloudformation:stack', properties: { templateFile: 'Tools.template.json' } },
      'assembly-Prod': { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Prod', displayName: 'Prod' } },
      'Tree': { type: 'cdk:tree', properties: { file: 'tree.json' } },
    },
  }));
  writeFileSync(join(out, 'Tools.template.json'), JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }));
  writeFileSync(join(out, 'assembly-Prod', 'manifest.json'), JSON.stringify({
    version: '48.0.0',
    artifacts: { ProdData: { type: 'aws:cloudformation:stack', displayName: 'Prod/Data', environment: 'aws://111111111111/us-east-1', properties: { templateFile: 'ProdData.template.json', stackName: 'Prod-Data' } } },
  }));
  writeFileSync(join(out, 'assembly-Prod', 'ProdData.template.json'), JSON.stringify(OPEN_KEY_TEMPLATE));
  return out;
}

test('the example app: its SecureKey has no findings (exit 0); the Markdown shows who can do what', async () => {
  const outdir = join(dir, 'example.out');
  buildExampleApp(outdir).app.synth();
  const md = await runCli(['report', outdir], { cwd: dir });
  expect(md.code).toBe(0);
  const text = md.stdout.toString();
  // The data key and its audit key; the branch key store's wrapping key; the multi-Region primary and its two
  // replicas; the consumer stack has none.
  expect(text).toContain('6 key(s) in 6 stack(s); 0 error(s), 0 warning(s).');
  expect(text).toContain('## Stack SecureKeyExample');
  expect(text).toMatch(/\n\| AppRole\w+ \| if \[(\d+)\] \| if \[\1\] \| if \[\1\] \|/);
  expect(text).toMatch(/\n\| KeyAdminRole\w+ \| no \| no \| no \|/);
  expect(md.stderr).toContain('6 KMS key(s) in 6 stack(s): 0 error finding(s), 0 warning(s)');
  // The README's copy of this output stays true.
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const shown = readme.split('## Command line')[1].split('```text\n')[1].split('```')[0].split('\n');
  const table = shown.filter((l) => l.startsWith('| '));
  expect(table.length).toBeGreaterThanOrEqual(4);
  const printed = text.split('\n');
  for (const line of [...table, shown.find((l) => l.includes('key(s) in'))]) expect(printed).toContain(line);

  const json = await runCli(['report', '--json', outdir], { cwd: dir });
  expect(json.code).toBe(0);
  const report = JSON.parse(json.stdout.toString()) as AssemblyReport;
  expect(report.summary).toEqual({ stacks: 6, keys: 6, errors: 0, warnings: 0 });
  expect(report.stacks.flatMap((s) => s.keys.map((k) => k.logicalId))).toEqual(expect.arrayContaining([expect.stringMatching(/^DataKeyAuditAuditKey/), expect.stringMatching(/^BranchKeyWrappingKey/), expect.stringMatching(/^OrdersKey/), expect.stringMatching(/^ReplicaSecureKeyReplicasOrdersKey/)]));
  expect(report.stacks[0].keys[0].report.rows.map((r) => r.label)).toEqual(expect.arrayContaining([expect.stringMatching(/^AppRole/)]));
}, 120_000); // synthesizing the example app takes most of it

test('an error finding in a stage\'s stack: exit 6, Markdown and JSON name the rule and the resource', async () => {
  const out = handWrittenAssembly();
  const md = await runCli(['report', out], { cwd: dir });
  expect(md.code).toBe(EXIT.FINDINGS);
  const text = md.stdout.toString();
  expect(text).toContain('1 key(s) in 2 stack(s); 1 error(s)');
  expect(text).toContain('## Stack Tools');
  expect(text).toContain('No KMS keys.');
  expect(text).toContain('## Stack Prod/Data');
  expect(text).toContain('### Key Prod/Data/OpenKey/Resource');
  expect(text).toMatch(/\| \*\*error\*\* \| KeyPolicy-KP1 \| Prod\/Data\/OpenKey\/Resource \| .*Sid:Everyone/);

  const json = await runCli(['report', out, '--json', '--stack', 'Prod-Data'], { cwd: dir });
  expect(json.code).toBe(EXIT.FINDINGS);
  const report = JSON.parse(json.stdout.toString()) as AssemblyReport;
  expect(report.stacks.map((s) => [s.stackName, s.displayName, s.templateFile])).toEqual([['Prod-Data', 'Prod/Data', join('assembly-Prod', 'ProdData.template.json')]]);
  expect(report.stacks[0].findings.map((f) => [f.ruleId, f.level, f.resource])).toEqual([['KeyPolicy-KP1', 'error', 'OpenKey']]);

  const toolsOnly = await runCli(['report', out, '--stack', 'Tools'], { cwd: dir });
  expect(toolsOnly.code).toBe(0);
});

test('no assembly, a broken manifest or template, an unknown stack: exit 3 or 2 with one line', async () => {
  const missing = await runCli(['report'], { cwd: dir });
  expect(missing.code).toBe(EXIT.IO);
  expect(missing.stderr).toContain('cannot read cloud assembly cdk.out: not a directory; synthesize the app first (cdk synth)');

  const broken = join(dir, 'broken.out');
  mkdirSync(broken);
  writeFileSync(join(broken, 'manifest.json'), '{ nope');
  const badManifest = await runCli(['report', broken], { cwd: dir });
  expect(badManifest.code).toBe(EXIT.IO);
  expect(badManifest.stderr).toMatch(/manifest .*manifest\.json is not valid JSON/);

  writeFileSync(join(broken, 'manifest.json'), JSON.stringify({ artifacts: { S: { type: 'aws:cloudformation:stack', properties: { templateFile: 'S.template.json' } } } }));
  writeFileSync(join(broken, 'S.template.json'), JSON.stringify({ Resources: [] }));
  const badTemplate = await runCli(['report', broken], { cwd: dir });
  expect(badTemplate.code).toBe(EXIT.IO);
  expect(badTemplate.stderr).toMatch(/cannot analyze S\.template\.json: .*Resources must be an object/);

  const unknownStack = await runCli(['report', handWrittenAssembly(), '--stack', 'Nope'], { cwd: dir });
  expect(unknownStack.code).toBe(EXIT.USAGE);
  expect(unknownStack.stderr).toContain('no stack "Nope" in');
});
