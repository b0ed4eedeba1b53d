import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createDetectionLoader, generateFashionMnistDetection, openCocoDataset, type CocoDataset, type DetectionLoader } from '@dyrep/detection';
import { ConfigError } from '../config/load-config';
import type { DetectConfig } from '../config/detect-schema';

/** One split on disk: a COCO instances JSON and the directory its `file_name`s are relative to. */
export interface DetectionSplit {
  annotationFile: string;
  imageDir: string;
}

/**
 * Where the train and val splits of a `dyrep detect train` config are: COCO's own layout
 * (`--train-ann/--train-images/--val-ann/--val-images`), a `--data-dir` holding
 * `{train,val}/annotations.json + images/`, or (neither) a Fashion-MNIST set generated into
 * `<out>/data` (kept when it exists, so `--resume` reuses it).
 */
export async function resolveDetectionSplits(c: DetectConfig, log: (line: string) => void): Promise<{ train: DetectionSplit; val: DetectionSplit }> {
  const coco = [c.trainAnn, c.trainImages, c.valAnn, c.valImages];
  if (coco.some((v) => v !== undefined)) {
    if (coco.some((v) => v === undefined) || c.dataDir) {
      throw new ConfigError('COCO layout needs all four of --train-ann, --train-images, --val-ann, --val-images (and no --data-dir)');
    }
    return { train: { annotationFile: c.trainAnn!, imageDir: c.trainImages! }, val: { annotationFile: c.valAnn!, imageDir: c.valImages! } };
  }
  const root = c.dataDir ?? join(c.out, 'data');
  const split = (name: string): DetectionSplit => ({ annotationFile: join(root, name, 'annotations.json'), imageDir: join(root, name, 'images') });
  if (!c.dataDir && !existsSync(split('val').annotationFile)) {
    log(`generating ${c.generate[0]} + ${c.generate[1]} ${c.color} Fashion-MNIST detection canvases of ${c.canvas}×${c.canvas} in ${root}`);
    await generateFashionMnistDetection({ outDir: join(root, 'train'), count: c.generate[0], canvas: c.canvas, seed: c.seed + 1, color: c.color });
    await generateFashionMnistDetection({ outDir: join(root, 'val'), count: c.generate[1], canvas: c.canvas, seed: c.seed + 2, split: 'test', color: c.color });
  }
  return { train: split('train'), val: split('val') };
}

/** 3 when any of the first `sample` images has colour (R, G, B not all equal), else 1. */
export async function channelsOfImages(split: DetectionSplit, sample = 8): Promise<1 | 3> {
  const ds = await openCocoDataset({ ...split, channels: 3 });
  for (let i = 0; i < Math.min(sample, ds.length); i++) {
    const { image } = await ds.load(i);
    for (let p = 0; p < image.length; p += 3) if (image[p] !== image[p + 1] || image[p] !== image[p + 2]) return 3;
  }
  return 1;
}

/** Opens both splits with `channels` and checks that they have the same categories. */
export async function openDetectionSplits(splits: { train: DetectionSplit; val: DetectionSplit }, channels: 1 | 3): Promise<{ train: CocoDataset; val: CocoDataset }> {
  const [train, val] = [await openCocoDataset({ ...splits.train, channels }), await openCocoDataset({ ...splits.val, channels })];
  const ids = (d: CocoDataset) => d.categories.map((k) => k.id).join(',');
  if (ids(train) !== ids(val))
    throw new ConfigError(`the train and val annotation files have different categories (${splits.train.annotationFile}: ${ids(train)}; ${splits.val.annotationFile}: ${ids(val)})`);
  return { train, val };
}

/** The validation loader every detect command scores with: fixed order, no augmentation. */
export function validationLoader(
  ds: CocoDataset,
  o: { stride: number; inputSize: [number, number]; normalization: { mean: number[]; std: number[] } | null; cacheImages: number; prefetch: number },
): Promise<DetectionLoader> {
  return createDetectionLoader(ds, { stride: o.stride, batchSize: 16, inputSize: o.inputSize, normalize: o.normalization ?? undefined, cacheImages: o.cacheImages, prefetch: o.prefetch });
}
