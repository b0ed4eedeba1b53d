import * as tf from '@tensorflow/tfjs-core';
import type { Plugin } from '@dyrep/core';
import { withMode, type Module } from '@dyrep/nn';

/** Eval-mode output of `model` on `x`, restoring every module's training mode. */
function evalOutput(model: Module, x: tf.Tensor): tf.Tensor {
  return withMode(model, 'eval', () => tf.tidy(() => model.forward(x)));
}

/**
 * A trainer plugin that records, for every structure change, max |Δ| / max |y| of the model's
 * eval outputs on a fixed batch just before and just after it (`ratios`, one per plan).
 */
export function exactnessProbe(probe: tf.Tensor, id = 'exactness-probe'): Plugin & { ratios: number[] } {
  let before: tf.Tensor | null = null;
  const ratios: number[] = [];
  return {
    id,
    ratios,
    hooks: {
      onBeforeMutate: (ctx) => {
        before = evalOutput(ctx.model, probe);
      },
      onAfterMutate: (ctx) => {
        const after = evalOutput(ctx.model, probe);
        ratios.push(tf.tidy(() => tf.max(tf.abs(tf.sub(after, before!))).dataSync()[0] / Math.max(tf.max(tf.abs(before!)).dataSync()[0], 1e-12)));
        tf.dispose([after, before!]);
        before = null;
      },
    },
  };
}
