import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Linear, type Module } from '@dyrep/nn';

/** PyTorch's BatchNorm2d ε, which PyTorch checkpoints' statistics assume. */
export const TORCH_BN_EPS = 1e-5;

/**
 * How one of our parameters is laid out in PyTorch: conv kernels HWIO `[kh, kw, cin/groups, cout]`
 * ↔ OIHW `[cout, cin/groups, kh, kw]` (depthwise kernels included), Linear `[in, out]` ↔
 * `[out, in]`, and a Linear fed by a flattened feature map (`flattened` = `[h, w, c]` of that map)
 * also reorders its inputs from our NHWC flattening (h, w, c) to PyTorch's NCHW one (c, h, w).
 * Everything else (BN statistics, biases) is the same.
 */
export interface TorchLayout {
  /** Conv2d or Linear weight, or `none`. */
  kind: 'conv' | 'linear' | 'none';
  flattened?: [number, number, number];
}

/** The layout of parameter `leaf` of `module`. */
export function layoutOf(module: Module, leaf: string, flattened?: [number, number, number]): TorchLayout {
  if (leaf !== 'weight') return { kind: 'none' };
  if (module instanceof Conv2d) return { kind: 'conv' };
  if (module instanceof Linear) return flattened ? { kind: 'linear', flattened } : { kind: 'linear' };
  return { kind: 'none' };
}

/** PyTorch's shape of one of our tensors of shape `shape`. */
export function torchShape(shape: readonly number[], layout: TorchLayout): number[] {
  if (layout.kind === 'conv') return [shape[3], shape[2], shape[0], shape[1]];
  if (layout.kind === 'linear') return [shape[1], shape[0]];
  return [...shape];
}

/** Our tensor from PyTorch-layout values of PyTorch shape `shape` (caller owns the result). */
export function fromTorch(values: Float32Array, shape: readonly number[], layout: TorchLayout): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tensor(values, [...shape], 'float32');
    if (layout.kind === 'conv') return tf.transpose(t, [2, 3, 1, 0]);
    if (layout.kind !== 'linear') return t;
    if (!layout.flattened) return tf.transpose(t);
    const [h, w, c] = layout.flattened;
    const out = shape[0];
    return tf.reshape(tf.transpose(tf.reshape(t, [out, c, h, w]), [2, 3, 1, 0]), [h * w * c, out]);
  });
}

/** PyTorch-layout values of one of our tensors. */
export function toTorch(value: tf.Tensor, layout: TorchLayout): Float32Array {
  const t = tf.tidy(() => {
    if (layout.kind === 'conv') return tf.transpose(value, [3, 2, 0, 1]);
    if (layout.kind !== 'linear') return tf.clone(value);
    if (!layout.flattened) return tf.transpose(value);
    const [h, w, c] = layout.flattened;
    const out = value.shape[1] as number;
    return tf.transpose(tf.reshape(value, [h, w, c, out]), [3, 2, 0, 1]);
  });
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return Float32Array.from(data);
}
