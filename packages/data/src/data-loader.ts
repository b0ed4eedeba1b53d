import * as tf from '@tensorflow/tfjs-core';
import { DataError } from './data-error';
import { takeFirst, type Dataset } from './dataset';
import { mixSeeds, Rng, type RngState } from '@dyrep/nn';
import { applyTransforms, type BatchTransform, type HostBatch } from './transforms/batch-transform';

/** One training batch. The caller owns (and must dispose) `x` and `y`. */
export interface Batch {
  /** Images, float32 NHWC. */
  x: tf.Tensor4D;
  /** Labels, int32. */
  y: tf.Tensor1D;
  /** Number of examples (the last batch may be smaller unless `dropLast`). */
  size: number;
}

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions {
  /** Examples per batch. Default 32. */
  batchSize?: number;
  /** Visit examples in a seeded random order, new each epoch. Default false. */
  shuffle?: boolean;
  /** Seed of the shuffling and augmentation streams. Default 0. */
  seed?: number;
  /** Drop a final incomplete batch. Default false. */
  dropLast?: boolean;
  /** Host-side transforms applied to each batch, in order (see {@link BatchTransform}). */
  transforms?: readonly BatchTransform[];
  /** Use only the first `limit` examples of the dataset. */
  limit?: number;
  /** Prepare batch k + 1 while the consumer works on batch k. Default true. */
  prefetch?: boolean;
}

/** Resumable position of a {@link DataLoader}: JSON-serialisable, for checkpoints. */
export interface DataLoaderState {
  /** Index of the current (or next) epoch. */
  epoch: number;
  /** Batches of that epoch already handed out. */
  batch: number;
  /** Main generator state at the start of that epoch. */
  rng: RngState;
}

const U8_TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * Iterates a {@link Dataset} in batches of `{x, y, size}` tensors, one epoch per {@link DataLoader.epoch} call.
 *
 * Randomness: a main {@link Rng} (seeded by `seed`) draws one 32-bit seed per epoch; the epoch's
 * permutation comes from that seed and batch b's augmentation from `mixSeeds(epochSeed, b)`. Batches
 * therefore do not depend on prefetching or on timing, and {@link DataLoader.getState} /
 * {@link DataLoader.setState} resume an interrupted epoch at the exact batch, with the same order
 * and the same augmentation draws.
 *
 * Prefetch: after handing out batch k the loader schedules batch k + 1's gather and transforms with
 * `setImmediate`, so the work runs whenever the consumer yields to the event loop (e.g. while awaiting
 * `loss.data()`); tensors are created only when a batch is yielded, so an abandoned prefetch leaks nothing.
 */
export class DataLoader implements AsyncIterable<Batch> {
  /** The (possibly limited) dataset iterated. */
  readonly dataset: Dataset;
  /** Examples per batch. */
  readonly batchSize: number;
  private readonly shuffle: boolean;
  private readonly dropLast: boolean;
  private readonly prefetch: boolean;
  private readonly transforms: readonly BatchTransform[];
  private readonly rng: Rng;
  private epochIndex = 0;
  private resumeBatch = 0;
  private active: { rngAtStart: RngState; position: number } | null = null;

  constructor(dataset: Dataset, options: DataLoaderOptions = {}) {
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new DataError('invalid-argument', `DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    this.dataset = options.limit === undefined ? dataset : takeFirst(dataset, options.limit);
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.prefetch = options.prefetch ?? true;
    this.transforms = options.transforms ?? [];
    this.rng = new Rng(options.seed ?? 0);
  }

  /** Number of examples per epoch before `dropLast`. */
  get numExamples(): number {
    return this.dataset.size;
  }

  /** Number of batches per epoch. */
  get numBatches(): number {
    const n = this.dataset.size;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The position to checkpoint: mid-epoch while iterating, else the start of the next epoch. */
  getState(): DataLoaderState {
    if (this.active) return { epoch: this.epochIndex, batch: this.active.position, rng: [...this.active.rngAtStart] as RngState };
    return { epoch: this.epochIndex, batch: this.resumeBatch, rng: this.rng.getState() };
  }

  /** Restores a checkpointed position; the next {@link DataLoader.epoch} continues from it. Not allowed mid-epoch. */
  setState(state: DataLoaderState): void {
    if (this.active) throw new DataError('invalid-argument', 'DataLoader.setState: cannot restore while an epoch is being iterated');
    if (!Number.isInteger(state.epoch) || state.epoch < 0 || !Number.isInteger(state.batch) || state.batch < 0) {
      throw new DataError('invalid-argument', `DataLoader.setState: bad state ${JSON.stringify(state)}`);
    }
    this.rng.setState(state.rng);
    this.epochIndex = state.epoch;
    this.resumeBatch = state.batch;
  }

  /** Same as {@link DataLoader.epoch}: `for await (const b of loader)` runs one epoch. */
  [Symbol.asyncIterator](): AsyncGenerator<Batch, void, undefined> {
    return this.epoch();
  }

  /**
   * Yields one epoch of batches (from a restored mid-epoch position, if any). Breaking out early
   * ends the epoch. The caller disposes each batch's tensors.
   */
  async *epoch(): AsyncGenerator<Batch, void, undefined> {
    if (this.active) throw new DataError('invalid-argument', 'DataLoader.epoch: the previous epoch is still being iterated');
    const rngAtStart = this.rng.getState();
    const epochSeed = this.rng.nextUint32();
    const start = this.resumeBatch;
    this.resumeBatch = 0;
    this.active = { rngAtStart, position: start };
    try {
      const order = new Int32Array(this.dataset.size);
      for (let i = 0; i < order.length; i++) order[i] = i;
      if (this.shuffle) new Rng(epochSeed).shuffle(order);
      const nb = this.numBatches;
      const prepare = (b: number): HostBatch => this.prepareHostBatch(order, b, epochSeed);
      const schedule = (b: number): Promise<HostBatch> => {
        const p = new Promise<HostBatch>((res, rej) =>
          setImmediate(() => {
            try {
              res(prepare(b));
            } catch (err) {
              rej(err);
            }
          }),
        );
        p.catch(() => undefined); // handled when awaited; avoids an unhandled rejection if abandoned
        return p;
      };
      let pending: Promise<HostBatch> | null = this.prefetch && start < nb ? schedule(start) : null;
      for (let b = start; b < nb; b++) {
        const host = pending ? await pending : prepare(b);
        pending = this.prefetch && b + 1 < nb ? schedule(b + 1) : null;
        const [h, w, c] = host.imageShape;
        const x = tf.tensor4d(host.images, [host.size, h, w, c], 'float32');
        const y = tf.tensor1d(host.labels, 'int32');
        this.active.position = b + 1;
        yield { x, y, size: host.size };
      }
    } finally {
      this.active = null;
      this.epochIndex++;
    }
  }

  /** Gathers batch `b` of `order` into fresh arrays (uint8 scaled to [0, 1]) and applies the transforms. */
  private prepareHostBatch(order: Int32Array, b: number, epochSeed: number): HostBatch {
    const ds = this.dataset;
    const [h, w, c] = ds.imageShape;
    const per = h * w * c;
    const from = b * this.batchSize;
    const size = Math.min(this.batchSize, ds.size - from);
    const images = new Float32Array(size * per);
    const labels = new Int32Array(size);
    const src = ds.images;
    for (let i = 0; i < size; i++) labels[i] = ds.labels[order[from + i]];
    if (src instanceof Uint8Array) {
      for (let i = 0; i < size; i++) {
        const s = order[from + i] * per;
        const o = i * per;
        for (let k = 0; k < per; k++) images[o + k] = U8_TO_UNIT[src[s + k]];
      }
    } else {
      for (let i = 0; i < size; i++) {
        const s = order[from + i] * per;
        images.set(src.subarray(s, s + per), i * per);
      }
    }
    const batch: HostBatch = { images, labels, size, imageShape: [h, w, c] };
    if (this.transforms.length === 0) return batch;
    return applyTransforms(batch, this.transforms, new Rng(mixSeeds(epochSeed, b)));
  }
}

/** One epoch of batches over `dataset`: shorthand for `new DataLoader(dataset, options).epoch()`. */
export function batches(dataset: Dataset, options: DataLoaderOptions = {}): AsyncGenerator<Batch, void, undefined> {
  return new DataLoader(dataset, options).epoch();
}
