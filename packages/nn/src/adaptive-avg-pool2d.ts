import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';

/** Bins of PyTorch's adaptive pooling along one axis: `[floor(i·n/out), ceil((i+1)·n/out))`. */
function bins(n: number, out: number): [number, number][] {
  return Array.from({ length: out }, (_, i) => [Math.floor((i * n) / out), Math.ceil(((i + 1) * n) / out)]);
}

function poolAxis(x: tf.Tensor, axis: 1 | 2, out: number): tf.Tensor {
  const n = x.shape[axis] as number;
  if (n === out) return x;
  const parts = bins(n, out).map(([s, e]) => {
    if (s === 0 && e === n && n === 1) return x;
    const begin = [0, 0, 0, 0];
    const size = [...x.shape];
    begin[axis] = s;
    size[axis] = e - s;
    return tf.mean(tf.slice(x, begin, size), axis, true);
  });
  return tf.concat(parts, axis);
}

/**
 * PyTorch's `AdaptiveAvgPool2d(out)` on NHWC input: each output cell averages its bin
 * `[floor(i·H/out), ceil((i+1)·H/out))` × the same over W, so any input size gives `out × out`.
 * Exact divisions run as one average pool, a 1×1 map is replicated; other sizes average slices.
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number) {
    super();
    if (!Number.isInteger(outputSize) || outputSize < 1) throw new Error(`AdaptiveAvgPool2d: outputSize must be a positive integer, got ${outputSize}`);
  }

  override forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4) throw new Error(`AdaptiveAvgPool2d: expected NHWC input, got shape [${x.shape}]`);
    const [, h, w] = x.shape;
    const out = this.outputSize;
    return tf.tidy(() => {
      if (h === out && w === out) return tf.clone(x);
      if (h % out === 0 && w % out === 0) return tf.avgPool(x as tf.Tensor4D, [h / out, w / out], [h / out, w / out], 'valid');
      return poolAxis(poolAxis(x, 1, out), 2, out);
    });
  }
}
