/**
 * Which CloudFormation resources a value refers to, and whether one resource depends on another inside
 * a stack (through Ref, Fn::GetAtt, Fn::Sub or DependsOn). The key-policy renderer uses this to find the
 * references that would make a key and its consumers depend on each other.
 */
import {
  CfnResource, DefaultTokenResolver, IResolvable, IResolveContext, IPostProcessor, Reference, Stack, StringConcat, Token, Tokenization,
} from 'aws-cdk-lib';

/** A resource a value refers to, and the attribute (`Ref` for a Ref). */
export interface ResourceReference {
  readonly target: CfnResource;
  readonly attribute: string;
}

/** A token resolver that notes every reference to a resource while resolving as usual. */
class RecordingResolver extends DefaultTokenResolver {
  public readonly found: ResourceReference[] = [];

  constructor() {
    super(new StringConcat());
  }

  public resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): unknown {
    if (Reference.isReference(t) && CfnResource.isCfnResource(t.target)) {
      this.found.push({ target: t.target, attribute: t.displayName });
    }
    return super.resolveToken(t, context, postProcessor);
  }
}

/** The resources `value` (a token, a string with tokens, or any JSON holding them) refers to. */
export function referencesIn(scope: Stack, value: unknown): ResourceReference[] {
  const resolver = new RecordingResolver();
  Tokenization.resolve(value, { scope, resolver });
  return resolver.found;
}

/** Logical ids a resolved CloudFormation value refers to (Ref, Fn::GetAtt, Fn::Sub, DependsOn). */
export function logicalIdsIn(json: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(json)) {
    for (const v of json) logicalIdsIn(v, out);
  } else if (json !== null && typeof json === 'object') {
    for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
      if (k === 'Ref' && typeof v === 'string' && !v.startsWith('AWS::')) {out.add(v);} else if (k === 'Fn::GetAtt') {out.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]);} else if (k === 'Fn::Sub') {
        const template = Array.isArray(v) ? v[0] : v;
        if (typeof template === 'string') {
          for (const m of template.matchAll(/\$\{([^!}][^}.]*)[^}]*\}/g)) if (!m[1].startsWith('AWS::')) out.add(m[1]);
        }
        if (Array.isArray(v)) logicalIdsIn(v[1], out);
      } else if (k === 'DependsOn') {
        for (const d of Array.isArray(v) ? v : [v]) if (typeof d === 'string') out.add(d);
      } else {logicalIdsIn(v, out);}
    }
  }
  return out;
}

/**
 * Answers "does this resource depend on that one" inside one stack, resolving each resource's
 * CloudFormation once. Made fresh for each question set: the tree may change between syntheses.
 */
export class StackDependencies {
  /** Logical id to resource, built on first need: resolving every logical id of the stack is most of the cost. */
  private logicalIds?: Map<string, CfnResource>;
  private readonly edges = new Map<CfnResource, CfnResource[]>();
  private readonly stringReferences = new Map<string, ResourceReference[]>();

  /** @param skip resources never resolved (the key itself: resolving it would render its policy again) */
  constructor(private readonly stack: Stack, private readonly skip: ReadonlySet<CfnResource>) {}

  private get byLogicalId(): Map<string, CfnResource> {
    if (!this.logicalIds) {
      this.logicalIds = new Map();
      for (const c of this.stack.node.findAll()) {
        if (CfnResource.isCfnResource(c) && Stack.of(c) === this.stack) this.logicalIds.set(this.stack.resolve(c.logicalId), c);
      }
    }
    return this.logicalIds;
  }

  /** Whether `from` depends on `to`, directly or through other resources of the stack. */
  public dependsOn(from: CfnResource, to: CfnResource): boolean {
    const seen = new Set<CfnResource>();
    const stack = [from];
    while (stack.length > 0) {
      const next = stack.pop()!;
      for (const dep of this.dependenciesOf(next)) {
        if (dep === to) return true;
        if (!seen.has(dep)) {
          seen.add(dep);
          stack.push(dep);
        }
      }
    }
    return false;
  }

  private dependenciesOf(resource: CfnResource): CfnResource[] {
    let deps = this.edges.get(resource);
    if (deps) return deps;
    deps = [];
    if (!this.skip.has(resource)) {
      const json = this.stack.resolve(resource._toCloudFormation());
      // A resource that refers to no other resource (an ordinary role) needs no logical ids at all.
      for (const id of logicalIdsIn(json)) {
        const target = this.byLogicalId.get(id);
        if (target && target !== resource) deps.push(target);
      }
    }
    this.edges.set(resource, deps);
    return deps;
  }

  /**
   * `referencesIn(stack, value)`, with the references of each string kept for the life of this graph (the keys of a
   * validation pass read the same principals): a value of strings, arrays and objects with literal keys is read string
   * by string, in the order resolving it would read them; any other value is resolved whole.
   */
  public referencesIn(value: unknown): ResourceReference[] {
    const strings = stringLeaves(value);
    if (strings === undefined) return referencesIn(this.stack, value);
    const out: ResourceReference[] = [];
    for (const text of strings) {
      let refs = this.stringReferences.get(text);
      if (refs === undefined) this.stringReferences.set(text, refs = referencesIn(this.stack, text));
      out.push(...refs);
    }
    return out;
  }

  /** The construct path of the resource with this logical id (for messages), or undefined. */
  public pathOf(logicalId: string): string | undefined {
    const r = this.byLogicalId.get(logicalId);
    return r ? constructPathOf(r) : undefined;
  }
}

/** The strings of a value made of strings, arrays and plain objects with literal keys, in order; otherwise undefined. */
function stringLeaves(value: unknown, out: string[] = []): string[] | undefined {
  if (typeof value === 'string') {
    // A list token resolves with its array, not alone: such a value is resolved whole.
    if (value.includes('#{')) return undefined;
    out.push(value);
    return out;
  }
  if (Array.isArray(value)) {
    for (const v of value) if (stringLeaves(v, out) === undefined) return undefined;
    return out;
  }
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (Token.isUnresolved(k) || stringLeaves(v, out) === undefined) return undefined;
  }
  return out;
}

/** The path users know a resource by: its L2's path when it is the L2's default child. */
export function constructPathOf(resource: CfnResource): string {
  const parent = resource.node.scope;
  if (parent && parent.node.defaultChild === resource) return parent.node.path;
  return resource.node.path;
}
