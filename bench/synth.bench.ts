/**
 * Synth time of a stack of 100 SecureKeys (each with an admin and a user) against 100 plain kms.Keys
 * with the same roles granted, measured in the same run, interleaved. Target: ratio <= 1.5.
 *
 * aws-cdk-lib 2.270 validates every template at synth (a WebAssembly rule engine, most of the synth
 * time, growing with template size; `CDK_VALIDATION=false` turns it off). Both figures are printed:
 * with it (what a user's `cdk synth` costs) and without it (the constructs' own cost).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { fmt, medianMs } from './support';
import { SecureKey } from '../src';

const KEYS = 100;

function synth(build: (stack: Stack, admin: iam.Role, user: iam.Role, i: number) => void): void {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'securekey-bench-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bench', { env: { account: '111111111111', region: 'us-east-1' } });
    const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    const user = new iam.Role(stack, 'User', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    for (let i = 0; i < KEYS; i++) build(stack, admin, user, i);
    app.synth();
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

export default async function run(): Promise<void> {
  const plain = () => synth((stack, admin, user, i) => {
    const key = new kms.Key(stack, `Key${i}`, { enableKeyRotation: true, admins: [admin] });
    key.grantEncryptDecrypt(user);
  });
  const secure = () => synth((stack, admin, user, i) => {
    new SecureKey(stack, `Key${i}`, { administrators: [admin], users: [user] });
  });
  for (const validation of [true, false]) {
    process.env.CDK_VALIDATION = validation ? 'true' : 'false';
    const plainRuns: number[] = [];
    const secureRuns: number[] = [];
    for (let round = 0; round < 6; round++) {
      plainRuns.push(await medianMs(plain, 1, round === 0 ? 1 : 0));
      secureRuns.push(await medianMs(secure, 1, round === 0 ? 1 : 0));
    }
    const ratios = plainRuns.map((p, i) => secureRuns[i] / p).sort((a, b) => a - b);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`template validation ${validation ? 'on (default)' : 'off (CDK_VALIDATION=false)'}:`);
    console.log(`  synth ${KEYS} kms.Key:   ${fmt(median(plainRuns))} ms   synth ${KEYS} SecureKey: ${fmt(median(secureRuns))} ms (medians of 6 interleaved rounds)`);
    console.log(`  ratio SecureKey / kms.Key: ${fmt(median(ratios))}x [${fmt(ratios[1])}-${fmt(ratios[4])}] (target <= 1.5x)`);
  }
  delete process.env.CDK_VALIDATION;
}
