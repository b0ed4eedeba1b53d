import * as tf from '@tensorflow/tfjs-core';

/**
 * Nearest-neighbour upsampling of NHWC `x` to `[height, width]`: every pixel is repeated
 * `f = ⌈height / h⌉` times down and `⌈width / w⌉` across (one `ResizeNearestNeighbor` kernel, which
 * the exporter lowers to ONNX `Resize` and Keras `UpSampling2D`), then the result is cropped to the
 * target size when it is not an exact multiple (a `Slice`). The gradient is the block sum, written
 * with reshapes and sums of rank ≤ 3: tfjs-backend-cpu 4.22's `ResizeNearestNeighborGrad` is wrong
 * for batches larger than one, so the kernel's own gradient is never used.
 */
export function upsampleNearest(x: tf.Tensor4D, [height, width]: readonly [number, number]): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (height === h && width === w) return tf.clone(x);
  const fy = Math.ceil(height / h);
  const fx = Math.ceil(width / w);
  const repeat = tf.customGrad((t) => {
    const value = tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [h * fy, w * fx]);
    const gradFunc = (dy: tf.Tensor) =>
      tf.tidy(() => {
        const rows = tf.sum(tf.reshape(dy, [n * h, fy, w * fx * c]), 1);
        return tf.reshape(tf.sum(tf.reshape(rows, [n * h * w, fx, c]), 1), [n, h, w, c]);
      });
    return { value, gradFunc };
  });
  return tf.tidy(() => {
    const y = repeat(x) as tf.Tensor4D;
    return h * fy === height && w * fx === width ? y : tf.slice(y, [0, 0, 0, 0], [n, height, width, c]);
  });
}
