import * as tf from '@tensorflow/tfjs-core';
import type { BatchNorm2d } from '@dyrep/nn';
import type { BnStatistics, FusedKernel } from './fused-kernel';

/** The eval-mode statistics of a {@link BatchNorm2d} (borrowed live variables, no copies). */
export function bnStatistics(bn: BatchNorm2d): BnStatistics {
  return {
    gamma: bn.weight as tf.Tensor1D,
    beta: bn.bias as tf.Tensor1D,
    mean: bn.runningMean as tf.Tensor1D,
    variance: bn.runningVar as tf.Tensor1D,
    eps: bn.eps,
  };
}

/**
 * Conv followed by eval-mode BatchNorm → one conv (spec §3.1). With σ = √(var + ε), per output
 * channel o (the last axis of the HWIO kernel `[kh, kw, cin/groups, cout]`):
 * `W'[..., o] = W[..., o] · γ[o]/σ[o]`, `b'[o] = β[o] + (b[o] − μ[o]) · γ[o]/σ[o]` (b = 0 when absent).
 * Inputs are borrowed; the result is new.
 */
export function fuseConvBn(kernel: tf.Tensor4D, bias: tf.Tensor1D | null, bn: BnStatistics): FusedKernel {
  return tf.tidy(() => {
    const scale = tf.div(bn.gamma, tf.sqrt(tf.add(bn.variance, bn.eps)));
    const centred = bias ? tf.sub(bias, bn.mean) : tf.neg(bn.mean);
    return {
      kernel: tf.mul(kernel, scale) as tf.Tensor4D,
      bias: tf.add(bn.beta, tf.mul(centred, scale)) as tf.Tensor1D,
    };
  });
}
