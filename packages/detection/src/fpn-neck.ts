import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, Module, ReLU, Sequential } from '@dyrep/nn';
import { upsampleNearest } from './internal/upsample-nearest';

/** Options of {@link FpnNeck}. */
export interface FpnNeckOptions {
  /** Channels of the backbone feature maps, shallow (finest) to deep. */
  inChannels: readonly number[];
  /** Channels of every lateral and of the output. */
  channels: number;
}

/**
 * A light top-down feature-pyramid neck that merges backbone maps at several strides into one map
 * at the finest stride: `lateral{i}` (1×1 conv → BN) projects feature i to `channels`; from the
 * deepest map down, each is upsampled (nearest) to the next finer map's size and added; `smooth`
 * (3×3 conv → BN → ReLU) cleans the sum. Children are looked up by path on every call, so convs
 * replaced with `setModule` take effect at once.
 */
export class FpnNeck extends Module {
  /** Number of input feature maps. */
  readonly levels: number;
  /** Output channels. */
  readonly channels: number;

  constructor(options: FpnNeckOptions) {
    super();
    const { inChannels, channels } = options;
    if (inChannels.length < 1) throw new Error('FpnNeck: needs at least one input feature map');
    this.levels = inChannels.length;
    this.channels = channels;
    inChannels.forEach((c, i) => {
      this.registerModule(
        `lateral${i}`,
        new Sequential({
          conv: new Conv2d({ inChannels: c, outChannels: channels, kernelSize: 1 }),
          bn: new BatchNorm2d(channels),
        }),
      );
    });
    this.registerModule(
      'smooth',
      new Sequential({
        conv: new Conv2d({ inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1 }),
        bn: new BatchNorm2d(channels),
        relu: new ReLU(),
      }),
    );
  }

  /** Merges feature maps `[N, h_i, w_i, C_i]` (finest first) into `[N, h_0, w_0, channels]`. */
  merge(features: readonly tf.Tensor4D[]): tf.Tensor4D {
    if (features.length !== this.levels) throw new Error(`FpnNeck: expected ${this.levels} feature maps, got ${features.length}`);
    return tf.tidy(() => {
      let top: tf.Tensor4D | null = null;
      for (let i = this.levels - 1; i >= 0; i--) {
        const lateral = this.getModule(`lateral${i}`).forward(features[i]) as tf.Tensor4D;
        if (top === null) {
          top = lateral;
        } else {
          const [, h, w] = lateral.shape;
          top = tf.add(lateral, upsampleNearest(top, [h, w])) as tf.Tensor4D;
        }
      }
      return this.getModule('smooth').forward(top!) as tf.Tensor4D;
    });
  }

  /** A single-level neck: `merge([x])`. Multi-level necks are driven through {@link merge}. */
  override forward(x: tf.Tensor): tf.Tensor {
    if (this.levels !== 1) throw new Error(`FpnNeck: forward() takes one map but this neck merges ${this.levels}; call merge(features)`);
    return this.merge([x as tf.Tensor4D]);
  }
}
