import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, type BatchNorm2dOptions } from '@dyrep/nn';

/**
 * BatchNorm followed by spatial padding of `pad` pixels per side, where the padding holds the BN's
 * response to a zero input instead of zeros, per channel: `β − μ·γ/σ` with the running statistics
 * in eval mode and with the batch statistics in training mode (so the padded tensor equals BN
 * applied to the zero-padded input in both modes). This is what makes a 1×1 → BN → k×k branch fuse
 * exactly at the borders. Parameters and buffers are those of {@link BatchNorm2d}.
 */
export class BnAndPad extends BatchNorm2d {
  /** Padding on every spatial side. */
  readonly pad: number;

  constructor(numFeatures: number, pad: number, options: BatchNorm2dOptions = {}) {
    super(numFeatures, options);
    if (!Number.isInteger(pad) || pad < 0) throw new Error(`BnAndPad: pad must be a non-negative integer, got ${pad}`);
    this.pad = pad;
  }

  override forward(x: tf.Tensor): tf.Tensor {
    const p = this.pad;
    if (p === 0) return super.forward(x);
    return tf.tidy(() => {
      const y = super.forward(x);
      const fill = this.training ? this.batchZeroResponse(x) : this.evalAffine().shift;
      // interior: (y − fill) + fill = y; border: 0 + fill.
      return tf.add(
        tf.pad(tf.sub(y, fill), [
          [0, 0],
          [p, p],
          [p, p],
          [0, 0],
        ]),
        fill,
      );
    });
  }

  /** Training-mode response to a zero input: β − μ_batch·γ/√(var_batch + ε) (differentiable). */
  private batchZeroResponse(x: tf.Tensor): tf.Tensor {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    return tf.sub(this.bias, tf.mul(mean, tf.mul(this.weight, tf.rsqrt(tf.add(variance, this.eps)))));
  }
}
