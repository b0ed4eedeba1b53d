import * as tf from '@tensorflow/tfjs-core';
import type { FusedKernel } from './fused-kernel';

/**
 * Parallel branches with the same geometry → one conv (spec §3.2): since convolution is linear in
 * its kernel, `Σ_b conv(x; W_b) + b_b = conv(x; Σ_b W_b) + Σ_b b_b`. Kernels must all have the
 * same HWIO shape `[k, k, cin/groups, cout]`. Inputs are borrowed; the result is new.
 */
export function addParallel(parts: readonly FusedKernel[]): FusedKernel {
  if (parts.length === 0) throw new Error('addParallel: nothing to add');
  const shape = parts[0].kernel.shape;
  for (const p of parts) {
    if (!p.kernel.shape.every((d, i) => d === shape[i])) throw new Error(`addParallel: kernel shapes differ: [${shape}] vs [${p.kernel.shape}]`);
  }
  return tf.tidy(() => ({
    kernel: tf.addN(parts.map((p) => p.kernel)) as tf.Tensor4D,
    bias: tf.addN(parts.map((p) => p.bias)) as tf.Tensor1D,
  }));
}
