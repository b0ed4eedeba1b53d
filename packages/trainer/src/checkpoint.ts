import * as tf from '@tensorflow/tfjs-core';
import { StateDictError, type Module, type RngState } from '@dyrep/nn';
import { applyArchitecture, type ArchitectureDescription } from '@dyrep/rep-blocks';
import { CheckpointError, decodeCheckpoint, decodeCheckpointMeta } from './checkpoint-file';
import type { StructureEvent } from './metrics-log';

/** Format tag of training checkpoints. */
export const CHECKPOINT_FORMAT = 'dyrep-checkpoint';

/** Storage name of a run's checkpoint. */
export const CHECKPOINT_NAME = 'checkpoint/last.ckpt';

/** Progress through an epoch that was interrupted (SIGINT/SIGTERM) after a step, so a resume continues it. */
export interface PartialEpoch {
  lossSum: number;
  seen: number;
  batches: number;
  dataSeconds: number;
  seconds: number;
}

/** The JSON part of a training checkpoint; the architecture fields are rebuilt on the plain model before loading weights. */
export interface CheckpointMeta extends ArchitectureDescription {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  /** Next epoch to run (the number of finished epochs). */
  epoch: number;
  /** Set when the checkpoint was written in the middle of epoch `epoch` (after a stop request). */
  partial?: PartialEpoch;
  step: number;
  /** Free-form run description (model name, options, dataset) given to the trainer. */
  meta: Record<string, unknown>;
  /** State of the process-wide generator (`globalRng()`): four uint32 words. */
  rng: RngState;
  loader: unknown;
  events: StructureEvent[];
  plugins: Record<string, unknown>;
}

/** A checkpoint read into memory; the caller disposes the tensors (see {@link disposeCheckpoint}). */
export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  /** Weights and buffers keyed by model path. */
  model: Record<string, tf.Tensor>;
  /** Momentum buffers keyed by parameter path. */
  optimizer: Map<string, tf.Tensor>;
}

/** The metadata of training-checkpoint bytes, fully validated, without making tensors (no backend needed); `source` names them in errors. */
export function parseCheckpointMeta(bytes: Uint8Array, source: string): CheckpointMeta {
  const m = decodeCheckpointMeta(bytes, source) as CheckpointMeta;
  if (!m || m.format !== CHECKPOINT_FORMAT || !Array.isArray(m.structure)) throw new CheckpointError(`'${source}' is not a dyrep training checkpoint`);
  return m;
}

/** Validates checkpoint bytes (e.g. from a `RunStorage`) as a training checkpoint; `source` names them in errors. */
export function parseCheckpoint(bytes: Uint8Array, source: string): LoadedCheckpoint {
  return toTrainingCheckpoint(decodeCheckpoint(bytes, source), source);
}

function toTrainingCheckpoint({ meta, tensors }: { meta: unknown; tensors: Map<string, tf.Tensor> }, source: string): LoadedCheckpoint {
  const m = meta as CheckpointMeta;
  if (!m || m.format !== CHECKPOINT_FORMAT || !Array.isArray(m.structure)) {
    tf.dispose([...tensors.values()]);
    throw new CheckpointError(`'${source}' is not a dyrep training checkpoint`);
  }
  const model: Record<string, tf.Tensor> = {};
  const optimizer = new Map<string, tf.Tensor>();
  for (const [k, v] of tensors) {
    if (k.startsWith('model/')) model[k.slice(6)] = v;
    else if (k.startsWith('optim/')) optimizer.set(k.slice(6), v);
    else v.dispose();
  }
  return { meta: m, model, optimizer };
}

/** Disposes every tensor of a loaded checkpoint. */
export function disposeCheckpoint(ckpt: LoadedCheckpoint): void {
  tf.dispose([...Object.values(ckpt.model), ...ckpt.optimizer.values()]);
}

/**
 * Rebuilds the checkpoint's rep-block structure on `model` (the plain network it was trained
 * from), then loads its weights and buffers. Any difference is a {@link CheckpointError} that
 * says exactly what does not fit.
 */
export function restoreModel(model: Module, ckpt: LoadedCheckpoint, source = 'checkpoint'): void {
  try {
    applyArchitecture(model, ckpt.meta);
  } catch (e) {
    throw new CheckpointError(`${source} does not fit this model's architecture: ${(e as Error).message}`);
  }
  try {
    model.loadStateDict(ckpt.model);
  } catch (e) {
    if (e instanceof StateDictError) throw new CheckpointError(`${source} does not match the model:\n  - ${e.problems.join('\n  - ')}`);
    throw e;
  }
}
