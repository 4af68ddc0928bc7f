/**
 * Runs one catalogue case: synthesizes its app with KeyPolicyChecks registered as a validation plugin, and
 * collects every problem a user would meet (synth errors, warnings, dependency cycles, findings of the four
 * cdk-nag packs on the library's resources, schema errors, KMS requests answered wrongly), plus the facts
 * docs/services.md shows (the key policy's statements and size).
 */
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { ACCOUNT, CatalogueCase, REGION, Who } from './case';
import { findCycles, Resources } from './cycles';
import { KeyPolicyChecks } from '../../src';
import { envFor, IntrinsicEnv, resolveIntrinsics } from '../support/cfn-intrinsics';
import { authorize, Caller, iamStatementsOfRole, KmsRequest, PolicyJson } from '../support/kms-access';
import { schemaValidator, SCHEMA_SETS } from '../support/schemas';

export interface CaseResult {
  readonly id: string;
  /** Everything that stops the case from being clean; empty when it is. */
  readonly problems: string[];
  /** The key policy with intrinsics resolved to placeholders, when synth got that far. */
  readonly keyPolicy?: PolicyJson;
  /** Bytes of the resolved key policy as compact JSON. */
  readonly policyBytes?: number;
  /** Bytes of each replica's resolved key policy, by Region (multi-Region cases). */
  readonly replicaPolicyBytes?: Record<string, number>;
  /** Each proof as a sentence: who, the request, the answer expected. */
  readonly proofs: string[];
  /** The synthesized templates (files in the cloud assembly), for cfn-lint. */
  readonly templates?: string[];
}

/** The flags `cdk init` writes into cdk.json: what a new user's app runs with. */
function initContext(): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cxapi = require('aws-cdk-lib/cx-api') as { NEW_PROJECT_CONTEXT?: Record<string, unknown>; CURRENTLY_RECOMMENDED_FLAGS: Record<string, unknown> };
  return { ...cxapi.CURRENTLY_RECOMMENDED_FLAGS };
}

const KEY_SCHEMAS = SCHEMA_SETS.map(([name, dir]) => ({
  name,
  byType: {
    'AWS::KMS::Key': schemaValidator(dir, 'aws-kms-key.json'),
    'AWS::KMS::Alias': schemaValidator(dir, 'aws-kms-alias.json'),
    'AWS::KMS::ReplicaKey': schemaValidator(dir, 'aws-kms-replicakey.json'),
  } as Record<string, ReturnType<typeof schemaValidator>>,
}));

const NAG_PACKS = () => [new AwsSolutionsChecks(), new HIPAASecurityChecks(), new NIST80053R5Checks(), new PCIDSS321Checks()];

export function runCase(c: CatalogueCase): CaseResult {
  const problems: string[] = [];
  const app = new App({ context: { ...initContext(), ...c.context } });
  Validations.of(app).addPlugins(new KeyPolicyChecks(app));
  const stack = new Stack(app, 'Catalogue', { env: { account: ACCOUNT, region: REGION } });
  let built;
  try {
    built = c.build(stack);
  } catch (e) {
    return { id: c.id, problems: [`construction failed: ${firstLines(e)}`], proofs: [] };
  }
  const { key } = built;

  let assembly: CloudAssembly;
  try {
    assembly = app.synth();
  } catch (e) {
    return { id: c.id, problems: [`synth failed: ${firstLines(e)}`], proofs: [] };
  }

  for (const artifact of assembly.stacks) {
    for (const m of artifact.messages) {
      if (m.level === 'error' || m.level === 'warning') problems.push(`${m.level} at ${m.id}: ${String(m.entry.data)}`);
    }
    const template = artifact.template as { Resources?: Resources };
    for (const cycle of findCycles(template.Resources ?? {})) problems.push(`cycle in ${artifact.stackName}: ${cycle.join(' -> ')}`);
    // Validated with intrinsics resolved to placeholder strings (a replica's primary ARN is read across Regions).
    const env = envFor(template as never, { account: artifact.environment.account, region: artifact.environment.region }, outputsOf(assembly));
    const resolvedResources = resolveIntrinsics(template.Resources ?? {}, env) as Resources;
    for (const [logicalId, r] of Object.entries(resolvedResources)) {
      for (const set of KEY_SCHEMAS) {
        const validate = set.byType[r.Type];
        if (validate && !validate(r.Properties ?? {})) {
          problems.push(`schema (${set.name}) ${artifact.stackName}/${logicalId}: ${JSON.stringify(validate.errors)}`);
        }
      }
    }
  }

  // KeyPolicyChecks must pass on its own merits: no acknowledgement of its findings anywhere in the app.
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && JSON.stringify(entry.data).includes('KeyPolicy')) {
        problems.push(`KeyPolicyChecks finding acknowledged at ${construct.node.path}: ${JSON.stringify(entry.data)}`);
      }
    }
  }

  const ours = [key.node.path, ...(key.audit ? [key.audit.node.path] : []), ...key.replicaKeys.map((r) => r.node.path)];
  const isOurs = (path: string) => ours.some((p) => path === p || path.startsWith(`${p}/`));
  for (const s of app.node.children.filter(Stack.isStack)) {
    for (const pack of NAG_PACKS()) {
      for (const v of pack.validateScope(s).violations) {
        for (const r of v.violatingResources) if (isOurs(r.constructPath ?? '')) problems.push(`${v.ruleName} at ${r.constructPath}`);
      }
    }
  }

  // Each key asked (the case's key, its replicas) with its policy resolved in its own stack and Region.
  const views = new Map<IConstruct, KeyView>();
  const viewOf = (k: IConstruct): KeyView => {
    let v = views.get(k);
    if (!v) {
      v = keyView(assembly, k);
      views.set(k, v);
    }
    return v;
  };
  const stackView = (s: Stack) => resolvedStack(assembly, s);
  const { keyPolicy } = viewOf(key);
  const replicaPolicyBytes = Object.fromEntries(key.replicaKeys.map((r) => [r.region, bytes(viewOf(r).keyPolicy)]));
  const proofs: string[] = [];
  for (const proof of built.proofs) {
    const view = viewOf(proof.key ?? key);
    const caller = callerOf(proof.who, stackView);
    const request = resolveStrings(view.stack, proof.request, view.env);
    let answer: string;
    try {
      answer = authorize(view.keyPolicy, view.keyArn, caller, request);
    } catch (e) {
      answer = `an evaluator error (${(e as Error).message})`;
    }
    const asked = view.stack === Stack.of(key) ? '' : `the replica in ${view.stack.region}: `;
    const sentence = `${asked}${proof.who.label}: ${request.action.replace('kms:', '')}${describe(request)}`;
    proofs.push(answer === proof.expect ? `${sentence} ${answer}` : `${sentence} must be ${proof.expect}; today ${answer}`);
    if (answer !== proof.expect) {
      problems.push(`${proof.who.label} ${request.action}${describe(request)}: expected ${proof.expect}, got ${answer}`);
    }
  }

  const templates = assembly.stacks.map((a) => join(assembly.directory, a.templateFile));
  return {
    id: c.id,
    problems,
    keyPolicy,
    policyBytes: bytes(keyPolicy),
    proofs,
    templates,
    replicaPolicyBytes: key.replicaKeys.length > 0 ? replicaPolicyBytes : undefined,
  };
}

function bytes(policy: PolicyJson): number {
  return Buffer.byteLength(JSON.stringify(policy), 'utf8');
}

interface StackView {
  readonly stack: Stack;
  readonly env: IntrinsicEnv;
  readonly resolved: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
}

interface KeyView extends StackView {
  readonly keyPolicy: PolicyJson;
  readonly keyArn: string;
}

/** A stack's template with intrinsics resolved for its own account and Region. */
function resolvedStack(assembly: CloudAssembly, stack: Stack): StackView {
  const template = assembly.getStackArtifact(stack.artifactId).template as { Resources: Resources };
  const env = envFor(template, { account: stack.account, region: stack.region }, outputsOf(assembly));
  return { stack, env, resolved: resolveIntrinsics(template, env) as StackView['resolved'] };
}

/** Another stack's outputs (CDK's Fn::GetStackOutput references), resolved in that stack's own account and Region. */
function outputsOf(assembly: CloudAssembly): NonNullable<IntrinsicEnv['stackOutput']> {
  const lookup = (stackName: string, _region: string | undefined, outputName: string): unknown => {
    const artifact = assembly.stacks.find((a) => a.stackName === stackName);
    const template = artifact?.template as { Resources?: Resources; Outputs?: Record<string, { Value: unknown }> } | undefined;
    const value = template?.Outputs?.[outputName]?.Value;
    if (artifact === undefined || value === undefined) return undefined;
    const env = envFor(template as never, { account: artifact.environment.account, region: artifact.environment.region }, lookup);
    return resolveIntrinsics(value, env);
  };
  return lookup;
}

/** A key's resolved key policy, in its own stack and Region, and a placeholder ARN. */
function keyView(assembly: CloudAssembly, key: IConstruct): KeyView {
  const view = resolvedStack(assembly, Stack.of(key));
  const logicalId = view.stack.getLogicalId(key.node.defaultChild as never);
  return {
    ...view,
    keyPolicy: view.resolved.Resources[logicalId].Properties!.KeyPolicy as PolicyJson,
    keyArn: `arn:aws:kms:${view.stack.region}:${ACCOUNT}:key/${logicalId}`,
  };
}

function callerOf(who: Who, stackView: (stack: Stack) => StackView): Caller {
  switch (who.kind) {
    case 'service':
      return { label: who.label, service: who.service, account: ACCOUNT, iamStatements: [] };
    case 'principal':
      return { label: who.label, arn: who.arn, account: who.account, iamStatements: who.iamStatements };
    case 'role': {
      // The role's own stack, which may not be the key's: its name is the one CDK gave it, or its logical id.
      const { stack, env, resolved } = stackView(Stack.of(who.role));
      const roleId = stack.getLogicalId(who.role.node.defaultChild as never);
      const name = resolved.Resources[roleId]?.Properties?.RoleName;
      const arn = `arn:${env.partition}:iam::${env.account}:role/${typeof name === 'string' ? name : roleId}`;
      return { label: who.label, arn, account: env.account, iamStatements: iamStatementsOfRole(resolved as never, roleId) };
    }
  }
}

/** Resolves the tokens of a request's strings the way the template's were resolved. */
function resolveStrings<T>(stack: Stack, value: T, env: IntrinsicEnv): T {
  return resolveIntrinsics(stack.resolve(value), env) as T;
}

function describe(r: KmsRequest): string {
  const parts = [
    r.viaService && `via ${r.viaService}`,
    r.encryptionContext && `context ${JSON.stringify(r.encryptionContext)}`,
    r.sourceArn && `source ${r.sourceArn}`,
    r.sourceAccount && `source account ${r.sourceAccount}`,
    r.grantIsForAwsResource !== undefined && `grant for AWS resource ${r.grantIsForAwsResource}`,
  ].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function firstLines(e: unknown): string {
  return String((e as Error).message ?? e).split('\n').filter((l) => l.trim() !== '').slice(0, 12).join('\n  ');
}
