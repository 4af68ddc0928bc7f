import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { templateFileName, writeTemplates } from './template-out';

describe('templates written for cfn-lint', () => {
  const testPath = path.join(__dirname, '..', 'audit', 'nag.test.ts');

  test('file names: the test file, the stack and the content hash; same content, same name', () => {
    const name = templateFileName(testPath, 'Stack', '{"Resources":{}}');
    expect(name).toMatch(/^test_audit_nag__Stack__[0-9a-f]{12}\.template\.json$/);
    expect(templateFileName(testPath, 'Stack', '{"Resources":{}}')).toBe(name);
    expect(templateFileName(testPath, 'Stack', '{"Resources":{"A":{}}}')).not.toBe(name);
    expect(templateFileName(testPath, 'Outer/Inner', '{}')).toMatch(/^test_audit_nag__Outer_Inner__/);
  });

  test('every stack of the assembly, nested stages included, each distinct template once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'templates-'));
    try {
      const app = new App();
      new sns.Topic(new Stack(app, 'Top'), 'Topic');
      new sns.Topic(new Stack(new Stage(app, 'Inner'), 'Nested'), 'Topic');
      const assembly = app.synth();
      const first = writeTemplates(assembly, dir, testPath);
      const second = writeTemplates(assembly, dir, testPath);
      expect(second).toEqual(first);
      const files = fs.readdirSync(dir).sort();
      expect(files).toHaveLength(2);
      expect(files.some((f) => f.includes('__Top__'))).toBe(true);
      expect(files.some((f) => f.includes('__InnerNested'))).toBe(true);
      const top = JSON.parse(fs.readFileSync(path.join(dir, files.find((f) => f.includes('__Top__'))!), 'utf8'));
      expect(Object.values(top.Resources as Record<string, { Type: string }>).map((r) => r.Type)).toEqual(['AWS::SNS::Topic']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
