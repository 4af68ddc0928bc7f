/** Dependency cycles in synthesized templates, found the way CloudFormation would: Ref, GetAtt, Sub, DependsOn. */
import { logicalIdsIn } from '../../../src/private/references';

type Template = { Resources?: Record<string, Record<string, unknown>> };

/** Every cycle of resources in the template, as lists of logical ids (empty when there is none). */
export function templateCycles(template: Template): string[][] {
  const resources = template.Resources ?? {};
  const edges = new Map<string, string[]>();
  for (const [id, body] of Object.entries(resources)) {
    edges.set(id, [...logicalIdsIn(body)].filter((d) => d in resources && d !== id));
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string) => {
    state.set(id, 'open');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      if (state.get(next) === 'open') cycles.push(path.slice(path.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(id, 'done');
  };
  for (const id of edges.keys()) if (!state.has(id)) visit(id);
  return cycles;
}
