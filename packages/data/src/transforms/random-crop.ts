import { DataError } from '../data-error';
import type { BatchTransform, HostBatch } from './batch-transform';

/** Options of {@link randomCrop}. */
export interface RandomCropOptions {
  /** Zero-padding added on every side before cropping. Default 4. */
  padding?: number;
  /** Output `[H, W]`; default the input size. */
  size?: readonly [number, number];
  /** Value of padded pixels. Default 0 (black when applied before normalisation, as in the CIFAR recipe). */
  fill?: number;
}

/**
 * Random crop with padding: each image is padded by `padding` on every side and a window of `size`
 * is cut at offsets `dy = rng.nextInt(H + 2p − outH + 1)`, then `dx = rng.nextInt(W + 2p − outW + 1)`
 * (drawn in that order, image by image). Output pixel (y, x) is input (y + dy − p, x + dx − p), or
 * `fill` outside the image.
 */
export function randomCrop(options: RandomCropOptions = {}): BatchTransform {
  const p = options.padding ?? 4;
  const fill = options.fill ?? 0;
  if (!Number.isInteger(p) || p < 0) throw new DataError('invalid-argument', `randomCrop: padding must be a non-negative integer, got ${p}`);
  return {
    name: `randomCrop(pad=${p}${options.size ? `, size=${options.size.join('x')}` : ''})`,
    apply(batch, rng): HostBatch {
      const [h, w, c] = batch.imageShape;
      const [oh, ow] = options.size ?? [h, w];
      const rangeY = h + 2 * p - oh + 1;
      const rangeX = w + 2 * p - ow + 1;
      if (rangeY < 1 || rangeX < 1) throw new DataError('invalid-argument', `randomCrop: crop ${oh}x${ow} is larger than the padded image ${h + 2 * p}x${w + 2 * p}`);
      const per = oh * ow * c;
      const out = new Float32Array(batch.size * per);
      const src = batch.images;
      for (let n = 0; n < batch.size; n++) {
        const dy = rng.nextInt(rangeY) - p;
        const dx = rng.nextInt(rangeX) - p;
        const ib = n * h * w * c;
        const ob = n * per;
        // Columns whose source lies inside the image: x in [xa, xb); the rest is fill.
        const xa = Math.min(ow, Math.max(0, -dx));
        const xb = Math.max(xa, Math.min(ow, w - dx));
        for (let y = 0; y < oh; y++) {
          const sy = y + dy;
          const rowOut = ob + y * ow * c;
          if (sy < 0 || sy >= h) {
            out.fill(fill, rowOut, rowOut + ow * c);
            continue;
          }
          if (xa > 0) out.fill(fill, rowOut, rowOut + xa * c);
          if (xb < ow) out.fill(fill, rowOut + xb * c, rowOut + ow * c);
          const from = ib + (sy * w + xa + dx) * c;
          const to = rowOut + xa * c;
          for (let k = 0, len = (xb - xa) * c; k < len; k++) out[to + k] = src[from + k];
        }
      }
      return { images: out, labels: batch.labels, size: batch.size, imageShape: [oh, ow, c] };
    },
  };
}
