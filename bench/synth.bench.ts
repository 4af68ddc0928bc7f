/**
 * Synth time of a stack of 100 SecureKeys (each with an administrator, a user and an alias) against
 * 100 plain kms.Keys with the same administrator, the same grant and the same alias, interleaved in
 * the same process. Target: ratio <= 1.3 (SYNTH_RATIO_TARGET in report.ts).
 *
 * aws-cdk-lib 2.270 validates every template at synth (a WebAssembly rule engine, most of the synth
 * time, growing with template size; `CDK_VALIDATION=false` turns it off). Both are measured: with
 * it (what a user's `cdk synth` costs) and without it (the constructs' own cost).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { median, pairedRatio, Spread } from './support';
import { SecureKey } from '../src';

export const SYNTH_KEYS = 100;

function synth(build: (stack: Stack, admin: iam.Role, user: iam.Role, i: number) => void): number {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'securekey-bench-'));
  try {
    const t0 = process.hrtime.bigint();
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bench', { env: { account: '111111111111', region: 'us-east-1' } });
    const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    const user = new iam.Role(stack, 'User', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    for (let i = 0; i < SYNTH_KEYS; i++) build(stack, admin, user, i);
    app.synth();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

export interface SynthCase {
  readonly validation: boolean;
  readonly rounds: number;
  readonly kmsKeyMs: number;
  readonly secureKeyMs: number;
  /** Paired per-round ratio SecureKey time / kms.Key time. */
  readonly ratio: Spread;
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
      secure();
      const plainRuns: number[] = [];
      const secureRuns: number[] = [];
      for (let round = 0; round < rounds; round++) {
        // Alternate which goes first.
        if (round % 2 === 0) {
          plainRuns.push(plain());
          secureRuns.push(secure());
        } else {
          secureRuns.push(secure());
          plainRuns.push(plain());
        }
      }
      out.push({ validation, rounds, kmsKeyMs: median(plainRuns), secureKeyMs: median(secureRuns), ratio: pairedRatio(secureRuns, plainRuns) });
    }
  } finally {
    if (before === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = before;
  }
  return out;
}
