import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CocoFormatError } from './coco-format-error';
import { decodeImage, type ImageChannels } from '@dyrep/data';
import { parseCocoGroundTruth } from './parse-ground-truth';
import type { CocoAnnotation, CocoCategory, CocoGroundTruth, CocoImage } from './types';

/** Options of {@link openCocoDataset}. */
export interface OpenCocoDatasetOptions {
  /** Path of the COCO instances JSON. */
  annotationFile: string;
  /** Directory that `images[].file_name` is relative to. */
  imageDir: string;
  /** Channels of the decoded images; default 3 (RGB). */
  channels?: ImageChannels;
  /** Pixels a box may stick out of its image before it is an error; default 1. */
  boxTolerance?: number;
}

/** One image with its annotations. Boxes are COCO `[x, y, w, h]` pixels, row-major `[N, 4]`. */
export interface CocoSample {
  imageId: number;
  fileName: string;
  /** uint8 pixels, row-major `[height, width, channels]` (see `shape`). */
  image: Uint8Array;
  shape: [number, number, number];
  boxes: Float32Array;
  /** Contiguous class index `0..K-1`: position of the category in {@link CocoDataset.categories}. */
  labels: Int32Array;
  categoryIds: Int32Array;
  /** 1 for crowd regions, which detectors usually leave out of training targets. */
  iscrowd: Uint8Array;
  /** Float64 because real COCO annotation ids exceed 2³¹. */
  annotationIds: Float64Array;
}

/** What the annotation file says about one image: {@link CocoSample} without the pixels. */
export type CocoImageAnnotations = Omit<CocoSample, 'image' | 'shape'> & { height: number; width: number };

/** A validated COCO dataset on disk; images are decoded on demand by `load`. */
export interface CocoDataset {
  /** The validated annotation file. */
  readonly groundTruth: CocoGroundTruth;
  /** Categories sorted by id; a sample's `labels` index into this list. */
  readonly categories: readonly CocoCategory[];
  /** Images in annotation-file order; `load(i)` reads `images[i]`. */
  readonly images: readonly CocoImage[];
  readonly length: number;
  /** Reads and decodes image `index` with its annotations (in annotation-file order). */
  load(index: number): Promise<CocoSample>;
  /** The annotations of image `index` and its size from the annotation file, without reading the image. */
  annotations(index: number): CocoImageAnnotations;
  /** Loads every sample in order, one at a time. */
  [Symbol.asyncIterator](): AsyncIterator<CocoSample>;
}

/**
 * Opens a COCO detection dataset: reads and strictly validates the annotation JSON (boxes inside
 * their image, positive sizes, known image and category ids, unique ids, width/height/file_name
 * present) and checks that every image file exists. All problems are reported together in one
 * {@link CocoFormatError} naming the annotation ids and files involved.
 */
export async function openCocoDataset(options: OpenCocoDatasetOptions): Promise<CocoDataset> {
  const { annotationFile, imageDir } = options;
  const channels = options.channels ?? 3;
  let text: string;
  try {
    text = await readFile(annotationFile, 'utf8');
  } catch (e) {
    throw new Error(`cannot read COCO annotation file ${annotationFile}: ${(e as Error).message}`);
  }
  let gt: CocoGroundTruth;
  try {
    gt = parseCocoGroundTruth(text, { strict: true, boxTolerance: options.boxTolerance ?? 1 });
  } catch (e) {
    if (e instanceof CocoFormatError) throw new CocoFormatError(annotationFile, e.issues);
    throw e;
  }
  const missing: string[] = [];
  await Promise.all(
    gt.images.map(async (im) => {
      const path = join(imageDir, im.file_name!);
      try {
        await access(path);
      } catch {
        missing.push(`image id ${im.id}: missing image file ${path}`);
      }
    }),
  );
  if (missing.length > 0) throw new CocoFormatError(annotationFile, missing.sort());

  const categories = [...gt.categories].sort((a, b) => a.id - b.id);
  const labelOf = new Map(categories.map((c, k) => [c.id, k]));
  const byImage = new Map<number, CocoAnnotation[]>();
  for (const ann of gt.annotations) {
    const list = byImage.get(ann.image_id);
    if (list) list.push(ann);
    else byImage.set(ann.image_id, [ann]);
  }

  const annotations = (index: number): CocoImageAnnotations => {
    const info = gt.images[index];
    if (!info) throw new RangeError(`COCO dataset: index ${index} out of range [0, ${gt.images.length})`);
    const anns = byImage.get(info.id) ?? [];
    return {
      imageId: info.id,
      fileName: info.file_name!,
      height: info.height!,
      width: info.width!,
      boxes: Float32Array.from(anns.flatMap((a) => a.bbox)),
      labels: Int32Array.from(anns, (a) => labelOf.get(a.category_id)!),
      categoryIds: Int32Array.from(anns, (a) => a.category_id),
      iscrowd: Uint8Array.from(anns, (a) => a.iscrowd),
      annotationIds: Float64Array.from(anns, (a) => a.id),
    };
  };

  const load = async (index: number): Promise<CocoSample> => {
    const { height, width, ...rest } = annotations(index);
    const info = gt.images[index];
    const path = join(imageDir, info.file_name!);
    const bytes = await readFile(path);
    const decoded = decodeImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), channels, path);
    if (decoded.width !== width || decoded.height !== height) {
      throw new Error(`image id ${info.id}: ${path} is ${decoded.width}x${decoded.height} but the annotation file says ${width}x${height}`);
    }
    return { ...rest, image: decoded.data, shape: [decoded.height, decoded.width, channels] };
  };

  return {
    groundTruth: gt,
    categories,
    images: gt.images,
    length: gt.images.length,
    load,
    annotations,
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < gt.images.length; i++) yield await load(i);
    },
  };
}
