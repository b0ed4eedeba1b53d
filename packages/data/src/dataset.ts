import { DataError } from './data-error';

/** Pixel storage of a dataset: uint8 (0..255) or float32 (already in [0, 1]). */
export type ImageArray = Uint8Array | Float32Array;

/** Image shape `[height, width, channels]`. */
export type ImageShape = readonly [number, number, number];

/**
 * A labelled image-classification dataset held in memory. `images` is NHWC, row-major,
 * `size × H × W × C` values; `labels` holds `size` class indices in `[0, classNames.length)`.
 * Datasets are immutable by convention: loaders and transforms never write into them.
 */
export interface Dataset {
  /** Short name, e.g. `fashion-mnist/train`. */
  readonly name: string;
  /** Number of examples. */
  readonly size: number;
  /** Class names, indexed by label. */
  readonly classNames: readonly string[];
  /** `[H, W, C]` of every image. */
  readonly imageShape: ImageShape;
  /** Pixels, NHWC; uint8 in 0..255 or float32 in [0, 1]. */
  readonly images: ImageArray;
  /** Labels, one int32 per example. */
  readonly labels: Int32Array;
}

/** Fields accepted by {@link createInMemoryDataset}. */
export interface DatasetInit {
  name: string;
  classNames: readonly string[];
  imageShape: ImageShape;
  images: ImageArray;
  labels: Int32Array;
}

/**
 * Validates and freezes a dataset: the shape is positive integers, the image buffer length is
 * `labels.length × H × W × C`, and every label is in range. Throws {@link DataError}
 * (`count-mismatch`, `label-out-of-range`, `invalid-argument`) otherwise.
 */
export function createInMemoryDataset(init: DatasetInit): Dataset {
  const { name, classNames, imageShape, images, labels } = init;
  if (imageShape.length !== 3 || imageShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new DataError('invalid-argument', `${name}: imageShape must be three positive integers [H, W, C], got [${imageShape.join(', ')}]`);
  }
  if (classNames.length === 0) throw new DataError('invalid-argument', `${name}: classNames is empty`);
  const perImage = imageShape[0] * imageShape[1] * imageShape[2];
  const size = labels.length;
  if (images.length !== size * perImage) {
    const imageCount = images.length / perImage;
    throw new DataError(
      'count-mismatch',
      `${name}: ${size} labels but the image buffer holds ${Number.isInteger(imageCount) ? imageCount : imageCount.toFixed(2)} images of shape [${imageShape.join(', ')}] (${images.length} values)`,
    );
  }
  const bad = findLabelOutOfRange(labels, classNames.length);
  if (bad >= 0) {
    throw new DataError('label-out-of-range', `${name}: label ${labels[bad]} at index ${bad} is outside [0, ${classNames.length - 1}] (${classNames.length} classes)`);
  }
  return Object.freeze({ name, size, classNames: Object.freeze([...classNames]), imageShape: Object.freeze([...imageShape]) as unknown as ImageShape, images, labels });
}

/** Index of the first label outside `[0, numClasses)`, or −1. */
export function findLabelOutOfRange(labels: ArrayLike<number>, numClasses: number): number {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!(l >= 0 && l < numClasses)) return i;
  }
  return -1;
}

/** The first `n` examples of `dataset` (zero-copy views); the dataset itself if `n ≥ size`. */
export function takeFirst(dataset: Dataset, n: number): Dataset {
  if (!Number.isInteger(n) || n < 0) throw new DataError('invalid-argument', `${dataset.name}: limit must be a non-negative integer, got ${n}`);
  if (n >= dataset.size) return dataset;
  const perImage = dataset.imageShape[0] * dataset.imageShape[1] * dataset.imageShape[2];
  return Object.freeze({
    ...dataset,
    size: n,
    images: dataset.images.subarray(0, n * perImage),
    labels: dataset.labels.subarray(0, n),
  });
}

/** Number of examples per class (`histogram[k]` = count of label k). */
export function labelHistogram(dataset: Pick<Dataset, 'labels' | 'classNames'>): number[] {
  const h = new Array<number>(dataset.classNames.length).fill(0);
  for (let i = 0; i < dataset.labels.length; i++) h[dataset.labels[i]]++;
  return h;
}
