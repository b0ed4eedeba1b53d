import { DEFAULT_PRIORITY, type Plugin } from './hooks';

/**
 * Orders plugins for hook dispatch: every plugin after the plugins it `dependsOn`, then by
 * ascending priority, then by registration (array) order. Throws on a duplicate id, an unknown
 * dependency, a priority outside 0..100, or a dependency cycle (naming the plugins in it).
 */
export function orderPlugins(plugins: readonly Plugin[]): Plugin[] {
  const byId = new Map<string, Plugin>();
  for (const p of plugins) {
    if (byId.has(p.id)) throw new Error(`duplicate plugin id '${p.id}'`);
    const prio = p.priority ?? DEFAULT_PRIORITY;
    if (!(prio >= 0 && prio <= 100)) throw new Error(`plugin '${p.id}': priority must be in 0..100, got ${p.priority}`);
    byId.set(p.id, p);
  }
  for (const p of plugins) {
    for (const dep of p.dependsOn ?? []) {
      if (!byId.has(dep)) throw new Error(`plugin '${p.id}' depends on '${dep}', which is not registered (registered: ${[...byId.keys()].join(', ')})`);
    }
  }
  const rank = (p: Plugin) => [p.priority ?? DEFAULT_PRIORITY, plugins.indexOf(p)] as const;
  const before = (a: Plugin, b: Plugin) => {
    const [pa, ia] = rank(a);
    const [pb, ib] = rank(b);
    return pa !== pb ? pa < pb : ia < ib;
  };
  // Kahn's algorithm, always emitting the best-ranked ready plugin.
  const pending = new Map(plugins.map((p) => [p.id, new Set(p.dependsOn ?? [])]));
  const out: Plugin[] = [];
  while (pending.size) {
    let best: Plugin | undefined;
    for (const [id, deps] of pending) {
      if (deps.size) continue;
      const p = byId.get(id)!;
      if (!best || before(p, best)) best = p;
    }
    if (!best) throw new Error(`plugin dependency cycle among: ${[...pending.keys()].join(', ')}`);
    out.push(best);
    pending.delete(best.id);
    for (const deps of pending.values()) deps.delete(best.id);
  }
  return out;
}
