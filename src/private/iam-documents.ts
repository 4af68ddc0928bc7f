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
  /**
   * The document's Allow statements whose `Resource` names this key (its sentinel or `marker`) or `*`, in
   * document order: the only statements the check reads (it skips every other one).
   */
  readonly statements: ReadonlyArray<Record<string, unknown>>;
}

/** A resolved document, whether the check may share it, and its Allow statements by each string `Resource` entry. */
interface ResolvedDocument {
  readonly document: unknown;
  readonly clean: boolean;
  readonly statements: ReadonlyArray<Record<string, unknown>>;
  readonly byResource: ReadonlyMap<string, readonly number[]>;
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
  private readonly resolved = new Map<IamSource, ResolvedDocument[]>();
  private readonly identityArns = new Map<CfnResource, string>();
  private readonly evaluators = new Map<string, KeyPolicyEvaluator>();
  private readonly statementTexts = new Map<string, number>();
  private readonly statementIds = new WeakMap<object, number>();
  private readonly remembered = new Map<KeyPolicyEvaluator, Map<string, unknown>>();

  constructor(root: IConstruct, private readonly account: string, private readonly region: string) {
    this.sources = iamSources(root);
  }

  /**
   * Document `index` of `source` as `keyResource` reads it, or undefined when the key must resolve it itself.
   * `marker` is the key's marker (a document may hold it literally).
   */
  public view(source: IamSource, index: number, keyResource: CfnResource, marker?: string): KeyView | undefined {
    let entries = this.resolved.get(source);
    if (!entries) {
      entries = source.documents.map((document) =>
        indexed(resolveMarked(source.stack, document, (t) => this.sentinel(t), this.account, this.region)));
      this.resolved.set(source, entries);
    }
    const entry = entries[index];
    if (!entry.clean) return undefined;
    const keyArn = this.sentinels.get(keyResource);
    // Each key reads the statements on its own ARN and on `*`, not every statement of the app's documents.
    const wanted = new Set<number>();
    for (const r of [marker, keyArn, '*']) for (const i of (r === undefined ? [] : entry.byResource.get(r) ?? [])) wanted.add(i);
    const statements = [...wanted].sort((a, b) => a - b).map((i) => entry.statements[i]);
    return { document: entry.document, keyArn, statements };
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
        // The question's parts as JSON, apart: a NUL never occurs in JSON text (it escapes it), so two questions are
        // equal exactly when their parts are. The statements stand as the number of their JSON text (statementsId).
        const question = `${JSON.stringify([input.keyArn, input.principalArn, input.account])}\u0000${this.statementsId(input.iamStatements)}`
          + `\u0000${JSON.stringify(input.request)}`;
        if (answers.has(question)) return answers.get(question);
        const answer = decide(input);
        answers.set(question, answer);
        return answer;
      };
      this.evaluators.set(text, evaluate);
    }
    return evaluate;
  }

  /**
   * `compute()`, kept per question: an answer of `evaluator` (one from `evaluator()`, shared by equal policies) for
   * the IAM statements `iamStatements` and what `parts` holds (JSON values). The IAM grant check asks it which
   * actions of a statement a principal is denied: the same question for every key built alike.
   */
  public remember<T>(evaluator: KeyPolicyEvaluator, iamStatements: EvaluationInput['iamStatements'], parts: unknown, compute: () => T): T {
    let answers = this.remembered.get(evaluator);
    if (!answers) this.remembered.set(evaluator, answers = new Map());
    const question = `${this.statementsId(iamStatements)}\u0000${JSON.stringify(parts)}`;
    if (answers.has(question)) return answers.get(question) as T;
    const answer = compute();
    answers.set(question, answer);
    return answer;
  }

  /**
   * A number for the JSON text of a request's IAM statements (equal texts, equal numbers), once per array: the IAM
   * grant check builds one array per statement and principal, never changes it, and asks about every action and
   * request with it (as keyPolicyEvaluator expects). Questions then hold a number, not the statements' text.
   */
  private statementsId(statements: EvaluationInput['iamStatements']): number {
    let id = this.statementIds.get(statements);
    if (id === undefined) {
      const text = JSON.stringify(statements);
      id = this.statementTexts.get(text);
      if (id === undefined) this.statementTexts.set(text, id = this.statementTexts.size);
      this.statementIds.set(statements, id);
    }
    return id;
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

/** A resolved document with its Allow statements indexed by each string entry of their `Resource`. */
function indexed(document: unknown): ResolvedDocument {
  const raw = (document as { Statement?: unknown } | null | undefined)?.Statement;
  const statements = (Array.isArray(raw) ? raw : []) as Array<Record<string, unknown>>;
  // A document of another shape (a statement that is no object) is left to each key, which reads it as before.
  const wellFormed = (raw === undefined || Array.isArray(raw)) && statements.every((st) => st !== null && typeof st === 'object');
  const byResource = new Map<string, number[]>();
  statements.forEach((statement, i) => {
    if (statement?.Effect !== 'Allow') return;
    for (const r of new Set(asArray(statement.Resource))) {
      if (typeof r !== 'string') continue;
      const list = byResource.get(r);
      if (list) list.push(i);
      else byResource.set(r, [i]);
    }
  });
  return { document, clean: wellFormed && sentinelsOnlyInResources(document), statements, byResource };
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
