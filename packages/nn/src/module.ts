import * as tf from '@tensorflow/tfjs-core';

let nextVariableId = 0;
/** Distinguishes this copy of the package, so two bundled copies never register the same variable name. */
const copyTag = Math.random().toString(36).slice(2, 8);

/** A mismatch between a state dict and a module tree; `problems` lists every difference found. */
export class StateDictError extends Error {
  constructor(readonly problems: string[]) {
    super(`state dict does not match the model:\n  - ${problems.join('\n  - ')}`);
    this.name = 'StateDictError';
  }
}

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** When true (default), missing and unexpected keys are errors; shape mismatches always are. */
  strict?: boolean;
}

/**
 * Base of every layer and network: an ordered tree of named children holding trainable parameters
 * and non-trainable buffers as `tf.Variable`s. Paths are child keys joined by `.`.
 *
 * Variables get process-unique names (`<Class>_<tag><n>/<leaf>`), so any number of models coexist in
 * the global tfjs variable registry; the *path* of a variable is its position in the tree, which
 * changes when the tree is edited with {@link setModule}.
 */
export abstract class Module {
  /** True in training mode (BatchNorm uses batch statistics, Dropout drops). */
  training = true;
  private readonly childMap = new Map<string, Module>();
  private readonly paramMap = new Map<string, tf.Variable>();
  private readonly bufferMap = new Map<string, tf.Variable>();

  /** Computes the module's output; tensors it creates are the caller's (wrap calls in `tf.tidy`). */
  abstract forward(x: tf.Tensor): tf.Tensor;

  /** Multiply-adds of one forward pass given the input and output shapes (0 unless overridden). */
  flops(_inputShape: number[], _outputShape: number[]): number {
    return 0;
  }

  /** Adds or replaces a child under `name` and returns it. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    if (name.includes('.') || name === '') throw new Error(`invalid child name '${name}'`);
    this.childMap.set(name, module);
    return module;
  }

  /**
   * Removes the child `name` and returns it (the caller owns it now: dispose it unless it is
   * reused); throws when there is no such child.
   */
  protected unregisterModule(name: string): Module {
    const child = this.childMap.get(name);
    if (!child) throw new Error(`no child '${name}' to remove (children: ${[...this.childMap.keys()].join(', ') || 'none'})`);
    this.childMap.delete(name);
    return child;
  }

  /** Registers a trainable parameter, taking ownership of `value`. */
  protected registerParameter(name: string, value: tf.Tensor): tf.Variable {
    return this.addVariable(this.paramMap, name, value, true);
  }

  /** Registers a non-trainable buffer (e.g. running statistics), taking ownership of `value`. */
  protected registerBuffer(name: string, value: tf.Tensor): tf.Variable {
    return this.addVariable(this.bufferMap, name, value, false);
  }

  private addVariable(map: Map<string, tf.Variable>, name: string, value: tf.Tensor, trainable: boolean): tf.Variable {
    if (this.paramMap.has(name) || this.bufferMap.has(name)) throw new Error(`'${name}' is registered already`);
    const v = tf.variable(value, trainable, `${this.constructor.name}_${copyTag}${nextVariableId++}/${name}`, 'float32');
    value.dispose();
    map.set(name, v);
    return v;
  }

  /** Removes and disposes a parameter or buffer of this module. */
  protected removeVariable(name: string): void {
    for (const map of [this.paramMap, this.bufferMap]) {
      const v = map.get(name);
      if (v) {
        v.dispose();
        map.delete(name);
      }
    }
  }

  /** Direct children in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.childMap.entries()];
  }

  /** This module (path `''`) and every descendant, depth-first in registration order. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.childMap) out.push(...child.namedModules(join(prefix, name)));
    return out;
  }

  /** Trainable parameters of the whole tree, keyed by dotted path (`layer1.0.conv1.weight`). */
  namedParameters(prefix = ''): [string, tf.Variable][] {
    return this.collect(prefix, (m) => m.paramMap);
  }

  /** Non-trainable buffers of the whole tree, keyed by dotted path. */
  namedBuffers(prefix = ''): [string, tf.Variable][] {
    return this.collect(prefix, (m) => m.bufferMap);
  }

  /** Trainable parameters of the whole tree. */
  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  private collect(prefix: string, pick: (m: Module) => Map<string, tf.Variable>): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [leaf, v] of pick(m)) out.push([join(path, leaf), v]);
    }
    return out;
  }

  /** The descendant at a dotted path (`''` is this module); throws naming the missing segment. */
  getModule(path: string): Module {
    if (path === '') return this;
    let m: Module = this;
    const parts = path.split('.');
    parts.forEach((part, i) => {
      const child = m.childMap.get(part);
      if (!child) {
        const at = parts.slice(0, i).join('.') || '<root>';
        throw new Error(`no module '${part}' under ${at} (children: ${[...m.childMap.keys()].join(', ') || 'none'})`);
      }
      m = child;
    });
    return m;
  }

  /**
   * Replaces the descendant at `path` by `module` and returns the module it replaced, which the
   * caller now owns (dispose it unless it is reused). The new module inherits the training mode.
   */
  setModule(path: string, module: Module): Module {
    const cut = path.lastIndexOf('.');
    const parent = this.getModule(cut < 0 ? '' : path.slice(0, cut));
    const name = path.slice(cut + 1);
    const old = parent.childMap.get(name);
    if (!old) throw new Error(`no module at '${path}' to replace`);
    module.train(old.training);
    parent.childMap.set(name, module);
    return old;
  }

  /** Sets training mode on the whole tree; returns this. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode on the whole tree; returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Parameters and buffers keyed by dotted path. The tensors are the live variables: borrowed, not copies. */
  stateDict(): Record<string, tf.Variable> {
    return Object.fromEntries([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into the tree's variables. Every mismatch (missing key, unexpected key, wrong
   * shape) is collected and reported in one {@link StateDictError}; nothing is written then.
   */
  loadStateDict(state: Record<string, tf.Tensor>, options: LoadStateDictOptions = {}): void {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const problems: string[] = [];
    for (const [key, v] of Object.entries(own)) {
      const src = state[key];
      if (!src) {
        if (strict) problems.push(`missing '${key}' (shape [${v.shape}])`);
      } else if (!sameShape(src.shape, v.shape)) {
        problems.push(`'${key}' has shape [${src.shape}] but the model expects [${v.shape}]`);
      }
    }
    if (strict) {
      for (const key of Object.keys(state)) if (!(key in own)) problems.push(`unexpected '${key}' (shape [${state[key].shape}])`);
    }
    if (problems.length) throw new StateDictError(problems);
    for (const [key, v] of Object.entries(own)) {
      const src = state[key];
      if (!src) continue;
      if (src.dtype === 'float32') {
        v.assign(src);
      } else {
        const cast = tf.cast(src, 'float32');
        v.assign(cast);
        cast.dispose();
      }
    }
  }

  /** Disposes every variable of the tree. */
  dispose(): void {
    for (const [, m] of this.namedModules()) {
      for (const v of m.paramMap.values()) v.dispose();
      for (const v of m.bufferMap.values()) v.dispose();
      m.paramMap.clear();
      m.bufferMap.clear();
    }
  }
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
