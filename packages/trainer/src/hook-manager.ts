import { DEFAULT_PRIORITY, HOOK_EVENTS, orderPlugins, type HookEvent, type HookHandlers, type Plugin } from '@dyrep/core';

type Args<E extends HookEvent> = Parameters<NonNullable<HookHandlers[E]>>;

/**
 * Holds the plugins of a trainer and dispatches events to them in the documented order
 * (dependencies, then priority, then registration; see `orderPlugins`).
 */
export class HookManager {
  private plugins: Plugin[] = [];
  private ordered: Plugin[] | null = [];

  /**
   * Registers a plugin and returns a function that unregisters it. A duplicate id throws at once;
   * dependencies may be registered later and are checked at the next dispatch.
   */
  use(plugin: Plugin): () => void {
    if (this.plugins.some((p) => p.id === plugin.id)) throw new Error(`duplicate plugin id '${plugin.id}'`);
    this.plugins = [...this.plugins, plugin];
    this.ordered = null;
    return () => {
      this.plugins = this.plugins.filter((p) => p !== plugin);
      this.ordered = null;
    };
  }

  /** Registered plugins in dispatch order (throws on a missing dependency or a cycle). */
  list(): readonly Plugin[] {
    this.ordered ??= orderPlugins(this.plugins);
    return this.ordered;
  }

  /** Calls every handler of `event`, one after another, awaiting each. */
  async emit<E extends HookEvent>(event: E, ...args: Args<E>): Promise<void> {
    for (const p of this.list()) {
      const handler = p.hooks[event] as ((...a: Args<E>) => void | Promise<void>) | undefined;
      if (!handler) continue;
      try {
        await handler.apply(p.hooks, args);
      } catch (e) {
        if (e instanceof Error) e.message = `plugin '${p.id}' failed in ${event}: ${e.message}`;
        throw e;
      }
    }
  }

  /** A table of every event and the plugins handling it, in order, with their priorities. */
  describe(): string {
    const lines: string[] = [];
    for (const event of HOOK_EVENTS) {
      const handlers = this.list().filter((p) => p.hooks[event]);
      if (!handlers.length) continue;
      lines.push(`${event.padEnd(22)} ${handlers.map((p) => `${p.id}(${p.priority ?? DEFAULT_PRIORITY})`).join(' → ')}`);
    }
    return lines.join('\n');
  }
}
