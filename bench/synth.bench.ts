/**
 * Synth time of a stack of 100 SecureKeys (each with an administrator, a user and an alias) against
 * 100 plain kms.Keys with the same administrator, the same grant and the same alias, interleaved in
 * the same process. Target: ratio <= 1.3 (SYNTH_RATIO_TARGET in report.ts).
 *
 * aws-cdk-lib 2.270 validates every template at synth (a WebAssembly rule engine, most of the synth
 * time, growing with template size; `CDK_VALIDATION=false` turns it off). Both are measured: with
 * it (what a user's `cdk synth` costs) and without it (the constructs' own cost).
 *
 * SecureKey's template is larger by design (a key policy naming the administrators and users, exact
 * actions in the IAM grants, the compliance map in the Metadata), and aws-cdk-lib's synth and validation
 * grow with it. A third contender separates that from SecureKey's own work (checks, rendering, records):
 * kms.Keys written to produce SecureKey's template byte for byte (the bench fails if they do not).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { median, pairedRatio, Spread } from './support';
import { SecureKey } from '../src';
import { adminActions, usageActions } from '../src/key-policy';

export const SYNTH_KEYS = 100;

type Build = (stack: Stack, admin: iam.Role, user: iam.Role, i: number) => void;

/** Synth time in ms; `read` gets the template's text (outside the timed part). */
function synth(build: Build, read?: (template: string) => void): number {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'securekey-bench-'));
  try {
    const t0 = process.hrtime.bigint();
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bench', { env: { account: '111111111111', region: 'us-east-1' } });
    const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    const user = new iam.Role(stack, 'User', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    for (let i = 0; i < SYNTH_KEYS; i++) build(stack, admin, user, i);
    app.synth();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    read?.(fs.readFileSync(path.join(outdir, 'Bench.template.json'), 'utf8'));
    return ms;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * A kms.Key written to produce what `new SecureKey(stack, id, { administrators: [admin], users: [user],
 * aliases: [alias] })` produces: the same key properties and policy, IAM grants and alias. `metadata` is
 * the template Metadata SecureKey writes (its compliance map), set once per stack.
 */
function sameTemplateKey(stack: Stack, admin: iam.Role, user: iam.Role, i: number, metadata: Record<string, unknown>): void {
  if (i === 0) stack.templateOptions.metadata = metadata;
  const admins = adminActions(false);
  const uses = usageActions(kms.KeySpec.SYMMETRIC_DEFAULT, kms.KeyUsage.ENCRYPT_DECRYPT);
  const key = new kms.Key(stack, `Key${i}`, {
    enableKeyRotation: true,
    rotationPeriod: Duration.days(365),
    pendingWindow: Duration.days(30),
    keySpec: kms.KeySpec.SYMMETRIC_DEFAULT,
    keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT,
    removalPolicy: RemovalPolicy.RETAIN,
    policy: new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({ sid: 'AccountAdministersKeyThroughIam', actions: admins, principals: [new iam.AccountRootPrincipal()], resources: ['*'] }),
        new iam.PolicyStatement({ sid: 'KeyAdministrators', actions: admins, principals: [admin], resources: ['*'] }),
        new iam.PolicyStatement({ sid: 'KeyUsers', actions: uses, principals: [user], resources: ['*'] }),
      ],
    }),
  });
  iam.Grant.addToPrincipal({ grantee: admin, actions: admins, resourceArns: [key.keyArn] });
  iam.Grant.addToPrincipal({ grantee: user, actions: uses, resourceArns: [key.keyArn] });
  new kms.Alias(key, `Aliasbench${i}0`, { aliasName: `alias/bench-${i}`, targetKey: key });
}

export interface SynthCase {
  readonly validation: boolean;
  readonly rounds: number;
  readonly kmsKeyMs: number;
  readonly secureKeyMs: number;
  /** Paired per-round ratio SecureKey time / kms.Key time. */
  readonly ratio: Spread;
  /** kms.Keys that produce SecureKey's template byte for byte (absent in runs before it was measured). */
  readonly sameTemplateMs?: number;
  /** Paired per-round ratio same-template kms.Key time / kms.Key time: what the larger template costs. */
  readonly sameTemplateRatio?: Spread;
  /** Paired per-round ratio SecureKey time / same-template kms.Key time: SecureKey's own work. */
  readonly ownWorkRatio?: Spread;
}

export async function synthBench(rounds = 6): Promise<SynthCase[]> {
  const plain = () => synth((stack, admin, user, i) => {
    const key = new kms.Key(stack, `Key${i}`, { enableKeyRotation: true, admins: [admin] });
    key.grantEncryptDecrypt(user);
    key.addAlias(`alias/bench-${i}`);
  });
  const secure = () => synth((stack, admin, user, i) => {
    new SecureKey(stack, `Key${i}`, { administrators: [admin], users: [user], aliases: [`bench-${i}`] });
  });
  const before = process.env.CDK_VALIDATION;
  const out: SynthCase[] = [];
  try {
    for (const validation of [true, false]) {
      process.env.CDK_VALIDATION = validation ? 'true' : 'false';
      plain();
      // The warm-up SecureKey synth gives the template the same-template keys must write.
      let secureTemplate = '';
      synth((stack, admin, user, i) => {
        new SecureKey(stack, `Key${i}`, { administrators: [admin], users: [user], aliases: [`bench-${i}`] });
      }, (t) => secureTemplate = t);
      const metadata = (JSON.parse(secureTemplate) as { Metadata: Record<string, unknown> }).Metadata;
      const same = (read?: (t: string) => void) => synth((stack, admin, user, i) => sameTemplateKey(stack, admin, user, i, metadata), read);
      same((t) => {
        if (t !== secureTemplate) throw new Error('synth bench: the same-template kms.Keys do not write SecureKey\'s template; update sameTemplateKey');
      });
      const plainRuns: number[] = [];
      const secureRuns: number[] = [];
      const sameRuns: number[] = [];
      const contenders: Array<[() => number, number[]]> = [[plain, plainRuns], [secure, secureRuns], [() => same(), sameRuns]];
      for (let round = 0; round < rounds; round++) {
        // Rotate which goes first.
        for (let k = 0; k < contenders.length; k++) {
          const [run, runs] = contenders[(round + k) % contenders.length];
          runs.push(run());
        }
      }
      out.push({
        validation,
        rounds,
        kmsKeyMs: median(plainRuns),
        secureKeyMs: median(secureRuns),
        ratio: pairedRatio(secureRuns, plainRuns),
        sameTemplateMs: median(sameRuns),
        sameTemplateRatio: pairedRatio(sameRuns, plainRuns),
        ownWorkRatio: pairedRatio(secureRuns, sameRuns),
      });
    }
  } finally {
    if (before === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = before;
  }
  return out;
}
