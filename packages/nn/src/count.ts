import * as tf from '@tensorflow/tfjs-core';
import type { Module } from './module';

/** Number of trainable scalars in the tree (buffers such as running statistics are not counted). */
export function countParams(model: Module): number {
  return model.parameters().reduce((n, v) => n + v.size, 0);
}

/** Per-module input and output shapes from one eval-mode forward pass. */
export interface TracedModule {
  path: string;
  module: Module;
  inputShape: number[];
  outputShape: number[];
}

/**
 * Runs one eval-mode forward pass of a zero batch of `inputShape` (NHWC, batch included) and
 * records every module call in execution order. Training modes are restored afterwards and no
 * tensor is left behind.
 */
export function traceModules(model: Module, inputShape: number[]): TracedModule[] {
  const modules = model.namedModules();
  const modes = modules.map(([, m]) => m.training);
  const records: TracedModule[] = [];
  model.eval();
  for (const [path, m] of modules) {
    const original = m.forward;
    m.forward = (x: tf.Tensor) => {
      const y = original.call(m, x);
      records.push({ path, module: m, inputShape: x.shape, outputShape: y.shape });
      return y;
    };
  }
  try {
    tf.tidy(() => {
      model.forward(tf.zeros(inputShape));
    });
  } finally {
    modules.forEach(([, m], i) => {
      delete (m as { forward?: unknown }).forward;
      m.training = modes[i];
    });
  }
  return records;
}

/**
 * Multiply-adds of one forward pass for a single example of `inputShape` (`[H, W, C]` or
 * `[1, H, W, C]`): the sum of every executed module's {@link Module.flops} (convs and linears).
 */
export function countFlops(model: Module, inputShape: number[]): number {
  const shape = inputShape.length === 3 ? [1, ...inputShape] : inputShape;
  return traceModules(model, shape).reduce((n, r) => n + r.module.flops(r.inputShape, r.outputShape), 0);
}
