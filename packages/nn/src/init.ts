import * as tf from '@tensorflow/tfjs-core';
import { globalRng, type Rng } from './random';

/**
 * Kaiming-normal initialisation in fan-out mode for an HWIO conv kernel `[kh, kw, cin/groups, cout]`:
 * N(0, 2 / (kh·kw·cout)), as PyTorch's `kaiming_normal_(mode='fan_out', nonlinearity='relu')`.
 */
export function kaimingNormalFanOut(shape: [number, number, number, number], rng: Rng = globalRng()): tf.Tensor4D {
  const [kh, kw, , cout] = shape;
  const std = Math.sqrt(2 / (kh * kw * cout));
  return tf.tensor4d(
    rng.normalArray(
      shape.reduce((a, b) => a * b, 1),
      std,
    ),
    shape,
  );
}

/** U(−bound, bound) initialisation of any shape. */
export function uniformInit(shape: number[], bound: number, rng: Rng = globalRng()): tf.Tensor {
  return tf.tensor(
    rng.uniformArray(
      shape.reduce((a, b) => a * b, 1),
      -bound,
      bound,
    ),
    shape,
  );
}
