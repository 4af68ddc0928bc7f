/**
 * Resolves the CloudFormation intrinsics CDK emits ({Ref}, {Fn::GetAtt}, {Fn::Join}, {Fn::Select},
 * {Fn::Split}, {Fn::Sub}) to plain placeholder strings, so a template can be validated against a
 * resource schema or evaluated as a policy. Role ARNs become `arn:aws:iam::<account>:role/<LogicalId>`.
 */
export interface IntrinsicEnv {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  /** The template's Resources, to know what a logical ID is (a role, a key...). */
  readonly resources: Record<string, { Type: string }>;
  /**
   * The value of another stack's output (`Fn::GetStackOutput`, CDK's cross-stack and cross-Region
   * references), already resolved in that stack.
   *
   * @default - a placeholder `output:<stack>.<output>`
   */
  readonly stackOutput?: (stackName: string, region: string | undefined, outputName: string) => unknown;
}

export const DEFAULT_ENV = { account: '111111111111', region: 'us-east-1', partition: 'aws' };

const PSEUDO: Record<string, (env: IntrinsicEnv) => string> = {
  'AWS::AccountId': (e) => e.account,
  'AWS::Region': (e) => e.region,
  'AWS::Partition': (e) => e.partition,
  'AWS::URLSuffix': () => 'amazonaws.com',
  'AWS::StackName': () => 'Stack',
  'AWS::StackId': (e) => `arn:${e.partition}:cloudformation:${e.region}:${e.account}:stack/Stack/placeholder`,
  'AWS::NoValue': () => '',
};

/** Resource types whose `Ref` CloudFormation answers with the ARN. */
const REF_IS_ARN = ['AWS::SNS::Topic'];

export function arnOf(logicalId: string, env: IntrinsicEnv): string {
  const type = env.resources[logicalId]?.Type;
  switch (type) {
    case 'AWS::IAM::Role': return `arn:${env.partition}:iam::${env.account}:role/${logicalId}`;
    case 'AWS::IAM::User': return `arn:${env.partition}:iam::${env.account}:user/${logicalId}`;
    case 'AWS::KMS::Key': return `arn:${env.partition}:kms:${env.region}:${env.account}:key/${logicalId}`;
    case 'AWS::S3::Bucket': return `arn:${env.partition}:s3:::${logicalId.toLowerCase()}`;
    case 'AWS::Logs::LogGroup': return `arn:${env.partition}:logs:${env.region}:${env.account}:log-group:${logicalId}:*`;
    case 'AWS::SNS::Topic': return `arn:${env.partition}:sns:${env.region}:${env.account}:${logicalId}`;
    default: return `arn:${env.partition}:placeholder:${env.region}:${env.account}:${logicalId}`;
  }
}

export function resolveIntrinsics(value: unknown, env: IntrinsicEnv): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, env));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [k] = keys;
    const arg = obj[k];
    switch (k) {
      case 'Ref': {
        const name = arg as string;
        if (PSEUDO[name]) return PSEUDO[name](env);
        // Resources whose Ref is their ARN.
        return REF_IS_ARN.includes(env.resources[name]?.Type ?? '') ? arnOf(name, env) : name;
      }
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? (arg as string[]) : (arg as string).split('.');
        return attr === 'Arn' ? arnOf(id, env) : `${id}.${attr}`;
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (resolveIntrinsics(parts, env) as unknown[]).map(String).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = resolveIntrinsics(arg, env) as [number | string, unknown[]];
        return list[Number(index)];
      }
      case 'Fn::Split': {
        const [sep, str] = resolveIntrinsics(arg, env) as [string, string];
        return str.split(sep);
      }
      case 'Fn::Sub': {
        const [template, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [arg as string, {}];
        const resolvedVars = resolveIntrinsics(vars, env) as Record<string, unknown>;
        return template.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
          if (name in resolvedVars) return String(resolvedVars[name]);
          if (PSEUDO[name]) return PSEUDO[name](env);
          const [id, attr] = name.split('.');
          return attr === 'Arn' ? arnOf(id, env) : attr ? `${id}.${attr}` : id;
        });
      }
      case 'Fn::ImportValue':
        return `import:${JSON.stringify(arg)}`;
      case 'Fn::GetStackOutput': {
        const { StackName, Region, OutputName } = resolveIntrinsics(arg, env) as { StackName: string; Region?: string; OutputName: string };
        return env.stackOutput?.(StackName, Region, OutputName) ?? `output:${StackName}.${OutputName}`;
      }
      default:
        break;
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolveIntrinsics(obj[k], env)]));
}

export function envFor(
  template: { Resources?: Record<string, { Type: string }> }, overrides: Partial<typeof DEFAULT_ENV> = {},
  stackOutput?: IntrinsicEnv['stackOutput'],
): IntrinsicEnv {
  return { ...DEFAULT_ENV, ...overrides, resources: template.Resources ?? {}, stackOutput };
}
