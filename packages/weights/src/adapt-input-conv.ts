import * as tf from '@tensorflow/tfjs-core';
import type { InputNormalization } from './architectures';

/**
 * Adapts a stem kernel (PyTorch layout `[O, I, kh, kw]`) to `channels` inputs, as timm's
 * `adapt_input_conv` does: to 1 channel, the sum over the input channels (a grey image seen as
 * equal RGB planes gives the same response); from 1 channel, the kernel repeated and divided by
 * `channels`; from I to any other count, the input channels repeated cyclically and scaled by
 * I / channels. Returns the new values and shape.
 */
export function adaptInputConv(values: Float32Array, shape: readonly number[], channels: number): { values: Float32Array; shape: number[] } {
  const [o, i, kh, kw] = shape;
  const plane = kh * kw;
  const out = new Float32Array(o * channels * plane);
  for (let a = 0; a < o; a++) {
    for (let c = 0; c < channels; c++) {
      const dst = (a * channels + c) * plane;
      if (channels === 1) {
        for (let s = 0; s < i; s++) {
          const src = (a * i + s) * plane;
          for (let p = 0; p < plane; p++) out[dst + p] += values[src + p];
        }
      } else {
        const src = (a * i + (c % i)) * plane;
        const scale = i / channels;
        for (let p = 0; p < plane; p++) out[dst + p] = values[src + p] * scale;
      }
    }
  }
  return { values: out, shape: [o, channels, kh, kw] };
}

/**
 * The normalisation that goes with an adapted stem: to 1 channel, the mean of the per-channel
 * means and standard deviations; otherwise the statistics repeated cyclically.
 */
export function adaptNormalization(n: InputNormalization, channels: number): InputNormalization {
  if (n.mean.length === channels) return { mean: [...n.mean], std: [...n.std] };
  const avg = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  if (channels === 1) return { mean: [avg(n.mean)], std: [avg(n.std)] };
  return { mean: Array.from({ length: channels }, (_, c) => n.mean[c % n.mean.length]), std: Array.from({ length: channels }, (_, c) => n.std[c % n.std.length]) };
}

/** {@link adaptInputConv} on one of our HWIO kernels `[kh, kw, I, O]`; returns `[kh, kw, channels, O]` (caller owns it). */
export function adaptInputKernel(kernel: tf.Tensor, channels: number): tf.Tensor4D {
  const [kh, kw, i, o] = kernel.shape as [number, number, number, number];
  const oihw = tf.tidy(() => tf.transpose(kernel, [3, 2, 0, 1]).dataSync() as Float32Array);
  const adapted = adaptInputConv(oihw, [o, i, kh, kw], channels);
  return tf.tidy(() => tf.transpose(tf.tensor4d(adapted.values, [o, channels, kh, kw]), [2, 3, 1, 0]));
}
