import * as tf from '@tensorflow/tfjs-core';
import { withForwardHooks } from './forward-hooks';
import type { Module } from './module';
import { withMode } from './with-mode';

/** Number of trainable scalars in the tree (buffers such as running statistics are not counted). */
export function countParams(model: Module): number {
  return model.parameters().reduce((n, v) => n + v.size, 0);
}

/** One module call of a traced forward pass. */
export interface TracedModule {
  path: string;
  module: Module;
  inputShape: number[];
  outputShape: number[];
  /** tfjs id of the call's input tensor (equal to the `output` of the call that produced it). */
  input: number;
  /** tfjs id of the call's output tensor. */
  output: number;
}

/**
 * Runs one eval-mode forward pass of a zero batch of `inputShape` (NHWC, batch included) and
 * records every module call in completion order (children before their parents), through forward
 * hooks. Training modes are restored afterwards and no tensor is left behind.
 */
export function traceModules(model: Module, inputShape: number[]): TracedModule[] {
  const records: TracedModule[] = [];
  const after = (path: string, module: Module, x: tf.Tensor, y: tf.Tensor) => {
    records.push({ path, module, inputShape: x.shape, outputShape: y.shape, input: x.id, output: y.id });
  };
  withMode(model, 'eval', () =>
    withForwardHooks(model, { after }, () =>
      tf.tidy(() => {
        model.forward(tf.zeros(inputShape));
      }),
    ),
  );
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
