/** Small builders shared by the SecureKey tests. */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SecureKey } from '../../src';

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';

export function newStack(id = 'Stack'): Stack {
  return new Stack(new App(), id, { env: { account: ACCOUNT, region: REGION } });
}

export function roles(stack: Stack): { adminRole: iam.Role; appRole: iam.Role } {
  return {
    adminRole: new iam.Role(stack, 'AdminRole', { assumedBy: new iam.AccountRootPrincipal() }),
    appRole: new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }),
  };
}

/** The key's `KeyPolicy` as CloudFormation will receive it (intrinsics kept). */
export function keyPolicyOf(key: SecureKey): unknown {
  const stack = Stack.of(key);
  const id = stack.getLogicalId(key.node.defaultChild as never);
  return Template.fromStack(stack).toJSON().Resources[id].Properties.KeyPolicy;
}

/** The key's CloudFormation properties. */
export function keyPropsOf(key: SecureKey): Record<string, unknown> {
  const stack = Stack.of(key);
  const id = stack.getLogicalId(key.node.defaultChild as never);
  return Template.fromStack(stack).toJSON().Resources[id].Properties;
}

/** Runs synth-time validation and returns its error messages (empty when the key is valid). */
export function synthErrors(stack: Stack): string[] {
  try {
    Template.fromStack(stack);
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}
