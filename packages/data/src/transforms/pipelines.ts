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
 */
export function trainTransforms(name: PipelineName | string): BatchTransform[] {
  const n = check(name);
  switch (n) {
    case 'cifar10':
    case 'cifar100':
      return [randomCrop({ padding: 4 }), randomHorizontalFlip(), normalize(DATASET_STATS[n].mean, DATASET_STATS[n].std), cutout({ size: 16 })];
    case 'fashion-mnist':
      return [randomCrop({ padding: 2 }), randomHorizontalFlip(), normalize(DATASET_STATS[n].mean, DATASET_STATS[n].std)];
    case 'mnist':
      return [randomCrop({ padding: 2 }), normalize(DATASET_STATS.mnist.mean, DATASET_STATS.mnist.std)];
    case 'imagenet':
    case 'image-folder':
      return [randomHorizontalFlip(), normalize(DATASET_STATS.imagenet.mean, DATASET_STATS.imagenet.std)];
    case 'synthetic':
      return [];
  }
}

/** The per-channel normalisation the pipelines of `name` apply (null for `synthetic`): what an exported model must include. */
export function pipelineNormalization(name: PipelineName | string): ChannelStats | null {
  const n = check(name);
  if (n === 'synthetic') return null;
  return n === 'image-folder' || n === 'imagenet' ? DATASET_STATS.imagenet : DATASET_STATS[n];
}

/** The evaluation pipeline: normalisation only (nothing for `synthetic`); deterministic. */
export function evalTransforms(name: PipelineName | string): BatchTransform[] {
  const stats = pipelineNormalization(name);
  return stats ? [normalize(stats.mean, stats.std)] : [];
}
