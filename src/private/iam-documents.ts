/**
 * The IAM policy documents of an app as the IAM grant check (iam-grant-check.ts) reads them: resolved with
 * the checked key's ARN as a marker, identities' ARNs as comparable strings and pseudo parameters as plain
 * strings. `SharedIamDocuments` resolves them once for all keys of a validation pass, with a sentinel for
 * every key's ARN; a key then reads its own ARN where its sentinel is.
 */
import {
  CfnResource, DefaultTokenResolver, IPostProcessor, IResolvable, IResolveContext, Reference, Stack, StringConcat, Tokenization,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { EvaluationInput, keyPolicyEvaluator } from './policy-evaluation';
import { constructPathOf } from './references';

/** The key's ARN as the checks write it: in the key's account, so the engine sees a same-account request. */
export function keyMarker(account: string): string {
  return `arn:aws:kms:region:${account}:key/secure-key-under-check`;
}

const IDENTITY_TYPES = ['AWS::IAM::Role', 'AWS::IAM::User'];
const IAM_TYPES = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::IAM::User'];
/** The resources whose ARN the shared resolution writes as a sentinel: those a key policy belongs to. */
const KEY_TYPES = ['AWS::KMS::Key', 'AWS::KMS::ReplicaKey'];

/** Resolves a value, writing the ARN `mark` names (the key's marker) and identities' ARNs as comparable strings. */
class MarkingResolver extends DefaultTokenResolver {
  constructor(private readonly mark: (target: CfnResource) => string | undefined, private readonly account: string,
    private readonly region: string) {
    super(new StringConcat());
  }

  public resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): unknown {
    if (Reference.isReference(t) && CfnResource.isCfnResource(t.target)) {
      const marked = t.displayName === 'Arn' ? this.mark(t.target) : undefined;
      if (marked !== undefined) return marked;
      if (IDENTITY_TYPES.includes(t.target.cfnResourceType) && t.displayName === 'Arn') return identityArn(t.target, this.account);
    }
    // Pseudo parameters become strings here, so strings that embed them stay strings.
    const resolved = super.resolveToken(t, context, postProcessor);
    if (resolved !== null && typeof resolved === 'object' && !Array.isArray(resolved)) {
      const ref = (resolved as Record<string, unknown>).Ref;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::AccountId') return this.account;
      if (ref === 'AWS::Region') return this.region;
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
    }
    return resolved;
  }
}

/** `value` resolved in `scope` as the checks read it; `mark` gives the string to write for a resource's ARN. */
export function resolveMarked(scope: Stack, value: unknown, mark: (target: CfnResource) => string | undefined,
  account: string, region: string): unknown {
  return flatten(Tokenization.resolve(value, { scope, resolver: new MarkingResolver(mark, account, region) }), account, region);
}

/** A comparable ARN for a role or user of the app: its real ARN when it has a literal name. */
export function identityArn(identity: CfnResource, account: string): string {
  const stack = Stack.of(identity);
  const isRole = identity.cfnResourceType === 'AWS::IAM::Role';
  const props = stack.resolve((identity as unknown as Record<string, unknown>)[isRole ? 'roleName' : 'userName']);
  const path = stack.resolve((identity as unknown as Record<string, unknown>).path);
  const name = typeof props === 'string' ? props : `generated-${constructPathOf(identity).replace(/[^\w+=,.@-]/g, '-')}`;
  return `arn:aws:iam::${account}:${isRole ? 'role' : 'user'}${typeof path === 'string' ? path : '/'}${name}`;
}

/** Pseudo parameters and joins as plain strings (partition `aws`), anything else as an opaque string. */
function flatten(value: unknown, account: string, region: string): unknown {
  if (Array.isArray(value)) return value.map((v) => flatten(v, account, region));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [fn, arg] = entries[0];
    if (fn === 'Ref' && arg === 'AWS::Partition') return 'aws';
    if (fn === 'Ref' && arg === 'AWS::AccountId') return account;
    if (fn === 'Ref' && arg === 'AWS::Region') return region;
    if (fn === 'Ref' && arg === 'AWS::URLSuffix') return 'amazonaws.com';
    if (fn === 'Fn::Join' && Array.isArray(arg)) {
      const parts = (arg[1] as unknown[]).map((v) => flatten(v, account, region));
      return parts.every((p) => typeof p === 'string') ? parts.join(String(arg[0])) : JSON.stringify(value);
    }
    if (fn === 'Ref' || fn.startsWith('Fn::')) return JSON.stringify(value);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, flatten(v, account, region)]));
}

export function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** An IAM resource of the app with policy documents, and the identities (roles, users of the app) they apply to. */
export interface IamSource {
  readonly resource: CfnResource;
  readonly stack: Stack;
  readonly documents: unknown[];
  readonly principals: CfnResource[];
}

/** The IAM resources of the app that hold policy documents, in tree order. */
export function iamSources(root: IConstruct): IamSource[] {
  const out: IamSource[] = [];
  for (const c of root.node.findAll()) {
    if (!CfnResource.isCfnResource(c) || !IAM_TYPES.includes(c.cfnResourceType)) continue;
    const { documents, identities } = documentsOf(c);
    if (documents.length === 0) continue;
    const stack = Stack.of(c);
    out.push({ resource: c, stack, documents, principals: identityResources(stack, identities) });
  }
  return out;
}

/** The policy documents of an IAM resource and the identities they apply to. */
function documentsOf(resource: CfnResource): { documents: unknown[]; identities: unknown[] } {
  const r = resource as unknown as Record<string, unknown>;
  switch (resource.cfnResourceType) {
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy':
      // The role and user lists may be list tokens: resolved whole, never element by element.
      return { documents: [r.policyDocument], identities: [r.roles, r.users].filter((v) => v !== undefined) };
    case 'AWS::IAM::Role':
    case 'AWS::IAM::User':
      return {
        documents: asArray(r.policies as Array<{ policyDocument: unknown }> | undefined).map((p) => p.policyDocument),
        identities: [resource],
      };
    default:
      return { documents: [], identities: [] };
  }
}

/** The identities (roles, users of the app) a list of role/user references or constructs names. */
function identityResources(stack: Stack, identities: unknown[]): CfnResource[] {
  const out: CfnResource[] = [];
  for (const identity of identities) {
    if (CfnResource.isCfnResource(identity)) {
      out.push(identity);
      continue;
    }
    const found: CfnResource[] = [];
    const resolver = new (class extends DefaultTokenResolver {
      public resolveToken(t: IResolvable, c: IResolveContext, p: IPostProcessor): unknown {
        if (Reference.isReference(t) && CfnResource.isCfnResource(t.target) && IDENTITY_TYPES.includes(t.target.cfnResourceType)) {
          found.push(t.target);
        }
        return super.resolveToken(t, c, p);
      }
    })(new StringConcat());
    Tokenization.resolve(identity, { scope: stack, resolver });
    out.push(...found);
  }
  return [...new Set(out)];
}

/** Answers whether a key policy allows a request (policy-evaluation.ts). */
export type KeyPolicyEvaluator = (input: Omit<EvaluationInput, 'keyPolicy'>) => boolean | undefined;

/** A document as one key reads it: resolved, and the string that stands for that key's ARN besides its marker. */
export interface KeyView {
  readonly document: unknown;
  readonly keyArn?: string;
}

/**
 * The app's IAM documents resolved once for every key of one account and Region. Each key's ARN is written as
 * its own sentinel string; a key reads its sentinel as its marker. That is the document the key would resolve
 * itself wherever the sentinels are whole `Resource` entries (the checks read nothing else of them there);
 * a document with a sentinel anywhere else (inside a string, a condition) is resolved by each key itself.
 */
export class SharedIamDocuments {
  public readonly sources: IamSource[];
  private readonly sentinels = new Map<CfnResource, string>();
  private readonly resolved = new Map<IamSource, Array<{ document: unknown; clean: boolean }>>();
  private readonly identityArns = new Map<CfnResource, string>();
  private readonly evaluators = new Map<string, KeyPolicyEvaluator>();

  constructor(root: IConstruct, private readonly account: string, private readonly region: string) {
    this.sources = iamSources(root);
  }

  /** Document `index` of `source` as `keyResource` reads it, or undefined when the key must resolve it itself. */
  public view(source: IamSource, index: number, keyResource: CfnResource): KeyView | undefined {
    let entries = this.resolved.get(source);
    if (!entries) {
      entries = source.documents.map((document) => {
        const resolved = resolveMarked(source.stack, document, (t) => this.sentinel(t), this.account, this.region);
        return { document: resolved, clean: sentinelsOnlyInResources(resolved) };
      });
      this.resolved.set(source, entries);
    }
    const entry = entries[index];
    if (!entry.clean) return undefined;
    return { document: entry.document, keyArn: this.sentinels.get(keyResource) };
  }

  /** `identityArn`, once per identity. */
  public identityArn(identity: CfnResource): string {
    let arn = this.identityArns.get(identity);
    if (arn === undefined) {
      arn = identityArn(identity, this.account);
      this.identityArns.set(identity, arn);
    }
    return arn;
  }

  /**
   * `keyPolicyEvaluator(policy)`, shared by the keys whose resolved policies are equal (keys built alike), with
   * its answers kept per request: the engine's answer is a function of the policy and the request alone.
   */
  public evaluator(policy: unknown): KeyPolicyEvaluator {
    const text = JSON.stringify(policy);
    let evaluate = this.evaluators.get(text);
    if (!evaluate) {
      const decide = keyPolicyEvaluator(policy);
      const answers = new Map<string, boolean | undefined>();
      evaluate = (input) => {
        const question = JSON.stringify([input.keyArn, input.principalArn, input.account, input.iamStatements, input.request]);
        if (answers.has(question)) return answers.get(question);
        const answer = decide(input);
        answers.set(question, answer);
        return answer;
      };
      this.evaluators.set(text, evaluate);
    }
    return evaluate;
  }

  private sentinel(target: CfnResource): string | undefined {
    if (!KEY_TYPES.includes(target.cfnResourceType)) return undefined;
    let s = this.sentinels.get(target);
    if (s === undefined) {
      s = `${SENTINEL}${this.sentinels.size}${SENTINEL}`;
      this.sentinels.set(target, s);
    }
    return s;
  }
}

/** Private-use characters: no ARN, name or policy value holds them. */
const SENTINEL = '\uE000securekey-arn-';

/** Whether every sentinel in a resolved document is a whole entry of a statement's `Resource`. */
function sentinelsOnlyInResources(document: unknown): boolean {
  const all = JSON.stringify(document ?? null).split(SENTINEL).length - 1;
  if (all === 0) return true;
  const statements = (document as { Statement?: unknown }).Statement;
  let whole = 0;
  for (const statement of Array.isArray(statements) ? statements : []) {
    const resource = (statement as { Resource?: unknown } | null)?.Resource;
    for (const r of asArray(resource)) if (typeof r === 'string' && r.startsWith(SENTINEL) && r.endsWith(SENTINEL) && r.split(SENTINEL).length === 3) whole += 2;
  }
  return whole === all;
}
