import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@dyrep/nn';

let cloneCounter = 0;

/**
 * Structural deep copy of a module tree: every module is re-created from its prototype with its
 * own fields copied; variables get new storage (same values, same trainability, new unique
 * names), modules are copied recursively, and arrays, plain objects, Maps and Sets are copied
 * while remapping the variables and modules they hold. Other objects (functions, class instances
 * that are not modules) are shared. `substitute(path, m)` may return a ready-made replacement for
 * a module (used to put fused convs where rep-blocks were). On error every variable created so far
 * is disposed.
 */
export function cloneModule<M extends Module>(root: M, substitute?: (path: string, m: Module) => Module | undefined): M {
  const paths = new Map<Module, string>(root.namedModules().map(([p, m]) => [m, p]));
  const modules = new Map<Module, Module>();
  const variables = new Map<tf.Variable, tf.Variable>();
  const replacements: Module[] = [];
  const tag = cloneCounter++;

  const copyVariable = (v: tf.Variable): tf.Variable => {
    let c = variables.get(v);
    if (!c) {
      const value = tf.clone(v);
      c = tf.variable(value, v.trainable, `${v.name}/deployed_${tag}`, v.dtype);
      value.dispose();
      variables.set(v, c);
    }
    return c;
  };

  const copy = (value: unknown): unknown => {
    if (value instanceof tf.Variable) return copyVariable(value);
    if (value instanceof tf.Tensor) return value;
    if (value instanceof Module) return copyModule(value);
    if (Array.isArray(value)) {
      const out = value.map(copy);
      return Object.isFrozen(value) ? Object.freeze(out) : out;
    }
    if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, copy(v)]));
    if (value instanceof Set) return new Set([...value].map(copy));
    if (value !== null && typeof value === 'object') {
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return value;
      const out: Record<PropertyKey, unknown> = Object.create(proto);
      for (const key of Reflect.ownKeys(value)) out[key] = copy((value as Record<PropertyKey, unknown>)[key]);
      return Object.isFrozen(value) ? Object.freeze(out) : out;
    }
    return value;
  };

  const copyModule = (m: Module): Module => {
    const done = modules.get(m);
    if (done) return done;
    const path = paths.get(m);
    const replacement = path !== undefined && m !== root ? substitute?.(path, m) : undefined;
    if (replacement) {
      replacements.push(replacement);
      modules.set(m, replacement);
      return replacement;
    }
    const c = Object.create(Object.getPrototypeOf(m)) as Module;
    modules.set(m, c);
    for (const key of Reflect.ownKeys(m)) {
      const d = Object.getOwnPropertyDescriptor(m, key)!;
      if ('value' in d) d.value = copy(d.value);
      Object.defineProperty(c, key, d);
    }
    return c;
  };

  try {
    return copyModule(root) as M;
  } catch (e) {
    for (const v of variables.values()) v.dispose();
    for (const m of replacements) m.dispose();
    throw e;
  }
}
