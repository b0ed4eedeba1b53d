import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';

/** Options of {@link MaxPool2d} and {@link AvgPool2d}. */
export interface Pool2dOptions {
  /** Window stride (default: the kernel size). */
  stride?: number;
  /** Symmetric padding on each spatial side (default 0). */
  padding?: number;
}

abstract class Pool2d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;

  constructor(kernelSize: number, options: Pool2dOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    if (![this.kernelSize, this.stride].every((v) => Number.isInteger(v) && v >= 1) || !Number.isInteger(this.padding) || this.padding < 0) {
      throw new Error(`${this.constructor.name}: kernel ${kernelSize}, stride ${this.stride}, padding ${this.padding} are not valid`);
    }
  }

  protected padded(x: tf.Tensor, value: number): tf.Tensor4D {
    const p = this.padding;
    return (
      p
        ? tf.pad(
            x,
            [
              [0, 0],
              [p, p],
              [p, p],
              [0, 0],
            ],
            value,
          )
        : x
    ) as tf.Tensor4D;
  }
}

/** Max pooling over NHWC input; padding counts as −∞ (PyTorch semantics). */
export class MaxPool2d extends Pool2d {
  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.maxPool(this.padded(x, -Infinity), this.kernelSize, this.stride, 'valid'));
  }
}

/** Average pooling over NHWC input; zero padding is counted in the average (PyTorch's `count_include_pad`). */
export class AvgPool2d extends Pool2d {
  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.avgPool(this.padded(x, 0), this.kernelSize, this.stride, 'valid'));
  }
}

/** Mean over the spatial axes: `[N, H, W, C] → [N, C]`. */
export class GlobalAvgPool extends Module {
  override forward(x: tf.Tensor): tf.Tensor {
    return tf.mean(x, [1, 2]);
  }
}

/** Flattens all axes after the batch axis: `[N, ...] → [N, prod(...)]`. */
export class Flatten extends Module {
  override forward(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0], -1]);
  }
}
