/**
 * Messages name resources by construct path, never by the tokens CloudFormation resolves at deploy time:
 * `{"Fn::GetAtt":["AdminC75D2A91","Arn"]}` reads `Keys/Admin`.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { constructPathOf } from './references';

/** Logical id -> construct path, for every resource of the stack. */
function pathsByLogicalId(stack: Stack): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of stack.node.findAll()) {
    if (CfnResource.isCfnResource(c) && Stack.of(c) === stack) out.set(stack.resolve(c.logicalId), constructPathOf(c));
  }
  return out;
}

function render(value: unknown, paths: Map<string, string>): string {
  // The policy engine shows intrinsics symbolically: `${AdminRole1234.Arn}`, `${Topic1234}`.
  if (typeof value === 'string') return value.replace(/\$\{([A-Za-z0-9]+)(\.[A-Za-z.]+)?\}/g, (m, id: string) => paths.get(id) ?? m);
  if (Array.isArray(value)) return value.map((v) => render(v, paths)).join(', ');
  if (value && typeof value === 'object') {
    const [[fn, arg]] = Object.entries(value as Record<string, unknown>);
    if (fn === 'Ref' && typeof arg === 'string') return arg.startsWith('AWS::') ? `\${${arg}}` : paths.get(arg) ?? arg;
    if (fn === 'Fn::GetAtt') {
      const id = Array.isArray(arg) ? String(arg[0]) : String(arg).split('.')[0];
      return paths.get(id) ?? id;
    }
    if (fn === 'Fn::Join' && Array.isArray(arg)) return (arg[1] as unknown[]).map((v) => render(v, paths)).join(String(arg[0]));
    if (fn === 'Fn::ImportValue') return `(value exported by another stack: ${render(arg, paths)})`;
    if (fn === 'Fn::Sub' && typeof arg === 'string') return arg.replace(/\$\{([^}.]+)[^}]*\}/g, (m, id: string) => paths.get(id) ?? m);
  }
  return JSON.stringify(value);
}

/**
 * A principal or resource as users know it: a construct path for a resource of the app, `${AWS::AccountId}`
 * for a pseudo parameter, the string itself otherwise. Takes a resolved value or its JSON text.
 */
export function describeValue(scope: IConstruct, value: unknown): string {
  let parsed = value;
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      parsed = JSON.parse(value);
    } catch {
      return value;
    }
  }
  return render(parsed, pathsByLogicalId(Stack.of(scope)));
}
