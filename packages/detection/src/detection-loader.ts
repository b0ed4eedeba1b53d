import * as tf from '@tensorflow/tfjs-core';
import { mixSeeds, Rng } from '@dyrep/nn';
import type { CocoDataset } from './coco/coco-dataset';
import { boxesToInput, letterbox, letterboxPixels, type Letterbox } from './letterbox';
import { encodeCenterNetTargets } from './center-net-targets';
import type { DetectionBatch } from './detection-batch';

/** Options of {@link createDetectionLoader}. */
export interface DetectionLoaderOptions {
  /** Output stride of the detector the targets are for (e.g. `CenterNet.stride`). */
  stride: number;
  /** Images per batch (default 16). */
  batchSize?: number;
  /** Visit images in a seeded random order, new each epoch (default false). */
  shuffle?: boolean;
  /** Seed of the order and augmentation (default 0). */
  seed?: number;
  /** Drop a final incomplete batch (default false). */
  dropLast?: boolean;
  /** Network input `[H, W]`; every image is letterboxed into it (aspect kept, top-left, zero padding) and its boxes scaled. Default: the first image's size. */
  inputSize?: readonly [number, number];
  /** Decoded images kept in memory, least recently used dropped first (default 512). */
  cacheImages?: number;
  /** Batches decoded ahead while the consumer works on the current one (default 2). */
  prefetch?: number;
  /** Decode every image up front and keep all of them (the memory grows with the dataset); default false. */
  eager?: boolean;
  /** Random horizontal flips with probability 0.5 (default false). */
  hflip?: boolean;
  /** Per-channel normalisation applied after scaling to [0, 1]: `(x − mean) / std`. */
  normalize?: { mean: readonly number[]; std: readonly number[] };
  /** Use only the first `limit` images. */
  limit?: number;
  /** Minimum Gaussian overlap of the heatmap targets (default 0.7). */
  minOverlap?: number;
}

/** Resumable position of a {@link DetectionLoader} (JSON). */
export interface DetectionLoaderState {
  epoch: number;
  batch: number;
}

interface Item {
  /** Position in the dataset (`dataset.load(index)`). */
  index: number;
  imageId: number;
  /** Non-crowd boxes in input pixels. */
  boxes: Float32Array;
  labels: Int32Array;
  letterbox: Letterbox;
}

/**
 * Batches of a COCO detection dataset for the trainer (`BatchSource<DetectionBatch>`): images are
 * decoded when a batch needs them (a few batches ahead, `prefetch`), kept in a bounded
 * least-recently-used cache (`cacheImages`), letterboxed into the input size, and turned into
 * {@link DetectionBatch}es with CenterNet targets; crowd boxes get no target. The order is a seeded shuffle per epoch
 * (`mixSeeds(seed, epoch)`), so runs are reproducible and `getState`/`setState` resume mid-epoch.
 */
export class DetectionLoader {
  /** Images per batch. */
  readonly batchSize: number;
  /** Network input `[H, W]`. */
  readonly inputSize: readonly [number, number];
  /** Output map `[h, w]` (= ⌈input / stride⌉). */
  readonly outputSize: readonly [number, number];
  /** Image channels. */
  readonly channels: number;
  /** Object classes. */
  readonly numClasses: number;
  private readonly items: Item[];
  private readonly opts: DetectionLoaderOptions;
  private readonly cache = new Map<number, Promise<Float32Array>>();
  private readonly cacheLimit: number;
  private readonly dataset: CocoDataset;
  private epochIndex = 0;
  private resumeBatch = 0;
  private active = false;

  /** Use {@link createDetectionLoader}, which reads the images. */
  constructor(dataset: CocoDataset, items: Item[], inputSize: readonly [number, number], channels: number, options: DetectionLoaderOptions) {
    const batchSize = options.batchSize ?? 16;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`DetectionLoader: batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(options.stride) || options.stride < 1) throw new Error(`DetectionLoader: stride must be a positive integer, got ${options.stride}`);
    this.dataset = dataset;
    this.items = items;
    this.opts = options;
    this.batchSize = batchSize;
    this.inputSize = inputSize;
    this.outputSize = [Math.ceil(inputSize[0] / options.stride), Math.ceil(inputSize[1] / options.stride)];
    this.channels = channels;
    this.numClasses = dataset.categories.length;
    this.cacheLimit = options.eager ? Infinity : (options.cacheImages ?? 512);
    if (!(this.cacheLimit >= 1)) throw new Error(`DetectionLoader: cacheImages must be at least 1, got ${options.cacheImages}`);
  }

  /** Decoded, letterboxed pixels of item `i` (from the cache, or read now). */
  pixels(i: number): Promise<Float32Array> {
    const item = this.items[i];
    let entry = this.cache.get(i);
    if (entry) {
      this.cache.delete(i); // re-insert: Map order is recency order
    } else {
      entry = this.dataset.load(item.index).then((s) => letterboxPixels(s.image, s.shape[2], item.letterbox));
      entry.catch(() => this.cache.delete(i));
    }
    this.cache.set(i, entry);
    while (this.cache.size > this.cacheLimit) this.cache.delete(this.cache.keys().next().value!);
    return entry;
  }

  /** Images decoded and held right now (at most `cacheImages`). */
  get cachedImages(): number {
    return this.cache.size;
  }

  /** Number of images per epoch. */
  get numExamples(): number {
    return this.items.length;
  }

  /** Batches per epoch. */
  get numBatches(): number {
    const n = this.items.length;
    return this.opts.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The position to checkpoint: mid-epoch while iterating, else the start of the next epoch. */
  getState(): DetectionLoaderState {
    return { epoch: this.epochIndex, batch: this.resumeBatch };
  }

  /** Restores a position from {@link getState}. */
  setState(state: DetectionLoaderState): void {
    if (!Number.isInteger(state.epoch) || state.epoch < 0 || !Number.isInteger(state.batch) || state.batch < 0) {
      throw new Error(`DetectionLoader.setState: bad state ${JSON.stringify(state)}`);
    }
    this.epochIndex = state.epoch;
    this.resumeBatch = state.batch;
  }

  /** Yields one epoch of batches (from a restored mid-epoch position, if any); breaking out early ends the epoch. The consumer disposes each batch's tensors. */
  async *epoch(): AsyncGenerator<DetectionBatch, void, undefined> {
    if (this.active) throw new Error('DetectionLoader.epoch: the previous epoch is still being iterated');
    this.active = true;
    const epoch = this.epochIndex;
    const seed = this.opts.seed ?? 0;
    try {
      const order = Int32Array.from(this.items, (_, i) => i);
      if (this.opts.shuffle) new Rng(mixSeeds(seed, epoch)).shuffle(order);
      const ahead = Math.max(0, this.opts.prefetch ?? 2);
      const pending: Promise<Float32Array[]>[] = [];
      const request = (b: number) => {
        const from = b * this.batchSize;
        const size = Math.min(this.batchSize, this.items.length - from);
        const p = Promise.all(Array.from({ length: size }, (_, i) => this.pixels(order[from + i])));
        p.catch(() => undefined); // awaited (and thrown) in order below
        pending.push(p);
      };
      let next = this.resumeBatch;
      for (let b = this.resumeBatch; b < this.numBatches; b++) {
        while (next < this.numBatches && next <= b + ahead) request(next++);
        const pixels = await pending.shift()!;
        const batch = this.makeBatch(order, b, pixels, new Rng(mixSeeds(mixSeeds(seed, epoch), b + 1)));
        this.resumeBatch = b + 1;
        yield batch;
      }
    } finally {
      this.active = false;
      this.epochIndex = epoch + 1;
      this.resumeBatch = 0;
    }
  }

  private makeBatch(order: Int32Array, b: number, pixels: Float32Array[], rng: Rng): DetectionBatch {
    const [H, W] = this.inputSize;
    const [h, w] = this.outputSize;
    const c = this.channels;
    const k = this.numClasses;
    const from = b * this.batchSize;
    const size = Math.min(this.batchSize, this.items.length - from);
    const x = new Float32Array(size * H * W * c);
    const heat = new Float32Array(size * h * w * k);
    const reg = new Float32Array(size * h * w * 4);
    const mask = new Float32Array(size * h * w);
    const imageIds: number[] = [];
    const scales: [number, number][] = [];
    const letterboxes: Letterbox[] = [];
    const norm = this.opts.normalize;
    for (let i = 0; i < size; i++) {
      const item = this.items[order[from + i]];
      const flip = this.opts.hflip ? rng.nextFloat() < 0.5 : false;
      const o = i * H * W * c;
      if (flip) {
        for (let yy = 0; yy < H; yy++) for (let xx = 0; xx < W; xx++) for (let ch = 0; ch < c; ch++) x[o + (yy * W + xx) * c + ch] = pixels[i][(yy * W + (W - 1 - xx)) * c + ch];
      } else {
        x.set(pixels[i], o);
      }
      if (norm) {
        for (let p = 0; p < H * W * c; p++) x[o + p] = (x[o + p] - norm.mean[p % c]) / norm.std[p % c];
      }
      const boxes = Float32Array.from(item.boxes);
      if (flip) for (let j = 0; j < boxes.length; j += 4) boxes[j] = W - boxes[j] - boxes[j + 2];
      const t = encodeCenterNetTargets(boxes, item.labels, { outputSize: [h, w], stride: this.opts.stride, numClasses: k, minOverlap: this.opts.minOverlap });
      heat.set(t.heatmap, i * h * w * k);
      reg.set(t.regression, i * h * w * 4);
      mask.set(t.mask, i * h * w);
      imageIds.push(item.imageId);
      scales.push([1 / item.letterbox.scale, 1 / item.letterbox.scale]);
      letterboxes.push(item.letterbox);
    }
    return {
      x: tf.tensor4d(x, [size, H, W, c]),
      heatmap: tf.tensor4d(heat, [size, h, w, k]),
      regression: tf.tensor4d(reg, [size, h, w, 4]),
      regMask: tf.tensor4d(mask, [size, h, w, 1]),
      size,
      imageIds,
      scales,
      letterboxes,
      groundTruth: this.dataset.groundTruth,
      categoryIds: this.dataset.categories.map((cat) => cat.id),
    };
  }
}

/**
 * A {@link DetectionLoader} over `dataset` (opened with `openCocoDataset`, any channel count). Only
 * the first image is decoded here (for the default input size and the channel count); boxes are
 * letterboxed with their images; crowd boxes are left out of the targets (COCO evaluation still
 * sees them through the ground truth). With `eager`, every image is decoded now and kept.
 */
export async function createDetectionLoader(dataset: CocoDataset, options: DetectionLoaderOptions): Promise<DetectionLoader> {
  const n = Math.min(dataset.length, options.limit ?? Infinity);
  if (n < 1) throw new Error('createDetectionLoader: the dataset has no images');
  const first = await dataset.load(0);
  const inputSize = options.inputSize ?? [first.shape[0], first.shape[1]];
  const channels = first.shape[2];
  const items: Item[] = [];
  for (let i = 0; i < n; i++) {
    const s = dataset.annotations(i);
    const lb = letterbox([s.height, s.width], inputSize);
    const keep = [...s.iscrowd.keys()].filter((j) => !s.iscrowd[j]);
    const boxes = boxesToInput(
      keep.flatMap((j) => Array.from(s.boxes.subarray(4 * j, 4 * j + 4))),
      lb,
    );
    items.push({ index: i, imageId: s.imageId, boxes, labels: Int32Array.from(keep, (j) => s.labels[j]), letterbox: lb });
  }
  const loader = new DetectionLoader(dataset, items, inputSize, channels, options);
  if (options.eager) for (let i = 0; i < n; i++) await loader.pixels(i);
  return loader;
}
