import { DataError } from '../data-error';
import type { BatchTransform, HostBatch } from './batch-transform';

/**
 * `x ← (x − mean[c]) / std[c]` per channel, with statistics in [0, 1] pixel units (see
 * `DATASET_STATS`). A single mean/std value applies to every channel. Draws no randomness.
 */
export function normalize(mean: readonly number[], std: readonly number[]): BatchTransform {
  if (mean.length === 0 || mean.length !== std.length || std.some((s) => !(s > 0))) {
    throw new DataError('invalid-argument', `normalize: mean and std must be non-empty, of equal length, std > 0; got mean [${mean.join(', ')}], std [${std.join(', ')}]`);
  }
  return {
    name: `normalize(mean=[${mean.join(', ')}], std=[${std.join(', ')}])`,
    apply(batch: HostBatch): HostBatch {
      const c = batch.imageShape[2];
      if (mean.length !== 1 && mean.length !== c) {
        throw new DataError('invalid-argument', `normalize: ${mean.length} channel statistics for images with ${c} channels`);
      }
      const m = Float32Array.from({ length: c }, (_, k) => mean[mean.length === 1 ? 0 : k]);
      const inv = Float32Array.from({ length: c }, (_, k) => 1 / std[std.length === 1 ? 0 : k]);
      const x = batch.images;
      for (let i = 0; i < x.length; i += c) {
        for (let k = 0; k < c; k++) x[i + k] = (x[i + k] - m[k]) * inv[k];
      }
      return batch;
    },
  };
}
