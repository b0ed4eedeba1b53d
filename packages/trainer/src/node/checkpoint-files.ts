import type * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '@dyrep/core/node';
import type { Module } from '@dyrep/nn';
import { CheckpointError, decodeCheckpoint, disposeCheckpoint, encodeCheckpoint, parseCheckpoint, parseCheckpointMeta, restoreModel, type CheckpointMeta, type LoadedCheckpoint } from '@dyrep/trainer';

/** The bytes of checkpoint `file`; an unreadable file is a one-line {@link CheckpointError} naming it and the cause. */
export function readCheckpointBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new CheckpointError(`cannot read checkpoint '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Writes `encodeCheckpoint`'s bytes to `file` with the project's atomic writer (`writeFileAtomic`). */
export async function writeCheckpointFile(file: string, meta: unknown, tensors: ReadonlyMap<string, tf.Tensor>): Promise<void> {
  await writeFileAtomic(file, encodeCheckpoint(meta, tensors));
}

/** Reads a file written by {@link writeCheckpointFile} (see `decodeCheckpoint`); the caller owns the returned tensors. */
export function readCheckpointFile(file: string): { meta: unknown; tensors: Map<string, tf.Tensor> } {
  return decodeCheckpoint(readCheckpointBytes(file), file);
}

/** Reads and validates a training checkpoint file (see `parseCheckpoint`). */
export function readCheckpoint(file: string): LoadedCheckpoint {
  return parseCheckpoint(readCheckpointBytes(file), file);
}

/** The metadata of a training checkpoint file, fully validated, without loading its tensors (no backend needed). */
export function readCheckpointMeta(file: string): CheckpointMeta {
  return parseCheckpointMeta(readCheckpointBytes(file), file);
}

/** Reads `file` and restores its weights into `model` (see `restoreModel`); returns the checkpoint's metadata. */
export function loadModelCheckpoint(model: Module, file: string): CheckpointMeta {
  const ckpt = readCheckpoint(file);
  try {
    restoreModel(model, ckpt, `checkpoint '${file}'`);
    return ckpt.meta;
  } finally {
    disposeCheckpoint(ckpt);
  }
}
