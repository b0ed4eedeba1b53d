import * as tf from '@tensorflow/tfjs-core';
import { withForwardHooks, withMode, type Module } from '@dyrep/nn';

/** Typed array holding the value of a constant in a {@link KernelGraph}. */
export type ConstantData = Float32Array | Int32Array | Uint8Array;

/** A tensor of a traced graph: the input, a constant (parameter or folded value) or a kernel output. */
export interface GraphValue {
  /** The tfjs tensor id it had during the trace. */
  id: number;
  shape: number[];
  dtype: tf.DataType;
  kind: 'input' | 'constant' | 'node';
  /** Values of a constant, copied at trace time. */
  data?: ConstantData;
  /** Parameter or buffer path when the constant is a variable of the model (`layer1.0.conv1.weight`). */
  source?: string;
}

/** One recorded kernel call that depends on the input. */
export interface GraphNode {
  /** tfjs kernel name (`Conv2D`, `Add`, `PadV2`, …). */
  kernel: string;
  /** Input value ids by the kernel's input names, in call order (`{x, filter}`, `{a, b}`, `{0, 1, …}`). */
  inputs: Record<string, number>;
  /** Kernel attributes as passed to `runKernel`. */
  attrs: Record<string, unknown>;
  /** Output value ids. */
  outputs: number[];
  /** Path of the innermost module whose forward issued the call (`''` for the root). */
  module: string;
}

/** One module forward call of the trace. */
export interface ModuleCall {
  path: string;
  module: Module;
  /** Value id of the call's input tensor. */
  input: number;
  /** Value id of its output tensor. */
  output: number;
}

/**
 * The eval-mode dataflow graph of a module tree at the level of tfjs kernels: every kernel call
 * that depends on the input, in execution order; computations on parameters alone (BN's γ/σ, a
 * depthwise kernel's reshape) are folded into constants.
 */
export interface KernelGraph {
  /** Id of the input value. */
  input: number;
  /** Id of the output value. */
  output: number;
  values: Map<number, GraphValue>;
  nodes: GraphNode[];
  /** Module forward calls in completion order. */
  moduleCalls: ModuleCall[];
}

type RunKernel = (kernelName: string, inputs: tf.NamedTensorMap, attrs?: tf.NamedAttrMap) => tf.Tensor | tf.Tensor[];

/**
 * Records the kernel-level dataflow graph of one eval-mode forward pass of `model` on a zero
 * batch of `inputShape` (NHWC, batch included). `tf.engine().runKernel` is wrapped for the
 * duration of the pass (nested kernel calls are attributed to the outer one; it is restored even
 * when the forward throws) and forward hooks tell which module issued each kernel. Training modes
 * are restored afterwards. No tensor is left behind.
 */
export function traceGraph(model: Module, inputShape: number[]): KernelGraph {
  const engine = tf.engine() as unknown as { runKernel: RunKernel };
  const ownRunKernel = Object.getOwnPropertyDescriptor(engine, 'runKernel');
  const original = engine.runKernel;

  const variablePaths = new Map<number, string>();
  for (const [path, v] of [...model.namedParameters(), ...model.namedBuffers()]) variablePaths.set(v.id, path);
  const values = new Map<number, GraphValue>();
  const nodes: GraphNode[] = [];
  const moduleCalls: ModuleCall[] = [];
  const stack: string[] = [];
  let depth = 0;

  const valueFor = (t: tf.Tensor): GraphValue => {
    let v = values.get(t.id);
    if (!v) {
      v = { id: t.id, shape: [...t.shape], dtype: t.dtype, kind: 'constant', data: snapshot(t) };
      const source = variablePaths.get(t.id);
      if (source !== undefined) v.source = source;
      values.set(t.id, v);
    }
    return v;
  };

  const recording: RunKernel = function (this: unknown, kernelName, inputs, attrs) {
    if (depth > 0) return original.call(engine, kernelName, inputs, attrs);
    depth++;
    let result: tf.Tensor | tf.Tensor[];
    try {
      result = original.call(engine, kernelName, inputs, attrs);
    } finally {
      depth--;
    }
    const ins: Record<string, number> = {};
    let dependent = false;
    for (const [name, t] of Object.entries(inputs)) {
      if (!(t instanceof tf.Tensor)) continue;
      const v = valueFor(t);
      ins[name] = v.id;
      if (v.kind !== 'constant') dependent = true;
    }
    const outs = Array.isArray(result) ? result : [result];
    for (const t of outs) {
      if (values.has(t.id)) continue;
      values.set(t.id, dependent ? { id: t.id, shape: [...t.shape], dtype: t.dtype, kind: 'node' } : { id: t.id, shape: [...t.shape], dtype: t.dtype, kind: 'constant', data: snapshot(t) });
    }
    if (dependent) {
      nodes.push({ kernel: kernelName, inputs: ins, attrs: { ...(attrs ?? {}) }, outputs: outs.map((t) => t.id), module: stack[stack.length - 1] ?? '' });
    }
    return result;
  };

  let input = -1;
  let output = -1;
  const hooks = {
    before: (path: string) => {
      stack.push(path);
    },
    after: (path: string, module: Module, x: tf.Tensor, y: tf.Tensor) => {
      stack.pop();
      moduleCalls.push({ path, module, input: valueFor(x).id, output: valueFor(y).id });
    },
  };
  withMode(model, 'eval', () =>
    withForwardHooks(model, hooks, () => {
      engine.runKernel = recording;
      try {
        tf.tidy(() => {
          const x = tf.zeros(inputShape);
          values.set(x.id, { id: x.id, shape: [...x.shape], dtype: x.dtype, kind: 'input' });
          input = x.id;
          const y = model.forward(x);
          output = valueFor(y).id;
        });
      } finally {
        if (ownRunKernel) Object.defineProperty(engine, 'runKernel', ownRunKernel);
        else delete (engine as { runKernel?: RunKernel }).runKernel;
      }
    }),
  );
  return { input, output, values, nodes, moduleCalls };
}

function snapshot(t: tf.Tensor): ConstantData {
  const d = t.dataSync();
  if (d instanceof Float32Array) return Float32Array.from(d);
  if (d instanceof Int32Array) return Int32Array.from(d);
  if (d instanceof Uint8Array) return Uint8Array.from(d);
  throw new Error(`traceGraph: cannot record a constant of dtype ${t.dtype}`);
}

/** Kernels consuming each value id (in execution order). */
export function consumersOf(graph: KernelGraph): Map<number, GraphNode[]> {
  const out = new Map<number, GraphNode[]>();
  for (const n of graph.nodes) {
    for (const id of new Set(Object.values(n.inputs))) {
      const list = out.get(id);
      if (list) list.push(n);
      else out.set(id, [n]);
    }
  }
  return out;
}
