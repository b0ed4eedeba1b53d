import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from './module';
import { runScoped } from './internal/run-scoped';

/** Hooks run around every module call of a tree by {@link withForwardHooks}; tensors are borrowed. */
export interface TreeForwardHooks {
  /** Before a module's forward, with its path in the tree and its input. */
  before?(path: string, module: Module, input: tf.Tensor): void;
  /** After a module's forward returned, with its input and output. */
  after?(path: string, module: Module, input: tf.Tensor, output: tf.Tensor): void;
}

/**
 * Runs `fn` with `hooks` registered on every module of `model` (the paths are those of
 * `model.namedModules()` when the scope starts), and removes them afterwards — also when `fn`
 * throws or its promise rejects.
 */
export function withForwardHooks<T>(model: Module, hooks: TreeForwardHooks, fn: () => T): T {
  const removers: (() => void)[] = [];
  return runScoped(
    () => {
      for (const [path, m] of model.namedModules()) {
        if (hooks.before) removers.push(m.registerForwardPreHook((mod, x) => hooks.before!(path, mod, x)));
        if (hooks.after) removers.push(m.registerForwardHook((mod, x, y) => hooks.after!(path, mod, x, y)));
      }
    },
    () => {
      for (const remove of removers.splice(0)) remove();
    },
    fn,
  );
}
