import * as tf from '@tensorflow/tfjs-core';

/**
 * Nearest-neighbour upsampling of NHWC `x` to `[height, width]`: every pixel is repeated
 * `f = ⌈height / h⌉` times down and `⌈width / w⌉` across, then the result is cropped to the target
 * size (for 2× this is exactly `tf.image.resizeNearestNeighbor`). Built from reshapes and
 * broadcasting adds of rank ≤ 4, whose gradients are correct on every backend (tfjs-backend-cpu
 * 4.22's `ResizeNearestNeighborGrad` is wrong for batches larger than one).
 */
export function upsampleNearest(x: tf.Tensor4D, [height, width]: readonly [number, number]): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (height === h && width === w) return tf.clone(x);
  const fy = Math.ceil(height / h);
  const fx = Math.ceil(width / w);
  return tf.tidy(() => {
    let y: tf.Tensor = x;
    if (fx > 1) y = tf.reshape(tf.add(tf.reshape(y, [n * h, w, 1, c]), tf.zeros([1, 1, fx, 1])), [n, h, w * fx, c]);
    if (fy > 1) y = tf.reshape(tf.add(tf.reshape(y, [n, h, 1, w * fx * c]), tf.zeros([1, 1, fy, 1])), [n, h * fy, w * fx, c]);
    if (h * fy !== height || w * fx !== width) y = tf.slice(y, [0, 0, 0, 0], [n, height, width, c]);
    return y as tf.Tensor4D;
  });
}
