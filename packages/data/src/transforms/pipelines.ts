import { DataError } from '../data-error';
import { DATASET_STATS, type ChannelStats } from '../dataset-stats';
import type { BatchTransform } from './batch-transform';
import { cutout } from './cutout';
import { normalize } from './normalize';
import { randomCrop } from './random-crop';
import { randomHorizontalFlip } from './random-horizontal-flip';

/** Dataset names that have standard train/eval pipelines. */
export type PipelineName = 'fashion-mnist' | 'mnist' | 'cifar10' | 'cifar100' | 'imagenet' | 'image-folder' | 'synthetic';

const PIPELINE_NAMES: readonly PipelineName[] = ['fashion-mnist', 'mnist', 'cifar10', 'cifar100', 'imagenet', 'image-folder', 'synthetic'];

function check(name: string): PipelineName {
  if (!(PIPELINE_NAMES as readonly string[]).includes(name)) {
    throw new DataError('unknown-dataset', `no transform pipeline for '${name}'; known: ${PIPELINE_NAMES.join(', ')}`);
  }
  return name as PipelineName;
}

/**
 * The standard training augmentation for a dataset, applied to [0, 1] pixels:
 * - `cifar10`, `cifar100`: random crop (pad 4), horizontal flip, normalise, cutout 16 (the DyRep/DARTS CIFAR recipe);
 * - `fashion-mnist`: random crop (pad 2), horizontal flip, normalise;
 * - `mnist`: random crop (pad 2), normalise (no flip: digits are not mirror-symmetric);
 * - `imagenet` / `image-folder`: horizontal flip, normalise with ImageNet statistics (images are resized at load time);
 * - `synthetic`: nothing (its patterns are orientation-dependent).
 *
 * `options.normalization` replaces the dataset's statistics (e.g. those a pretrained checkpoint
 * was trained with); it adds normalisation to `synthetic` too.
 */
export function trainTransforms(name: PipelineName | string, options: PipelineOptions = {}): BatchTransform[] {
  const n = check(name);
  const stats = options.normalization ?? pipelineNormalization(n);
  const norm = stats ? [normalize(stats.mean, stats.std)] : [];
  switch (n) {
    case 'cifar10':
    case 'cifar100':
      return [randomCrop({ padding: 4 }), randomHorizontalFlip(), ...norm, cutout({ size: 16 })];
    case 'fashion-mnist':
      return [randomCrop({ padding: 2 }), randomHorizontalFlip(), ...norm];
    case 'mnist':
      return [randomCrop({ padding: 2 }), ...norm];
    case 'imagenet':
    case 'image-folder':
      return [randomHorizontalFlip(), ...norm];
    case 'synthetic':
      return norm;
  }
}

/** Options of {@link trainTransforms} and {@link evalTransforms}. */
export interface PipelineOptions {
  /** Normalise with these statistics instead of the dataset's. */
  normalization?: ChannelStats | null;
}

/** The per-channel normalisation the pipelines of `name` apply (null for `synthetic`): what an exported model must include. */
export function pipelineNormalization(name: PipelineName | string): ChannelStats | null {
  const n = check(name);
  if (n === 'synthetic') return null;
  return n === 'image-folder' || n === 'imagenet' ? DATASET_STATS.imagenet : DATASET_STATS[n];
}

/** The evaluation pipeline: normalisation only (nothing for `synthetic`, unless `options.normalization`); deterministic. */
export function evalTransforms(name: PipelineName | string, options: PipelineOptions = {}): BatchTransform[] {
  const stats = options.normalization ?? pipelineNormalization(name);
  return stats ? [normalize(stats.mean, stats.std)] : [];
}
