import type { RandomSource } from '@dyrep/nn';

/**
 * A batch on the host, before tensor creation: `images` NHWC float32 (values in [0, 1] until a
 * normalisation), `labels` int32, `size` examples of shape `imageShape`. Each loader batch owns
 * fresh arrays, so transforms may write into them.
 */
export interface HostBatch {
  images: Float32Array;
  labels: Int32Array;
  size: number;
  imageShape: [number, number, number];
}

/**
 * One augmentation / preprocessing step on a {@link HostBatch}.
 *
 * Why typed arrays and not tf ops: the loader prepares the next batch while the current one trains
 * (prefetch), and host-side transforms run in that slot without touching the tfjs engine, so they
 * allocate no tensors (nothing to leak or dispose), are bit-identical on every backend (a seeded run
 * reproduces on cpu, wasm and tfjs-node), and express per-example random parameters (each image its
 * own crop offset, flip and cutout square) as plain loops instead of per-example slice/gather kernels.
 * The cost is a few milliseconds per batch of small images (see docs/benchmarks.md).
 *
 * `apply` may modify `batch` in place and return it, or return a new batch (e.g. another size). It
 * draws randomness only from `rng`, in a documented per-image order, so pipelines are reproducible.
 */
export interface BatchTransform {
  /** Short description, e.g. `randomCrop(pad=4)`. */
  readonly name: string;
  /** Applies the transform. */
  apply(batch: HostBatch, rng: RandomSource): HostBatch;
}

/** Applies `transforms` left to right. */
export function applyTransforms(batch: HostBatch, transforms: readonly BatchTransform[], rng: RandomSource): HostBatch {
  let b = batch;
  for (const t of transforms) b = t.apply(b, rng);
  return b;
}
