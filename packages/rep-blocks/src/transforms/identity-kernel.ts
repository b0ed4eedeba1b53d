import * as tf from '@tensorflow/tfjs-core';
import { ownChannelKernel } from '../internal/own-channel-kernel';

/**
 * The identity as a k×k grouped conv kernel (spec §3.6; k odd): HWIO `[k, k, channels/groups, channels]`
 * with `K[⌊k/2⌋, ⌊k/2⌋, o mod (channels/groups), o] = 1` and 0 elsewhere. With padding ⌊k/2⌋ and
 * stride 1 the conv returns its input; an identity branch (BN alone) is this kernel fused with its BN.
 */
export function identityKernel(channels: number, k: number, groups = 1): tf.Tensor4D {
  if (k % 2 !== 1) throw new Error(`identityKernel: k must be odd, got ${k}`);
  const c = (k - 1) / 2;
  return ownChannelKernel(channels, k, groups, (h, w) => (h === c && w === c ? 1 : 0));
}
