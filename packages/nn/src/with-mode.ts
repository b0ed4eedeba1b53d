import type { Module } from './module';
import { runScoped } from './internal/run-scoped';

/** Training (`train`: BatchNorm uses batch statistics, Dropout drops) or evaluation mode. */
export type ModuleMode = 'train' | 'eval';

/**
 * Runs `fn` with every module of `modules` (one tree or several) in `mode`, then puts each module
 * back in the mode it had — also when `fn` throws or its promise rejects. Scopes nest (an inner
 * scope restores what the outer one set). Modules added to the trees inside `fn` keep their mode.
 */
export function withMode<T>(modules: Module | readonly Module[], mode: ModuleMode, fn: () => T): T {
  const roots = Array.isArray(modules) ? (modules as readonly Module[]) : [modules as Module];
  const saved = new Map<Module, boolean>();
  return runScoped(
    () => {
      for (const root of roots) for (const [, m] of root.namedModules()) if (!saved.has(m)) saved.set(m, m.training);
      for (const root of roots) root.train(mode === 'train');
    },
    () => {
      for (const [m, training] of saved) m.training = training;
    },
    fn,
  );
}
