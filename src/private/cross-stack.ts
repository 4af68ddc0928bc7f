/**
 * How a key policy names a principal owned by another stack of the app, without referring to it.
 *
 * Stacks that use a key (buckets, queues, tables encrypted with it, IAM policies naming its ARN) depend on
 * the key's stack. If the key policy referred to a role of such a stack, the key's stack would depend on
 * it too: a cycle. So the key policy names the account (`Principal: {AWS: <account root>}`) and pins the
 * statement to that one role or user with `aws:PrincipalArn`, written as a literal ARN. The principal's own
 * IAM statement (in its stack, on the key's ARN) completes the grant, as KMS requires for an account principal.
 * A role or user without a physical name gets one, generated from its construct path, so that its ARN is
 * known at synth.
 */
import { Annotations, Aws, CfnResource, Names, Resource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { SecureKeyConfigError } from './validation';

/** How a key policy names a grantee. */
export interface KeyPolicyPrincipal {
  readonly principal: iam.IPrincipal;
  /** Conditions that pin an account principal to the grantee (`aws:PrincipalArn`). */
  readonly conditions?: Record<string, Record<string, unknown>>;
  /** The grantee is owned by another stack of the app. */
  readonly crossStack: boolean;
}

/** The identity resource behind a principal (a role or user of this app), if any. */
function identityResource(principal: IConstruct): CfnResource | undefined {
  const child = principal.node.defaultChild;
  if (child && CfnResource.isCfnResource(child) && ['AWS::IAM::Role', 'AWS::IAM::User'].includes(child.cfnResourceType)) return child;
  return undefined;
}

/** Whether the principal's ARN refers to a resource of its stack (rather than being a literal or an import). */
function refersToResources(stack: Stack, principal: iam.IPrincipal): boolean {
  const json = JSON.stringify(stack.resolve(principal.policyFragment.principalJson));
  return /"Ref":"(?!AWS::)|"Fn::GetAtt"|"Fn::ImportValue"/.test(json);
}

/** How the key policy of `key` names `grantee`. */
export function keyPolicyPrincipal(key: Resource, grantee: iam.IGrantable): KeyPolicyPrincipal {
  const principal = grantee.grantPrincipal;
  if (!Construct.isConstruct(principal) || !Resource.isOwnedResource(principal)) return { principal, crossStack: false };
  const keyStack = Stack.of(key);
  const granteeStack = Stack.of(principal);
  if (granteeStack === keyStack || !refersToResources(keyStack, principal)) return { principal, crossStack: false };
  const identity = identityResource(principal);
  if (!identity) {
    throw new SecureKeyConfigError(`SecureKey ${key.node.path}: cannot grant to ${principal.node.path} (stack ${granteeStack.node.path}), `
      + `a principal of another stack that is not an IAM role or user, so its ARN cannot be written into the key policy of stack ${keyStack.node.path} `
      + 'without making that stack depend on it. Grant to a role or user, or create the principal in the key\'s stack.');
  }
  if (!Token.isUnresolved(keyStack.account) && !Token.isUnresolved(granteeStack.account) && keyStack.account !== granteeStack.account) {
    throw new SecureKeyConfigError(`SecureKey ${key.node.path}: cannot grant to ${principal.node.path}: its stack ${granteeStack.node.path} is in account `
      + `${granteeStack.account}, the key's in ${keyStack.account}. SecureKey grants only to principals of the key's account.`);
  }
  return {
    principal: new iam.AccountRootPrincipal(),
    conditions: { ArnEquals: { 'aws:PrincipalArn': literalArn(identity, keyStack) } },
    crossStack: true,
  };
}

/** The identity's ARN as a literal, giving it a physical name (from its construct path) if it has none. */
function literalArn(identity: CfnResource, keyStack: Stack): string {
  const isRole = identity.cfnResourceType === 'AWS::IAM::Role';
  const nameProperty = isRole ? 'roleName' : 'userName';
  const stack = Stack.of(identity);
  // An L2 without a name passes a token that resolves to nothing.
  const current = stack.resolve((identity as unknown as Record<string, unknown>)[nameProperty]);
  let name: string;
  if (typeof current === 'string' && !Token.isUnresolved(current)) {
    name = current;
  } else if (current === undefined) {
    name = Names.uniqueResourceName(identity, { maxLength: 64, separator: '-' });
    (identity as unknown as Record<string, unknown>)[nameProperty] = name;
    Annotations.of(identity.node.scope ?? identity).addInfo(`cdk-secure-key: named ${name}, so that the key policy of a SecureKey in stack `
      + `${keyStack.node.path} can name it without depending on stack ${stack.node.path}.`);
  } else {
    throw new SecureKeyConfigError(`SecureKey: cannot grant to ${identity.node.path} in another stack: its ${nameProperty} is only known at deploy time, `
      + 'so the key policy cannot name it without depending on its stack. Give it a literal name, or create it in the key\'s stack.');
  }
  const pathValue = (identity as unknown as Record<string, unknown>).path;
  const path = typeof pathValue === 'string' && !Token.isUnresolved(pathValue) ? pathValue : '/';
  return `arn:${Aws.PARTITION}:iam::${keyStack.account}:${isRole ? 'role' : 'user'}${path}${name}`;
}
