import { createCenterNet, type CenterNet, type CenterNetOptions } from '@dyrep/detection';
import { CheckpointError, disposeCheckpoint } from '@dyrep/trainer';
import { readCheckpoint } from '@dyrep/trainer/node';
import type { DetectConfig } from '../config/detect-schema';
import { resolveCheckpointPath, restoreTrained } from './checkpoint-model';

/** What `dyrep detect train` stores in its checkpoints besides the weights. */
export interface DetectionRunMeta {
  task: 'detection';
  config: DetectConfig;
  /** `CenterNet.options`: rebuilds the plain detector (the checkpoint's structure is applied on top). */
  centerNet: CenterNet['options'];
  /** Network input `[H, W]`. */
  inputSize: [number, number];
  channels: 1 | 3;
  /** Input normalisation after scaling to [0, 1] (the backbone's), or null. */
  normalization: { mean: number[]; std: number[] } | null;
  /** COCO category id of each class index. */
  categories: number[];
  /** `scratch`, or the run the backbone came from. */
  backbone: string;
}

/** The detection metadata of a checkpoint file or run directory, or a one-line error if it is not a detection run's. */
export function readDetectionMeta(path: string): DetectionRunMeta {
  const file = resolveCheckpointPath(path);
  const ckpt = readCheckpoint(file);
  try {
    return detectionMetaOf(ckpt.meta.meta, file);
  } finally {
    disposeCheckpoint(ckpt);
  }
}

function detectionMetaOf(meta: unknown, file: string): DetectionRunMeta {
  const m = meta as Partial<DetectionRunMeta> | undefined;
  if (m?.task !== 'detection' || !m.centerNet || !m.inputSize || !m.channels) throw new CheckpointError(`checkpoint '${file}' was not written by 'dyrep detect train'`);
  return m as DetectionRunMeta;
}

/** Rebuilds the trained detector of a `dyrep detect train` run (directory or checkpoint file), in eval mode. */
export function loadDetectionModel(path: string): { model: CenterNet; meta: DetectionRunMeta } {
  const file = resolveCheckpointPath(path);
  const ckpt = readCheckpoint(file);
  try {
    const meta = detectionMetaOf(ckpt.meta.meta, file);
    return { model: restoreTrained(createCenterNet(meta.centerNet as CenterNetOptions), ckpt, file), meta };
  } finally {
    disposeCheckpoint(ckpt);
  }
}
