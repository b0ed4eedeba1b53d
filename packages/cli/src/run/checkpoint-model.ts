import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Module } from '@dyrep/nn';
import { restoreModel, disposeCheckpoint, CheckpointError, type LoadedCheckpoint } from '@dyrep/trainer';
import { readCheckpoint } from '@dyrep/trainer/node';
import { ConfigError, resolveTrainConfig } from '../config/load-config';
import type { TrainConfig } from '../config/schema';
import { buildModel } from './training-run';

/** A model rebuilt from a `dyrep train` checkpoint, with the run's configuration and data facts. */
export interface CheckpointModel {
  model: Module;
  config: TrainConfig;
  classNames: string[];
  inputShape: [number, number, number];
  normalization: { mean: number[]; std: number[] } | null;
}

/** Accepts a checkpoint file or a run directory (`<dir>/checkpoint/last.ckpt`). */
export function resolveCheckpointPath(path: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) {
    for (const candidate of [join(path, 'checkpoint', 'last.ckpt'), join(path, 'last.ckpt')]) if (existsSync(candidate)) return candidate;
    throw new ConfigError(`no checkpoint in '${path}' (looked for checkpoint/last.ckpt and last.ckpt)`);
  }
  return path;
}

/** Gives a freshly built `model` the checkpoint's structure and weights and puts it in eval mode; disposes it if they do not fit. */
export function restoreTrained<M extends Module>(model: M, ckpt: LoadedCheckpoint, file: string): M {
  try {
    restoreModel(model, ckpt, `checkpoint '${file}'`);
  } catch (e) {
    model.dispose();
    throw e;
  }
  model.eval();
  return model;
}

/** Rebuilds the trained model of a checkpoint: the plain model from its config, then its structure and weights. */
export function loadCheckpointModel(path: string): CheckpointModel {
  const file = resolveCheckpointPath(path);
  const ckpt = readCheckpoint(file);
  try {
    const meta = ckpt.meta.meta as { config?: unknown; classNames?: string[]; inputShape?: [number, number, number]; normalization?: CheckpointModel['normalization'] };
    if (!meta.config || !meta.classNames || !meta.inputShape) throw new CheckpointError(`checkpoint '${file}' was not written by 'dyrep train' (no run configuration in it)`);
    const config = resolveTrainConfig(meta.config as Record<string, unknown>);
    const model = restoreTrained(buildModel(config, { classNames: meta.classNames, inputShape: meta.inputShape }), ckpt, file);
    return { model, config, classNames: meta.classNames, inputShape: meta.inputShape, normalization: meta.normalization ?? null };
  } finally {
    disposeCheckpoint(ckpt);
  }
}
