// The README's key-policy-checks example, kept runnable: test/checks/pack.test.ts checks that the README
// shows the lines between the markers verbatim and that the pack reports what the README says.
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { KeyAccessReport, KeyPolicyChecks, SecureKey } from '../src';

/** A user's app with a hand-written, over-broad key policy next to a SecureKey. */
export function keyPolicyChecksExample(app: App = new App()): { stack: Stack; handWritten: kms.Key; secure: SecureKey; pack: KeyPolicyChecks } {
  // --- begin readme ---
  const pack = new KeyPolicyChecks(app);
  Validations.of(app).addPlugins(pack); // every KMS key and IAM policy of the app, at synth
  const stack = new Stack(app, 'Payments', { env: { account: '111111111111', region: 'eu-west-1' } });
  const handWritten = new kms.Key(stack, 'HandWritten', {
    enableKeyRotation: true,
    policy: new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({ actions: ['kms:*'], principals: [new iam.AccountRootPrincipal()], resources: ['*'] }),
        new iam.PolicyStatement({ sid: 'Partners', actions: ['kms:Decrypt'], principals: [new iam.AnyPrincipal()], resources: ['*'] }),
      ],
    }),
  });
  const secure = new SecureKey(stack, 'Secure', {
    administrators: [new iam.Role(stack, 'KeyAdmin', { assumedBy: new iam.AccountRootPrincipal() })],
    users: [new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') })],
  });
  console.log(KeyAccessReport.of(secure).toMarkdown()); // who can do what, as a table
  // --- end readme ---
  return { stack, handWritten, secure, pack };
}
