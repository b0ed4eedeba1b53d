import * as tf from '@tensorflow/tfjs-core';

/**
 * Zero-pads a smaller HWIO kernel `[kh, kw, cin/g, cout]` (1×1, 1×k, k×1) to `[k, k, cin/g, cout]`,
 * centred (spec §3.5): row offset (k − kh)/2, column offset (k − kw)/2. A conv with the small kernel
 * and padding (p − (k−kh)/2, p − (k−kw)/2) equals a conv with the padded kernel and padding p.
 * Returns a new tensor (a copy when the kernel is k×k already).
 */
export function padKernelToKxk(kernel: tf.Tensor4D, k: number): tf.Tensor4D {
  const [kh, kw] = kernel.shape;
  if (kh > k || kw > k || (k - kh) % 2 || (k - kw) % 2) {
    throw new Error(`padKernelToKxk: cannot centre a ${kh}×${kw} kernel in ${k}×${k}`);
  }
  const ph = (k - kh) / 2;
  const pw = (k - kw) / 2;
  return tf.pad(kernel, [
    [ph, ph],
    [pw, pw],
    [0, 0],
    [0, 0],
  ]);
}
