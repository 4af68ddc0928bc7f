/**
 * Reads a synthesized CDK app (a cloud assembly directory or CloudFormation templates) into what
 * LocalKms needs to authorize calls as KMS would: every `AWS::KMS::Key` and `AWS::KMS::ReplicaKey`
 * with its resolved key policy, aliases and settings, and every IAM role and user with its identity
 * policies. Pure apart from reading the assembly's files.
 *
 * How references resolve (documented in docs/local-kms.md):
 * - account and region: the stack's environment in the manifest (`aws://<account>/<region>`); an
 *   environment-agnostic stack takes `defaultAccount`/`defaultRegion`; the partition is `aws`;
 * - `Fn::GetAtt [X, Arn]` of a role: `arn:aws:iam::<account>:role/<RoleName, or the logical ID>`
 *   (users alike, with `user/`; `<stack name>-<logical ID>` where stacks of one account share a
 *   logical ID); `Ref` of a role or user: that name;
 * - a key: a stable key id derived from account, region, stack and logical ID (`mrk-...` for
 *   multi-Region keys); `Ref` gives the id and `Fn::GetAtt Arn` the local key ARN; a replica shares its
 *   primary's id and key material;
 * - `Fn::ImportValue` of another stack's export, and a cross-region reference (CDK's SSM export
 *   writer and reader): the value resolved in the producing stack;
 * - anything else (`${Bucket.Arn}`, unresolvable intrinsics) stays symbolic, so a condition on it
 *   never matches a concrete request.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocalKmsPrincipal } from './local-kms-authorization';
import { normalize } from '../../src/private/policy/json';
import { ConfigurationError } from '../core/errors';

/** A CloudFormation template of one stack, with where it deploys. */
export interface LocalKmsTemplateSource {
  /** The template (parsed JSON). */
  readonly template: unknown;
  /** The stack's name (the first segment of its construct paths). */
  readonly stackName: string;
  /** @default - the loader's defaultAccount */
  readonly account?: string;
  /** @default - the loader's defaultRegion */
  readonly region?: string;
}

export interface LocalKmsAppKey {
  readonly stackName: string;
  readonly logicalId: string;
  /** Construct path without the trailing `/Resource` (`Stack/DataKey`), or `Stack/LogicalId`. */
  readonly path: string;
  readonly keyId: string;
  readonly arn: string;
  readonly account: string;
  readonly region: string;
  /** The resolved key policy (JSON text). */
  readonly policy: string;
  readonly aliases: string[];
  readonly keySpec: string;
  readonly keyUsage: string;
  readonly enabled: boolean;
  readonly rotation: boolean;
  readonly rotationPeriodInDays?: number;
  readonly multiRegion: boolean;
  /** For a replica: the region of its primary. */
  readonly primaryRegion?: string;
  readonly description: string;
}

export interface LocalKmsAppPrincipal extends LocalKmsPrincipal {
  readonly path: string;
  readonly stackName: string;
  readonly logicalId: string;
  readonly kind: 'role' | 'user';
}

/** The keys and principals of a synthesized app. */
export interface LocalKmsApp {
  readonly keys: LocalKmsAppKey[];
  readonly principals: LocalKmsAppPrincipal[];
}

export interface LocalKmsAppOptions {
  /** Account of environment-agnostic stacks. @default '111122223333' */
  readonly defaultAccount?: string;
  /** Region of environment-agnostic stacks. @default 'us-east-1' */
  readonly defaultRegion?: string;
  /**
   * The AWS Organization the app's accounts belong to: every role and user of the app calls with
   * `aws:PrincipalOrgID` set to it, as AWS sets it for principals of an organization's accounts (keys
   * with an organization perimeter deny callers without it). @default - no organization
   */
  readonly organizationId?: string;
}

type Resources = Record<string, { Type?: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
interface Stack {
  name: string;
  account: string;
  region: string;
  resources: Resources;
  outputs: Record<string, { Value?: unknown; Export?: { Name?: unknown } }>;
}

const ROLE = 'AWS::IAM::Role';
const USER = 'AWS::IAM::User';
const KEY = 'AWS::KMS::Key';
const REPLICA = 'AWS::KMS::ReplicaKey';

/** A stable KMS-shaped key id for a key of the app. */
function keyIdFor(seed: string, multiRegion: boolean): string {
  const h = crypto.createHash('sha256').update(seed).digest('hex');
  if (multiRegion) return `mrk-${h.slice(0, 32)}`;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function pathOf(stack: Stack, logicalId: string): string {
  const p = stack.resources[logicalId]?.Metadata?.['aws:cdk:path'];
  return typeof p === 'string' ? p.replace(/\/(Resource|Default)$/, '') : `${stack.name}/${logicalId}`;
}

function plainString(v: unknown): string | undefined {
  return typeof v === 'string' && !v.includes('${') ? v : undefined;
}

/** Replaces {Fn::ImportValue: name} by the export's value (raw, to be resolved in the exporting stack). */
function inlineImports(value: unknown, exports: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => inlineImports(v, exports));
  if (!value || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && keys[0] === 'Fn::ImportValue' && typeof obj['Fn::ImportValue'] === 'string') {
    const resolved = exports.get(obj['Fn::ImportValue']);
    if (resolved !== undefined) return resolved;
  }
  return Object.fromEntries(keys.map((k) => [k, inlineImports(obj[k], exports)]));
}

/** Every `${...}` of a normalized string with what it stands for in this stack, where known. */
function substitute(value: unknown, subs: Map<string, string>): unknown {
  if (typeof value === 'string') return value.replace(/\$\{([^}]+)\}/g, (m, name: string) => subs.get(name) ?? m);
  if (Array.isArray(value)) return value.map((v) => substitute(v, subs));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, subs)]));
  return value;
}

/** Reads every key and IAM principal of a set of stacks, references resolved. */
export function appFromTemplates(sources: readonly LocalKmsTemplateSource[], options: LocalKmsAppOptions = {}): LocalKmsApp {
  const stacks: Stack[] = sources.map((s, i) => {
    const t = s.template as { Resources?: Resources; Outputs?: Stack['outputs'] } | undefined;
    if (!t || typeof t !== 'object' || Array.isArray(t)) {
      throw new ConfigurationError(`LocalKms: template ${i} (${s.stackName}) is not a CloudFormation template object.`);
    }
    return {
      name: s.stackName,
      account: s.account ?? options.defaultAccount ?? '111122223333',
      region: s.region ?? options.defaultRegion ?? 'us-east-1',
      resources: t.Resources ?? {},
      outputs: t.Outputs ?? {},
    };
  });

  // Pass 1: names and ARNs of every role, user and key, per stack.
  const subsOf = new Map<Stack, Map<string, string>>();
  const keyIds = new Map<string, string>();
  // A role or user without a RoleName/UserName is named by its logical ID; where two stacks of one
  // account use the same logical ID, by `<stack name>-<logical ID>` (CloudFormation makes such names
  // unique with a suffix; these only have to be unique and recognisable).
  const unnamed = new Map<string, number>();
  for (const st of stacks) {
    for (const [id, r] of Object.entries(st.resources)) {
      if ((r.Type === ROLE || r.Type === USER) && !plainString(r.Properties?.[r.Type === ROLE ? 'RoleName' : 'UserName'])) {
        unnamed.set(`${st.account}/${id}`, (unnamed.get(`${st.account}/${id}`) ?? 0) + 1);
      }
    }
  }
  for (const st of stacks) {
    const subs = new Map<string, string>([
      ['AWS::AccountId', st.account], ['AWS::Region', st.region], ['AWS::Partition', 'aws'],
      ['AWS::URLSuffix', 'amazonaws.com'], ['AWS::StackName', st.name],
    ]);
    for (const [id, r] of Object.entries(st.resources)) {
      const props = r.Properties ?? {};
      if (r.Type === ROLE || r.Type === USER) {
        const name = plainString(props[r.Type === ROLE ? 'RoleName' : 'UserName'])
          ?? ((unnamed.get(`${st.account}/${id}`) ?? 0) > 1 ? `${st.name}-${id}` : id);
        subs.set(id, name);
        subs.set(`${id}.Arn`, `arn:aws:iam::${st.account}:${r.Type === ROLE ? 'role' : 'user'}/${name}`);
      } else if (r.Type === KEY) {
        const keyId = keyIdFor(`${st.account}/${st.region}/${st.name}/${id}`, props.MultiRegion === true || props.MultiRegion === 'true');
        keyIds.set(`${st.name}/${id}`, keyId);
        subs.set(id, keyId);
        subs.set(`${id}.KeyId`, keyId);
        subs.set(`${id}.Arn`, `arn:aws:kms:${st.region}:${st.account}:key/${keyId}`);
      }
    }
    subsOf.set(st, subs);
  }
  // Exports, resolved in their own stack (keys first, so a replica can import its primary's ARN).
  const exports = new Map<string, string>();
  for (const st of stacks) {
    for (const out of Object.values(st.outputs)) {
      const name = out.Export?.Name;
      if (typeof name !== 'string') continue;
      const v = substitute(normalize(out.Value), subsOf.get(st)!);
      if (typeof v === 'string') exports.set(name, v);
    }
  }
  const resolved = (st: Stack, v: unknown) => substitute(normalize(inlineImports(v, exports)), subsOf.get(st)!);
  // Cross-region references (crossRegionReferences: true): a writer in the producing stack stores each
  // value in an SSM parameter; the consumer reads `Fn::GetAtt [<reader>, <parameter name>]`.
  const crossRegion = new Map<string, string>();
  for (const st of stacks) {
    for (const r of Object.values(st.resources)) {
      if (r.Type !== 'Custom::CrossRegionExportWriter') continue;
      const values = (r.Properties?.WriterProps as { exports?: Record<string, unknown> } | undefined)?.exports ?? {};
      for (const [param, v] of Object.entries(values)) {
        const value = resolved(st, v);
        if (typeof value === 'string') crossRegion.set(param, value);
      }
    }
  }
  for (const st of stacks) {
    for (const [id, r] of Object.entries(st.resources)) {
      if (r.Type !== 'Custom::CrossRegionExportReader') continue;
      for (const [param, value] of crossRegion) subsOf.get(st)!.set(`${id}.${param}`, value);
    }
  }
  const keyIdByArn = new Map<string, string>();
  for (const st of stacks) {
    for (const [id, r] of Object.entries(st.resources)) {
      if (r.Type === KEY) keyIdByArn.set(`arn:aws:kms:${st.region}:${st.account}:key/${keyIds.get(`${st.name}/${id}`)}`, keyIds.get(`${st.name}/${id}`)!);
    }
  }
  // Replica keys share their primary's id; Ref/Arn of a replica resolve to it.
  for (const st of stacks) {
    for (const [id, r] of Object.entries(st.resources)) {
      if (r.Type !== REPLICA) continue;
      const primaryArn = resolved(st, r.Properties?.PrimaryKeyArn);
      const keyId = typeof primaryArn === 'string' ? /:key\/(mrk-[0-9a-f]+)$/.exec(primaryArn)?.[1] : undefined;
      if (!keyId) {
        throw new ConfigurationError(`LocalKms: the PrimaryKeyArn of replica key ${pathOf(st, id)} does not resolve to a multi-Region key (AWS::KMS::Key with MultiRegion: true) of the loaded app; load the primary's stack too.`);
      }
      keyIds.set(`${st.name}/${id}`, keyId);
      const subs = subsOf.get(st)!;
      subs.set(id, keyId);
      subs.set(`${id}.KeyId`, keyId);
      subs.set(`${id}.Arn`, `arn:aws:kms:${st.region}:${st.account}:key/${keyId}`);
    }
  }

  // Pass 2: keys with policies, aliases and settings; principals with identity policies.
  const keys: LocalKmsAppKey[] = [];
  const principals: LocalKmsAppPrincipal[] = [];
  const policiesOf = new Map<string, unknown[]>(); // "<account>/<role|user>/<name>" -> statements
  const attach = (account: string, kind: string, name: unknown, statements: unknown[]) => {
    if (typeof name !== 'string') return;
    const k = `${account}/${kind}/${name}`;
    policiesOf.set(k, [...(policiesOf.get(k) ?? []), ...statements]);
  };
  const statementsOfDoc = (doc: unknown): unknown[] => {
    const s = (doc as { Statement?: unknown } | undefined)?.Statement;
    return s === undefined ? [] : Array.isArray(s) ? s : [s];
  };
  const managed = new Map<string, unknown[]>(); // managed policy ARN -> statements
  for (const st of stacks) {
    for (const [id, r] of Object.entries(st.resources)) {
      if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
      const props = resolved(st, r.Properties ?? {}) as Record<string, unknown>;
      const statements = statementsOfDoc(props.PolicyDocument);
      for (const role of arrayOf(props.Roles)) attach(st.account, 'role', role, statements);
      for (const user of arrayOf(props.Users)) attach(st.account, 'user', user, statements);
      if (r.Type === 'AWS::IAM::ManagedPolicy') {
        const name = plainString(props.ManagedPolicyName) ?? id;
        managed.set(`arn:aws:iam::${st.account}:policy/${name}`, statements);
        subsOf.get(st)!.set(id, `arn:aws:iam::${st.account}:policy/${name}`);
      }
    }
  }
  for (const st of stacks) {
    for (const [id, r] of Object.entries(st.resources)) {
      if (r.Type === ROLE || r.Type === USER) {
        const props = resolved(st, r.Properties ?? {}) as Record<string, unknown>;
        const kind = r.Type === ROLE ? 'role' : 'user';
        const name = subsOf.get(st)!.get(id)!;
        const inline = arrayOf(props.Policies).flatMap((p) => statementsOfDoc((p as { PolicyDocument?: unknown }).PolicyDocument));
        const fromManaged = arrayOf(props.ManagedPolicyArns).flatMap((a) => (typeof a === 'string' ? managed.get(a) ?? [] : []));
        principals.push({
          path: pathOf(st, id),
          stackName: st.name,
          logicalId: id,
          kind,
          arn: `arn:aws:iam::${st.account}:${kind}/${name}`,
          account: st.account,
          iamStatements: [...inline, ...fromManaged, ...(policiesOf.get(`${st.account}/${kind}/${name}`) ?? [])],
          ...(options.organizationId !== undefined ? { context: { 'aws:PrincipalOrgID': options.organizationId } } : {}),
        });
      } else if (r.Type === KEY || r.Type === REPLICA) {
        const props = resolved(st, r.Properties ?? {}) as Record<string, unknown>;
        const keyId = keyIds.get(`${st.name}/${id}`)!;
        const primary = r.Type === REPLICA ? stacks.flatMap((s) => Object.entries(s.resources)
          .filter(([pid, pr]) => pr.Type === KEY && keyIds.get(`${s.name}/${pid}`) === keyId).map(() => s.region))[0] : undefined;
        keys.push({
          stackName: st.name,
          logicalId: id,
          path: pathOf(st, id),
          keyId,
          arn: `arn:aws:kms:${st.region}:${st.account}:key/${keyId}`,
          account: st.account,
          region: st.region,
          policy: JSON.stringify(props.KeyPolicy ?? {}),
          aliases: [],
          keySpec: plainString(props.KeySpec) ?? 'SYMMETRIC_DEFAULT',
          keyUsage: plainString(props.KeyUsage) ?? 'ENCRYPT_DECRYPT',
          enabled: props.Enabled !== false && props.Enabled !== 'false',
          rotation: props.EnableKeyRotation === true || props.EnableKeyRotation === 'true',
          ...(typeof props.RotationPeriodInDays === 'number' ? { rotationPeriodInDays: props.RotationPeriodInDays } : {}),
          multiRegion: r.Type === REPLICA || props.MultiRegion === true || props.MultiRegion === 'true',
          ...(r.Type === REPLICA ? { primaryRegion: primary } : keyId.startsWith('mrk-') ? { primaryRegion: st.region } : {}),
          description: plainString(props.Description) ?? '',
        });
      }
    }
  }
  for (const st of stacks) {
    for (const r of Object.values(st.resources)) {
      if (r.Type !== 'AWS::KMS::Alias') continue;
      const props = resolved(st, r.Properties ?? {}) as Record<string, unknown>;
      const target = props.TargetKeyId;
      const keyId = typeof target === 'string' ? keyIdByArn.get(target) ?? target : undefined;
      const key = keys.find((k) => k.keyId === keyId && k.region === st.region && k.account === st.account);
      if (key && typeof props.AliasName === 'string') key.aliases.push(props.AliasName);
    }
  }
  return { keys, principals };
}

function arrayOf(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

/** The stacks of a cloud assembly directory (`cdk.out`), nested assemblies (stages) included. */
export function cloudAssemblySources(dir: string): LocalKmsTemplateSource[] {
  const manifestPath = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) {
    throw new ConfigurationError(`LocalKms: ${dir} is not a cloud assembly (no manifest.json). Run \`cdk synth\` and pass its output directory (cdk.out).`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { artifacts?: Record<string, { type?: string; environment?: string; properties?: Record<string, unknown>; displayName?: string }> };
  const out: LocalKmsTemplateSource[] = [];
  for (const [id, a] of Object.entries(manifest.artifacts ?? {})) {
    if (a.type === 'aws:cloudformation:stack' && typeof a.properties?.templateFile === 'string') {
      const env = /^aws:\/\/([^/]+)\/(.+)$/.exec(a.environment ?? '');
      const account = env && /^\d{12}$/.test(env[1]) ? env[1] : undefined;
      const region = env && !env[2].startsWith('unknown-') ? env[2] : undefined;
      const template = JSON.parse(fs.readFileSync(path.join(dir, a.properties.templateFile), 'utf8')) as unknown;
      out.push({ template, stackName: typeof a.properties.stackName === 'string' ? a.properties.stackName : id, account, region });
    } else if (a.type === 'cdk:cloud-assembly' && typeof a.properties?.directoryName === 'string') {
      out.push(...cloudAssemblySources(path.join(dir, a.properties.directoryName)));
    }
  }
  return out;
}
