import type * as tf from '@tensorflow/tfjs-core';

/** A conv's kernel `[kh, kw, cin/groups, cout]` (HWIO) and bias `[cout]`; whoever receives one owns both tensors. */
// A type alias (not an interface) so that it is a `tf.TensorContainer` and can be returned from `tf.tidy`.
export type FusedKernel = {
  kernel: tf.Tensor4D;
  bias: tf.Tensor1D;
};

/** Eval-mode BatchNorm statistics, borrowed: γ, β, running mean μ, running variance, ε. */
export interface BnStatistics {
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  eps: number;
}
