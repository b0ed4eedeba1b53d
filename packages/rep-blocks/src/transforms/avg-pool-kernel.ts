import * as tf from '@tensorflow/tfjs-core';
import { ownChannelKernel } from '../internal/own-channel-kernel';

/**
 * k×k average pooling over `channels` channels as a grouped conv kernel (spec §3.4): HWIO
 * `[k, k, channels/groups, channels]` with `K[h, w, o mod (channels/groups), o] = 1/k²` and 0
 * elsewhere, i.e. each output channel averages its own input channel. Matches zero-padded
 * average pooling that counts the padding (PyTorch's `count_include_pad`).
 */
export function avgPoolKernel(channels: number, k: number, groups = 1): tf.Tensor4D {
  return ownChannelKernel(channels, k, groups, () => 1 / (k * k));
}
