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
    for (const [logicalId, r] of Object.entries(template.Resources ?? {})) {
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

  const ours = [key.node.path, ...(key.audit ? [key.audit.node.path] : [])];
  const isOurs = (path: string) => ours.some((p) => path === p || path.startsWith(`${p}/`));
  for (const s of app.node.children.filter(Stack.isStack)) {
    for (const pack of NAG_PACKS()) {
      for (const v of pack.validateScope(s).violations) {
        for (const r of v.violatingResources) if (isOurs(r.constructPath ?? '')) problems.push(`${v.ruleName} at ${r.constructPath}`);
      }
    }
  }

  const keyStack = Stack.of(key);
  const template = assembly.getStackArtifact(keyStack.artifactId).template as { Resources: Resources };
  const env = envFor(template, { account: ACCOUNT, region: REGION });
  const resolved = resolveIntrinsics(template, env) as { Resources: Record<string, { Properties?: Record<string, unknown> }> };
  const keyLogicalId = keyStack.getLogicalId(key.node.defaultChild as never);
  const keyPolicy = resolved.Resources[keyLogicalId].Properties!.KeyPolicy as PolicyJson;
  const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyLogicalId}`;
  const proofs: string[] = [];
  for (const proof of built.proofs) {
    const caller = callerOf(proof.who, keyStack, resolved as never, env);
    const request = resolveStrings(keyStack, proof.request, env);
    let answer: string;
    try {
      answer = authorize(keyPolicy, keyArn, caller, request);
    } catch (e) {
      answer = `an evaluator error (${(e as Error).message})`;
    }
    const sentence = `${proof.who.label}: ${request.action.replace('kms:', '')}${describe(request)}`;
    proofs.push(answer === proof.expect ? `${sentence} ${answer}` : `${sentence} must be ${proof.expect}; today ${answer}`);
    if (answer !== proof.expect) {
      problems.push(`${proof.who.label} ${request.action}${describe(request)}: expected ${proof.expect}, got ${answer}`);
    }
  }

  const templates = assembly.stacks.map((a) => join(assembly.directory, a.templateFile));
  return { id: c.id, problems, keyPolicy, policyBytes: Buffer.byteLength(JSON.stringify(keyPolicy), 'utf8'), proofs, templates };
}

function callerOf(who: Who, stack: Stack, resolved: { Resources: Resources }, env: IntrinsicEnv): Caller {
  switch (who.kind) {
    case 'service':
      return { label: who.label, service: who.service, account: ACCOUNT, iamStatements: [] };
    case 'principal':
      return { label: who.label, arn: who.arn, account: who.account, iamStatements: who.iamStatements };
    case 'role': {
      const roleId = stack.getLogicalId(who.role.node.defaultChild as never);
      return { label: who.label, arn: `arn:${env.partition}:iam::${env.account}:role/${roleId}`, account: env.account, iamStatements: iamStatementsOfRole(resolved as never, roleId) };
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
