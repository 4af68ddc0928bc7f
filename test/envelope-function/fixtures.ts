/** Builders shared by the EnvelopeFunction tests. */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { EnvelopeFunction, EnvelopeFunctionProps, SecureKey } from '../../src';
import { newStack } from '../support/secure-key-fixtures';

export interface Built {
  readonly stack: Stack;
  readonly key: SecureKey;
  readonly fn: EnvelopeFunction;
}

/** A stack with a SecureKey and an EnvelopeFunction over it. */
export function build(props: Partial<EnvelopeFunctionProps> = {}, extra?: (stack: Stack, key: SecureKey) => Partial<EnvelopeFunctionProps>): Built {
  const stack = newStack();
  const key = new SecureKey(stack, 'Key');
  const fn = new EnvelopeFunction(stack, 'Envelope', { key, ...props, ...(extra ? extra(stack, key) : {}) });
  return { stack, key, fn };
}

export function logicalId(scope: IConstruct): string {
  return Stack.of(scope).getLogicalId(scope.node.defaultChild as never);
}

/** The CloudFormation properties of a construct's default resource. */
export function propsOf(scope: IConstruct): Record<string, unknown> {
  return Template.fromStack(Stack.of(scope)).toJSON().Resources[logicalId(scope)].Properties;
}

/** The function's environment variables as synthesized. */
export function envOf(fn: EnvelopeFunction): Record<string, unknown> {
  return (propsOf(fn.function).Environment as { Variables: Record<string, unknown> }).Variables;
}

/** Runs synth and returns the error message, or undefined. */
export function synthError(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
