/**
 * Synth time of a stack of 100 SecureKeys (each with an admin and a user) against 100 plain kms.Keys
 * with the same roles granted, measured in the same run. Target: ratio <= 1.5.
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
  // Interleave warm-ups so both sides see a warm module cache and JIT.
  const plainMs = await medianMs(plain, 5, 2);
  const secureMs = await medianMs(secure, 5, 2);
  console.log(`synth ${KEYS} kms.Key:      ${fmt(plainMs)} ms (median of 5)`);
  console.log(`synth ${KEYS} SecureKey:    ${fmt(secureMs)} ms (median of 5)`);
  console.log(`ratio SecureKey / kms.Key: ${fmt(secureMs / plainMs)}x (target <= 1.5x)`);
}
