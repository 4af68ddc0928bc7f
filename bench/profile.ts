/** Summarises a V8 .cpuprofile: where the self time went, by function, for results.md. */

interface CpuProfile {
  readonly nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

export interface ProfileEntry {
  /** Function and where it lives (node: internals by module, ours by file). */
  readonly name: string;
  /** Share of all sampled time, percent. */
  readonly percent: number;
}

/** The functions with the most self time, with their share, largest first. */
export function summariseProfile(profile: CpuProfile, top = 8): ProfileEntry[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)!.callFrame;
    const where = frame.url === '' ? '' : frame.url.startsWith('node:') ? frame.url : frame.url.split('/').pop();
    const name = `${frame.functionName || '(anonymous)'}${where ? ` (${where})` : ''}`;
    self.set(name, (self.get(name) ?? 0) + dt);
    total += dt;
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, t]) => ({ name, percent: Math.round((t / total) * 1000) / 10 }));
}
