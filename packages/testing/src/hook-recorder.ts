import { HOOK_EVENTS, type HookEvent, type HookHandlers, type Plugin } from '@dyrep/core';

/** A plugin that handles every hook event and records the sequence. */
export interface HookRecorder extends Plugin {
  /** Every event received, in order (`onEpochBegin`, …). */
  readonly events: HookEvent[];
  /** Every event with the arguments after the context (tensors in them are borrowed: do not keep them). */
  readonly calls: { event: HookEvent; args: unknown[] }[];
}

/**
 * A plugin that records every hook event a trainer emits, for asserting the order of events or
 * that a plugin under test ran where expected. Options: `id` (default `hook-recorder`), `priority`.
 */
export function hookRecorder(options: { id?: string; priority?: number } = {}): HookRecorder {
  const events: HookEvent[] = [];
  const calls: { event: HookEvent; args: unknown[] }[] = [];
  const hooks: HookHandlers = {};
  for (const event of HOOK_EVENTS) {
    (hooks as Record<HookEvent, (...args: unknown[]) => void>)[event] = (_ctx, ...args) => {
      events.push(event);
      calls.push({ event, args });
    };
  }
  return {
    id: options.id ?? 'hook-recorder',
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    hooks,
    events,
    calls,
  };
}
