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

/** Runs after a module's forward with its input and output (borrowed: clone what you keep). */
export type ForwardHook = (module: Module, input: tf.Tensor, output: tf.Tensor) => void;

/** Runs before a module's forward with its input (borrowed). */
export type ForwardPreHook = (module: Module, input: tf.Tensor) => void;

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
  private preHooks: ForwardPreHook[] = [];
  private postHooks: ForwardHook[] = [];

  constructor() {
    this.bindForward();
  }

  /**
   * Computes the module's output; tensors it creates are the caller's (wrap calls in `tf.tidy`).
   * Subclasses implement it; every call, from any caller, runs the module's forward hooks.
   */
  abstract forward(x: tf.Tensor): tf.Tensor;

  /**
   * Makes `this.forward` the subclass's forward wrapped by the hook dispatch (one own, read-only
   * property set at construction, so hooks need no patching of `forward` later).
   */
  private bindForward(): void {
    const compute = Object.getPrototypeOf(this).forward as (x: tf.Tensor) => tf.Tensor;
    const dispatch = (x: tf.Tensor): tf.Tensor => {
      if (this.preHooks.length) for (const hook of [...this.preHooks]) hook(this, x);
      const y = compute.call(this, x);
      if (this.postHooks.length) for (const hook of [...this.postHooks]) hook(this, x, y);
      return y;
    };
    Object.defineProperty(this, 'forward', { value: dispatch, writable: false, enumerable: false, configurable: false });
  }

  /** Calls `hook` after every forward of this module (not its children); returns a function that removes it. */
  registerForwardHook(hook: ForwardHook): () => void {
    this.postHooks = [...this.postHooks, hook];
    return () => {
      this.postHooks = this.postHooks.filter((h) => h !== hook);
    };
  }

  /** Calls `hook` before every forward of this module; returns a function that removes it. */
  registerForwardPreHook(hook: ForwardPreHook): () => void {
    this.preHooks = [...this.preHooks, hook];
    return () => {
      this.preHooks = this.preHooks.filter((h) => h !== hook);
    };
  }

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

  /**
   * A deep copy of the tree: every module is re-created from its prototype with its own fields
   * copied, variables get new storage (same values and trainability, new unique names), and
   * arrays, plain objects, Maps and Sets are copied while remapping the modules and variables they
   * hold (frozen ones stay frozen); class instances that are not modules, functions and tensors
   * that are not variables are shared. Training modes are copied, hooks
   * are not. The copy is independent: editing or disposing one leaves the other intact.
   */
  clone(): this {
    const modules = new Map<Module, Module>();
    const variables = new Map<tf.Variable, tf.Variable>();
    const copyVariable = (v: tf.Variable, owner = 'Clone'): tf.Variable => {
      let c = variables.get(v);
      if (!c) {
        const value = tf.clone(v);
        c = tf.variable(value, v.trainable, `${owner}_${copyTag}${nextVariableId++}/${v.name.slice(v.name.lastIndexOf('/') + 1)}`, v.dtype);
        value.dispose();
        variables.set(v, c);
      }
      return c;
    };
    const copy = (value: unknown): unknown => {
      if (value instanceof tf.Variable) return copyVariable(value);
      if (value instanceof Module) return copyModule(value);
      if (value instanceof tf.Tensor) return value;
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
      const c = Object.create(Object.getPrototypeOf(m)) as Module;
      modules.set(m, c);
      for (const key of Reflect.ownKeys(m)) {
        if (key === 'forward') continue;
        const d = Object.getOwnPropertyDescriptor(m, key)!;
        if (key === 'preHooks' || key === 'postHooks') d.value = [];
        else if (key === 'paramMap' || key === 'bufferMap') d.value = new Map([...(d.value as Map<string, tf.Variable>)].map(([leaf, v]) => [leaf, copyVariable(v, m.constructor.name)]));
        else if ('value' in d) d.value = copy(d.value);
        Object.defineProperty(c, key, d);
      }
      c.bindForward();
      return c;
    };
    try {
      return copyModule(this) as this;
    } catch (e) {
      for (const v of variables.values()) v.dispose();
      throw e;
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
