import * as tf from '@tensorflow/tfjs-core';
import type { Plugin } from '@dyrep/core';
import { withMode, type Module } from '@dyrep/nn';

/** Eval-mode output of `model` on `x`; every module's training mode is restored. */
function evalOutput(model: Module, x: tf.Tensor): tf.Tensor {
  return withMode(model, 'eval', () => tf.tidy(() => model.forward(x)));
}

/** A plugin that measures how function-preserving every structure change is. */
export interface ExactnessProbe extends Plugin {
  /** Per applied plan, max |Δ| / max |y| of the eval outputs on the probe batch. */
  readonly ratios: number[];
}

/**
 * A trainer plugin that records, for every structure change, max |Δ| / max |y| of the model's
 * eval outputs on a fixed batch (`probe`, borrowed) just before and just after it. A
 * function-preserving grow or cut gives float32 rounding (≈1e-7), anything else shows.
 */
export function exactnessProbe(probe: tf.Tensor, id = 'exactness-probe'): ExactnessProbe {
  let before: tf.Tensor | null = null;
  const ratios: number[] = [];
  return {
    id,
    ratios,
    hooks: {
      onBeforeMutate: (ctx) => {
        before?.dispose();
        before = evalOutput(ctx.model, probe);
      },
      onAfterMutate: (ctx) => {
        if (!before) return;
        const after = evalOutput(ctx.model, probe);
        ratios.push(tf.tidy(() => tf.max(tf.abs(tf.sub(after, before!))).dataSync()[0] / Math.max(tf.max(tf.abs(before!)).dataSync()[0], 1e-12)));
        tf.dispose([after, before]);
        before = null;
      },
      teardown: () => {
        before?.dispose();
        before = null;
      },
    },
  };
}
