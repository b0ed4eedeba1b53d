import { DataError } from '../data-error';
import type { BatchTransform, HostBatch } from './batch-transform';

/**
 * Mirrors each image left–right with probability `p` (default 0.5): one `rng.nextFloat()` per image,
 * flipped when it is `< p`. In place.
 */
export function randomHorizontalFlip(p = 0.5): BatchTransform {
  if (!(p >= 0 && p <= 1)) throw new DataError('invalid-argument', `randomHorizontalFlip: p must be in [0, 1], got ${p}`);
  return {
    name: `randomHorizontalFlip(p=${p})`,
    apply(batch, rng): HostBatch {
      const [h, w, c] = batch.imageShape;
      const x = batch.images;
      for (let n = 0; n < batch.size; n++) {
        if (!(rng.nextFloat() < p)) continue;
        for (let y = 0; y < h; y++) {
          const row = (n * h + y) * w * c;
          for (let a = 0, b = w - 1; a < b; a++, b--) {
            for (let k = 0; k < c; k++) {
              const t = x[row + a * c + k];
              x[row + a * c + k] = x[row + b * c + k];
              x[row + b * c + k] = t;
            }
          }
        }
      }
      return batch;
    },
  };
}
