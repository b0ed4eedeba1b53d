import type * as tf from '@tensorflow/tfjs-core';
import type { Logs } from '@dyrep/core';
import type { Module } from '@dyrep/nn';

/** A stream of batches the trainer iterates once per epoch (e.g. `DataLoader` from `@dyrep/data`). */
export interface BatchSource<B> {
  /** Batches of the next epoch; each batch's tensors are disposed by the consumer. */
  epoch(): AsyncIterable<B>;
  /** Number of batches per epoch. */
  readonly numBatches: number;
  /** Resumable position (JSON), for checkpoints. */
  getState?(): unknown;
  /** Restores a position from {@link getState}. */
  setState?(state: never): void;
}

/**
 * What the trainer is optimising: how a batch becomes a loss, and how a model is evaluated.
 * Classification is the default; the detection adapter supplies another task. Every tensor a
 * task returns is owned by the trainer.
 */
export interface Task<B> {
  /** Short name (`classification`, `detection`). */
  readonly name: string;
  /** The validation metric that summarises a run (e.g. `top1`, `mAP`); higher is better. */
  readonly primaryMetric: string;
  /** Scalar training loss of `model` (in training mode) on `batch`; runs inside the gradient tape. */
  loss(model: Module, batch: B): tf.Scalar;
  /** Evaluates `model` (already in eval mode) on every batch of `batches`. */
  evaluate(model: Module, batches: AsyncIterable<B>): Promise<Logs>;
  /** Number of examples in a batch. */
  batchSize(batch: B): number;
}
