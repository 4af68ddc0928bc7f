/**
 * Dependency cycles between the resources of one template: CloudFormation rejects such a template
 * ("Circular dependency between resources"), so the catalogue finds them at synth.
 */
export type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string | string[] }>;

/** The logical ids a value refers to (Ref, Fn::GetAtt, Fn::Sub's ${Id} and ${Id.Attr}). */
function references(value: unknown, ids: Set<string>, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) references(v, ids, out);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'Ref' && typeof v === 'string' && ids.has(v)) {out.add(v);} else if (k === 'Fn::GetAtt') {
      const id = Array.isArray(v) ? String(v[0]) : String(v).split('.')[0];
      if (ids.has(id)) out.add(id);
    } else if (k === 'Fn::Sub') {
      const template = Array.isArray(v) ? String(v[0]) : String(v);
      for (const m of template.matchAll(/\$\{([^}.!]+)[^}]*\}/g)) if (ids.has(m[1])) out.add(m[1]);
      if (Array.isArray(v)) references(v[1], ids, out);
    } else {references(v, ids, out);}
  }
}

/** Each cycle once, as the logical ids along it (first id repeated at the end). */
export function findCycles(resources: Resources): string[][] {
  const ids = new Set(Object.keys(resources));
  const edges = new Map<string, string[]>();
  for (const [id, r] of Object.entries(resources)) {
    const out = new Set<string>();
    references(r.Properties ?? {}, ids, out);
    for (const d of [r.DependsOn ?? []].flat()) if (ids.has(d)) out.add(d);
    edges.set(id, [...out].sort());
  }
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'open');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      if (state.get(next) === 'open') {
        const cycle = [...path.slice(path.indexOf(next)), next];
        const key = [...cycle.slice(0, -1)].sort().join(',');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (!state.has(next)) {visit(next);}
    }
    path.pop();
    state.set(id, 'done');
  };
  for (const id of [...ids].sort()) if (!state.has(id)) visit(id);
  return cycles;
}
