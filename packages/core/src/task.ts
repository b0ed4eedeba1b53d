import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@dyrep/nn';
import type { Logs } from './hooks';

/**
 * A stream of batches a trainer iterates once per epoch (e.g. `DataLoader` from `@dyrep/data`).
 * A batch is an object whose tensor fields are owned, and disposed, by the consumer.
 */
export interface BatchSource<B> {
  /** Batches of the next epoch. */
  epoch(): AsyncIterable<B>;
  /** Number of batches per epoch. */
  readonly numBatches: number;
  /** Resumable position (JSON), for checkpoints. */
  getState?(): unknown;
  /** Restores a position from {@link getState}. */
  setState?(state: never): void;
}

/**
 * What a trainer optimises: how a batch becomes a loss, what the model input of a batch is, and
 * how a model is evaluated. Classification (`@dyrep/trainer`) and detection (`@dyrep/detection`)
 * implement it. Every tensor a task returns is owned by the caller.
 */
export interface Task<B> {
  /** Short name (`classification`, `detection`). */
  readonly name: string;
  /** The validation metric that summarises a run (e.g. `top1`, `mAP`); higher is better. */
  readonly primaryMetric: string;
  /** The model input of `batch` (borrowed: it is one of the batch's own tensors, not a copy). */
  input(batch: B): tf.Tensor;
  /** Scalar training loss of `model` (in training mode) on `batch`; runs inside the gradient tape. */
  loss(model: Module, batch: B): tf.Scalar;
  /** Evaluates `model` (already in eval mode) on every batch of `batches`, disposing them. */
  evaluate(model: Module, batches: AsyncIterable<B>): Promise<Logs>;
  /** Number of examples in a batch. */
  batchSize(batch: B): number;
}
