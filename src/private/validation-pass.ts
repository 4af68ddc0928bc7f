/**
 * Work the keys of one validation pass share (the app's IAM documents, resolved once instead of once per key).
 *
 * CDK validates a stage's constructs in one synchronous pass, the stage itself first (preorder). A validation
 * registered on the stage opens a pass: a memo for the keys that joined the stage before it. Each such key
 * reads the memo once, in its own validation; the pass closes when every key has read it, or at the next
 * microtask, whichever is first. Anything else (a key created after the pass opened, a second validation of a
 * key, `node.validate()` outside a synth) gets no memo and computes afresh, so a tree changed between passes
 * is never read from an old memo.
 */
import { Stage } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

interface Pass {
  readonly expected: ReadonlySet<IConstruct>;
  readonly served: Set<IConstruct>;
  readonly memo: Map<string, unknown>;
}

/** The keys of each stage, and the stage's open pass. */
const members = new WeakMap<IConstruct, Set<IConstruct>>();
const open = new WeakMap<IConstruct, Pass>();

/** Makes `member` a reader of the validation passes of its stage (call once, at construction). */
export function joinValidationPasses(member: IConstruct): void {
  const stage = Stage.of(member);
  if (!stage) return;
  let set = members.get(stage);
  if (!set) {
    const joined = new Set<IConstruct>();
    members.set(stage, joined);
    stage.node.addValidation({ validate: () => openPass(stage, joined) });
    set = joined;
  }
  set.add(member);
}

function openPass(stage: IConstruct, joined: ReadonlySet<IConstruct>): string[] {
  const pass: Pass = { expected: new Set(joined), served: new Set(), memo: new Map() };
  open.set(stage, pass);
  queueMicrotask(() => {
    if (open.get(stage) === pass) open.delete(stage);
  });
  return [];
}

/**
 * The memo `member` shares with the other keys of the pass it is validated in, or undefined outside one
 * (compute afresh then). One read per member and pass: call it once per validation.
 */
export function validationPassMemo(member: IConstruct): Map<string, unknown> | undefined {
  const stage = Stage.of(member);
  const pass = stage ? open.get(stage) : undefined;
  if (!stage || !pass || !pass.expected.has(member) || pass.served.has(member)) return undefined;
  pass.served.add(member);
  if (pass.served.size === pass.expected.size) open.delete(stage);
  return pass.memo;
}
