import * as tf from '@tensorflow/tfjs-core';

/**
 * A grouped HWIO kernel `[k, k, channels/groups, channels]` in which output channel o reads only
 * its own input channel (index `o mod (channels/groups)` inside its group), with value `value(h, w)`.
 */
export function ownChannelKernel(channels: number, k: number, groups: number, value: (h: number, w: number) => number): tf.Tensor4D {
  if (!Number.isInteger(channels) || channels < 1 || channels % groups) {
    throw new Error(`kernel: ${channels} channels not divisible by ${groups} groups`);
  }
  const cg = channels / groups;
  const data = new Float32Array(k * k * cg * channels);
  for (let h = 0; h < k; h++)
    for (let w = 0; w < k; w++) {
      const v = value(h, w);
      if (v === 0) continue;
      for (let o = 0; o < channels; o++) data[((h * k + w) * cg + (o % cg)) * channels + o] = v;
    }
  return tf.tensor4d(data, [k, k, cg, channels]);
}
