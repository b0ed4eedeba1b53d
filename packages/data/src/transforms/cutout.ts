import { DataError } from '../data-error';
import type { BatchTransform, HostBatch } from './batch-transform';

/** Options of {@link cutout}. */
export interface CutoutOptions {
  /** Side of the square mask. Default 16 (the CIFAR-10 recipe). */
  size?: number;
  /** Probability of applying it to an image. Default 1. */
  p?: number;
  /** Value written into the square. Default 0 (the mean, when applied after normalisation). */
  fill?: number;
}

/**
 * Cutout (DeVries & Taylor, 2017): per image, a centre `cy = rng.nextInt(H)`, `cx = rng.nextInt(W)`
 * is drawn (after one `rng.nextFloat()` for the coin when `p < 1`) and the square rows
 * `[cy − ⌊s/2⌋, cy − ⌊s/2⌋ + s)` × the same columns, clipped to the image, is set to `fill` in every
 * channel. The square may hang over the border, so masks near edges are smaller. In place.
 */
export function cutout(options: CutoutOptions = {}): BatchTransform {
  const s = options.size ?? 16;
  const p = options.p ?? 1;
  const fill = options.fill ?? 0;
  if (!Number.isInteger(s) || s < 1) throw new DataError('invalid-argument', `cutout: size must be a positive integer, got ${s}`);
  if (!(p >= 0 && p <= 1)) throw new DataError('invalid-argument', `cutout: p must be in [0, 1], got ${p}`);
  return {
    name: `cutout(size=${s}${p < 1 ? `, p=${p}` : ''})`,
    apply(batch, rng): HostBatch {
      const [h, w, c] = batch.imageShape;
      const x = batch.images;
      for (let n = 0; n < batch.size; n++) {
        if (p < 1 && !(rng.nextFloat() < p)) continue;
        const cy = rng.nextInt(h);
        const cx = rng.nextInt(w);
        const y0 = Math.max(0, cy - Math.floor(s / 2));
        const y1 = Math.min(h, cy - Math.floor(s / 2) + s);
        const x0 = Math.max(0, cx - Math.floor(s / 2));
        const x1 = Math.min(w, cx - Math.floor(s / 2) + s);
        for (let y = y0; y < y1; y++) {
          const row = (n * h + y) * w * c;
          x.fill(fill, row + x0 * c, row + x1 * c);
        }
      }
      return batch;
    },
  };
}
