/**
 * Renders a key policy so that it never makes the key depend on a resource that depends on the key.
 *
 * A key-policy condition such as `aws:SourceArn` = a topic's ARN refers to the topic; when the topic is
 * encrypted with the key, the topic refers to the key as well, and CloudFormation cannot create either
 * first. The renderer replaces each such reference (and every reference to a resource of another stack,
 * so that the key's stack never depends on its consumers' stacks) with a stand-in: the literal ARN or name
 * when the resource has a physical name, otherwise a pattern over that type's names in the account and
 * Region (the condition then matches patterns, and `aws:SourceArn` gets `aws:SourceAccount` beside it).
 * What it cannot replace (a principal, an unknown resource type, a negated condition) becomes a problem
 * that fails synth.
 */
import { CfnResource, IResolvable, Stack, Token, Tokenization } from 'aws-cdk-lib';
import { NAMED_TYPES, StandIn, standInFor } from './physical-names';
import { constructPathOf, referencesIn, ResourceReference, StackDependencies } from './references';

/** A statement as `PolicyStatement.toStatementJson()` writes it (values may hold tokens). */
export type StatementJson = Record<string, unknown> & {
  Sid?: string;
  Action?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

/** The result of rendering: the statements to write, and the cycles that could not be broken. */
export interface RenderedStatements {
  readonly statements: StatementJson[];
  readonly problems: string[];
}

/** Operators whose exact match can become a pattern match without widening beyond the pattern. */
const TO_PATTERN: Record<string, string> = {
  StringEquals: 'StringLike',
  ArnEquals: 'ArnLike',
  StringEqualsIfExists: 'StringLikeIfExists',
  ArnEqualsIfExists: 'ArnLikeIfExists',
  StringLike: 'StringLike',
  ArnLike: 'ArnLike',
  StringLikeIfExists: 'StringLikeIfExists',
  ArnLikeIfExists: 'ArnLikeIfExists',
};

// While one key's policy is being analysed, other keys' policies render as written: resolving a key
// that is itself being analysed would recurse. Their references then count as written (never fewer).
let analysing = 0;

/** Whether a renderer is running (other keys then render without analysis). */
export function isAnalysing(): boolean {
  return analysing > 0;
}

/** Describes a statement for messages: its Sid, or its position and actions. */
export function statementLabel(statement: StatementJson, index: number): string {
  const actions = ([] as unknown[]).concat(statement.Action ?? []).filter((a) => typeof a === 'string').join(', ');
  return statement.Sid ? `statement '${statement.Sid}' (${actions})` : `statement ${index} (${actions})`;
}

/**
 * Rewrites the references in `statements` that would close a cycle with `keyResource`. `subject` names
 * the key in messages; `graphs` holds the dependency graphs the keys of a validation pass share.
 * `checkPrincipals: false` leaves out the principals: they are never rewritten, only reported as problems,
 * so the statements come out the same (for a caller that reads the statements alone).
 */
export function breakCycles(keyResource: CfnResource, statements: StatementJson[], subject: string,
  graphs?: Map<Stack, StackDependencies>, checkPrincipals = true): RenderedStatements {
  const stack = Stack.of(keyResource);
  // A statement whose conditions hold no token is returned as it is (rewriteConditions finds no reference in it).
  if (!statements.some((s) => hasTokens(s.Condition) || (checkPrincipals && hasTokens(s.Principal)))) return { statements, problems: [] };
  analysing++;
  try {
    // `graphs`: the stacks' graphs shared by the keys of one validation pass. A shared graph resolves every key
    // (as written: analysing is on), but a search towards this key stops when it reaches it, so this key's own
    // references are never read, as with the graph that skips it.
    let deps = graphs?.get(stack);
    if (!deps) {
      deps = new StackDependencies(stack, graphs ? new Set() : new Set([keyResource]));
      graphs?.set(stack, deps);
    }
    const graph = deps;
    const closesCycle = (ref: ResourceReference) => ref.target !== keyResource
      && (Stack.of(ref.target) !== stack || graph.dependsOn(ref.target, keyResource));
    // A principal of another stack is fine while that stack does not depend on the key's (a replica's
    // stack names the primary's principals); the grant methods never write one of a stack that does.
    const principalClosesCycle = (ref: ResourceReference) => ref.target !== keyResource
      && (Stack.of(ref.target) === stack ? graph.dependsOn(ref.target, keyResource) : stackDependsOn(Stack.of(ref.target), stack));
    const problems: string[] = [];
    const out = statements.map((statement, index) => {
      const label = statementLabel(statement, index);
      const principalRefs = checkPrincipals ? graph.referencesIn(statement.Principal ?? {}) : [];
      for (const ref of distinct(principalRefs.filter(principalClosesCycle))) {
        problems.push(principalProblem(subject, label, ref, stack));
      }
      if (!statement.Condition) return statement;
      return rewriteConditions(statement, label, subject, stack, closesCycle, problems);
    });
    return { statements: out, problems };
  } finally {
    analysing--;
  }
}

function rewriteConditions(statement: StatementJson, label: string, subject: string, stack: Stack,
  closesCycle: (ref: ResourceReference) => boolean, problems: string[]): StatementJson {
  const condition: Record<string, Record<string, unknown>> = {};
  let patternForSourceArn = false;
  let changed = false;
  for (const [operator, block] of Object.entries(statement.Condition!)) {
    for (const [key, value] of Object.entries(block)) {
      const rewritten = rewriteValue(value, stack, closesCycle);
      if (!rewritten) {
        (condition[operator] ??= {})[key] = value;
        continue;
      }
      changed = true;
      for (const ref of rewritten.unknown) {
        problems.push(`${subject}: key policy ${label} has a condition on ${key} that refers to ${describe(ref, stack)}, `
          + `${cycleText(ref, stack)}. SecureKey can write the reference without it only for ${NAMED_TYPES.join(', ')}. `
          + 'Give the condition a literal value (for example the resource\'s ARN built from a physical name), or move the resource to a stack that deploys after the key\'s.');
      }
      let target = operator;
      if (rewritten.pattern) {
        target = TO_PATTERN[operator];
        if (!target) {
          problems.push(`${subject}: key policy ${label} has a ${operator} condition on ${key} that refers to a resource with no physical name `
            + `(${rewritten.refs.map((r) => describe(r, stack)).join(', ')}), ${cycleText(rewritten.refs[0], stack)}. A pattern cannot stand in for it under ${operator}. `
            + 'Give the resource a physical name, or use a positive operator (StringEquals, ArnEquals, StringLike, ArnLike).');
          target = operator;
        }
        if (key.toLowerCase() === 'aws:sourcearn') patternForSourceArn = true;
      }
      const dest = (condition[target] ??= {});
      if (dest[key] !== undefined && target !== operator) {
        problems.push(`${subject}: key policy ${label} has ${key} under both ${operator} and ${target}; SecureKey cannot merge them without widening the condition. Write one condition on ${key}.`);
      }
      dest[key] = rewritten.value;
    }
  }
  if (!changed) return statement;
  if (patternForSourceArn && !Object.values(condition).some((b) => Object.keys(b).some((k) => k.toLowerCase() === 'aws:sourceaccount'))) {
    (condition.StringEquals ??= {})['aws:SourceAccount'] = stack.account;
  }
  return { ...statement, Condition: condition };
}

interface Rewritten {
  readonly value: unknown;
  readonly pattern: boolean;
  readonly refs: ResourceReference[];
  readonly unknown: ResourceReference[];
}

/** The value with cycle-closing references replaced, or undefined when it has none. */
function rewriteValue(value: unknown, stack: Stack, closesCycle: (ref: ResourceReference) => boolean): Rewritten | undefined {
  if (Array.isArray(value)) {
    const parts = value.map((v) => rewriteValue(v, stack, closesCycle));
    if (parts.every((p) => p === undefined)) return undefined;
    return {
      value: parts.map((p, i) => (p ? p.value : value[i])),
      pattern: parts.some((p) => p?.pattern),
      refs: parts.flatMap((p) => p?.refs ?? []),
      unknown: parts.flatMap((p) => p?.unknown ?? []),
    };
  }
  if (typeof value !== 'string' && !Token.isUnresolved(value)) return undefined;
  const tokens: IResolvable[] = typeof value === 'string' ? Tokenization.reverseString(value).tokens : [value as IResolvable];
  let text = typeof value === 'string' ? value : undefined;
  let pattern = false;
  const refs: ResourceReference[] = [];
  const unknown: ResourceReference[] = [];
  for (const token of tokens) {
    const cyclic = distinct(referencesIn(stack, token).filter(closesCycle));
    if (cyclic.length === 0) continue;
    refs.push(...cyclic);
    const standIn: StandIn | undefined = cyclic.length === 1 ? standInFor(cyclic[0].target, cyclic[0].attribute) : undefined;
    if (!standIn) {
      unknown.push(...cyclic);
      continue;
    }
    pattern ||= standIn.pattern;
    if (text === undefined) text = standIn.value;
    else text = text.split(Token.asString(token)).join(standIn.value);
  }
  if (refs.length === 0) return undefined;
  return { value: text ?? value, pattern, refs, unknown };
}

/** Whether `from` depends on `to`, directly or through other stacks. */
function stackDependsOn(from: Stack, to: Stack): boolean {
  const seen = new Set<Stack>();
  const todo = [from];
  while (todo.length > 0) {
    for (const dep of todo.pop()!.dependencies) {
      if (dep === to) return true;
      if (!seen.has(dep)) {
        seen.add(dep);
        todo.push(dep);
      }
    }
  }
  return false;
}

/** One entry per resource and attribute (a resource's ARN token may wrap the reference it mimics). */
function distinct(refs: ResourceReference[]): ResourceReference[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.target.node.path}\u0000${r.attribute}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function hasTokens(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Token.isUnresolved(value)) return true;
  if (Array.isArray(value)) return value.some(hasTokens);
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).some(hasTokens);
  return false;
}

function describe(ref: ResourceReference, _stack: Stack): string {
  return `${constructPathOf(ref.target)} (${ref.target.cfnResourceType})`;
}

function cycleText(ref: ResourceReference, stack: Stack): string {
  return Stack.of(ref.target) === stack
    ? 'which uses this key: the key would depend on it and it on the key, a circular dependency'
    : `which is in stack ${Stack.of(ref.target).node.path}: the key's stack would depend on it while stacks that use the key depend on the key's stack`;
}

function principalProblem(subject: string, label: string, ref: ResourceReference, stack: Stack): string {
  return `${subject}: key policy ${label} names the principal ${describe(ref, stack)}, ${cycleText(ref, stack)}. `
    + 'Grant it with the key\'s grant methods (grantDecrypt, grantEncryptDecrypt, ...; they name a principal of another stack without referring to it), '
    + 'or name it by a literal ARN.';
}
