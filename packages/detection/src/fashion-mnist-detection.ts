import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { FASHION_MNIST_CLASSES, loadFashionMnist, resizeBilinear, type Dataset } from '@dyrep/data';
import { mixSeeds, Rng } from '@dyrep/nn';
import { writeCocoJson } from './coco/write-coco-json';
import type { CocoAnnotationJson, CocoGroundTruthJson, CocoImageJson } from './coco/types';
import { boxIou } from './coco/internal/box-iou';
import { resizeNearest } from './internal/generator-helpers';

/** Options of {@link generateFashionMnistDetection}. */
export interface FashionMnistDetectionOptions {
  /** Directory to write `annotations.json` and `images/*.png` into (created if needed). */
  outDir: string;
  /** Write the images here instead of `outDir/images` (e.g. COCO's own layout: `train2017/`). */
  imageDir?: string;
  /** Write the annotations here instead of `outDir/annotations.json` (e.g. `annotations/instances_train2017.json`). */
  annotationFile?: string;
  /** Number of canvases (default 500). */
  count?: number;
  /** Canvas side in pixels (default 96). */
  canvas?: number;
  /** Fewest objects on a non-empty canvas (default 1). */
  minObjects?: number;
  /** Most objects on a canvas (default 6). */
  maxObjects?: number;
  /** Range of the scale factor applied to the 28×28 item, uniform (default `[0.6, 1.6]`: 17–45 px). */
  scaleRange?: readonly [number, number];
  /** Seed of every random choice (default 0). Same seed and options → byte-identical files. */
  seed?: number;
  /** Fashion-MNIST split the items come from (default `train`; use `test` for a held-out set). */
  split?: 'train' | 'test';
  /** Fraction of canvases left empty (default 0.05). */
  emptyFraction?: number;
  /** Resampling of the items (default `bilinear`). */
  interpolation?: 'bilinear' | 'nearest';
  /** A new object's box may overlap an earlier one up to this IoU (default 0.5; best of 50 tries otherwise). */
  maxOverlap?: number;
  /** Resampled pixels at or below this value (0..255) are background: not drawn, not in the box (default 8). */
  inkThreshold?: number;
  /**
   * `gray` (default): white items max-blended on black single-channel canvases. `rgb`: each canvas
   * gets a random coloured, textured background and each item a random tint, alpha-blended with its
   * own intensity as opacity; files are 8-bit RGB PNGs. Boxes and classes are those of `gray` with the same seed.
   */
  color?: 'gray' | 'rgb';
  /** Fashion-MNIST directory (default: the usual lookup of `@dyrep/data`). */
  dataDir?: string;
  /** An already-loaded Fashion-MNIST split to draw items from (skips loading). */
  source?: Dataset;
}

/** What {@link generateFashionMnistDetection} wrote. */
export interface FashionMnistDetectionResult {
  /** Path of the COCO instances JSON. */
  annotationFile: string;
  /** Directory the image file names are relative to. */
  imageDir: string;
  /** Canvases written. */
  images: number;
  /** Boxes written. */
  annotations: number;
  /** Canvases with no object. */
  emptyImages: number;
}

/**
 * Builds a COCO-format detection set from real Fashion-MNIST items: each canvas (default 96×96;
 * black grayscale, or with `color: 'rgb'` a random coloured texture with tinted items) receives 1–6 items (or none, for `emptyFraction` of canvases), each resized by a
 * random scale and pasted at a random position fully inside the canvas, max-blended so that
 * overlapping items stay visible. Every box is the tight box of the item's drawn pixels (value
 * above `inkThreshold`), in COCO `[x, y, w, h]` pixel-edge units; categories are the ten
 * Fashion-MNIST classes with ids 1..10. Everything is drawn from one seeded {@link Rng}, and files are
 * written without timestamps, so the same options give byte-identical `annotations.json` and PNGs.
 */
export async function generateFashionMnistDetection(options: FashionMnistDetectionOptions): Promise<FashionMnistDetectionResult> {
  const count = options.count ?? 500;
  const canvas = options.canvas ?? 96;
  const minObjects = options.minObjects ?? 1;
  const maxObjects = options.maxObjects ?? 6;
  const [minScale, maxScale] = options.scaleRange ?? [0.6, 1.6];
  const emptyFraction = options.emptyFraction ?? 0.05;
  const maxOverlap = options.maxOverlap ?? 0.5;
  const ink = options.inkThreshold ?? 8;
  const interpolation = options.interpolation ?? 'bilinear';
  const color = options.color ?? 'gray';
  if (color !== 'gray' && color !== 'rgb') throw new Error(`generateFashionMnistDetection: color must be 'gray' or 'rgb', got ${String(color)}`);
  const channels = color === 'rgb' ? 3 : 1;
  if (!Number.isInteger(count) || count < 1) throw new Error(`generateFashionMnistDetection: count must be a positive integer, got ${count}`);
  if (!Number.isInteger(canvas) || canvas < 8) throw new Error(`generateFashionMnistDetection: canvas must be an integer ≥ 8, got ${canvas}`);
  if (!(Number.isInteger(minObjects) && Number.isInteger(maxObjects) && minObjects >= 1 && maxObjects >= minObjects)) {
    throw new Error(`generateFashionMnistDetection: need integers 1 ≤ minObjects ≤ maxObjects, got ${minObjects}, ${maxObjects}`);
  }
  if (!(minScale > 0 && maxScale >= minScale)) throw new Error(`generateFashionMnistDetection: bad scaleRange [${minScale}, ${maxScale}]`);
  if (!(emptyFraction >= 0 && emptyFraction <= 1)) throw new Error(`generateFashionMnistDetection: emptyFraction must be in [0, 1], got ${emptyFraction}`);

  const source = options.source ?? (await loadFashionMnist({ dataDir: options.dataDir, split: options.split ?? 'train' }));
  const [ih, iw, ic] = source.imageShape;
  if (ic !== 1) throw new Error(`generateFashionMnistDetection: expected single-channel items, got ${ic} channels`);
  const rng = new Rng(options.seed ?? 0);
  /** Backgrounds and tints have their own stream, so `rgb` places exactly the boxes `gray` does. */
  const paint = new Rng(mixSeeds(options.seed ?? 0, 0x726762));
  const imageDir = options.imageDir ?? join(options.outDir, 'images');
  await mkdir(imageDir, { recursive: true });

  const images: CocoImageJson[] = [];
  const annotations: CocoAnnotationJson[] = [];
  let emptyImages = 0;
  for (let id = 1; id <= count; id++) {
    const pixels = color === 'rgb' ? texturedBackground(canvas, paint) : new Uint8Array(canvas * canvas);
    const empty = rng.nextFloat() < emptyFraction;
    const objects = empty ? 0 : minObjects + rng.nextInt(maxObjects - minObjects + 1);
    if (objects === 0) emptyImages++;
    const placed: [number, number, number, number][] = [];
    for (let o = 0; o < objects; o++) {
      const item = rng.nextInt(source.size);
      const scale = minScale + (maxScale - minScale) * rng.nextFloat();
      const side = Math.max(4, Math.min(canvas, Math.round(ih * scale)));
      const src = source.images.subarray(item * ih * iw, (item + 1) * ih * iw);
      const patch = interpolation === 'nearest' ? resizeNearest(src, ih, iw, side) : resizeBilinear(src, [ih, iw, 1], side, side);
      const drawn = Uint8Array.from(patch, (v) => {
        const q = Math.round(Math.min(255, Math.max(0, v)));
        return q > ink ? q : 0;
      });
      const tight = tightBox(drawn, side);
      if (!tight) continue; // an item with no ink at this threshold (never seen in Fashion-MNIST)
      let best: { x: number; y: number; iou: number } | null = null;
      for (let t = 0; t < 50; t++) {
        const x = rng.nextInt(canvas - side + 1);
        const y = rng.nextInt(canvas - side + 1);
        const box: [number, number, number, number] = [x + tight[0], y + tight[1], tight[2], tight[3]];
        const iou = Math.max(0, ...placed.map((p) => boxIou(p, box)));
        if (!best || iou < best.iou) best = { x, y, iou };
        if (iou <= maxOverlap) break;
      }
      const { x, y } = best!;
      if (color === 'rgb') {
        paintTinted(pixels, canvas, drawn, side, x, y, randomTint(paint));
      } else {
        for (let r = 0; r < side; r++) {
          for (let c = 0; c < side; c++) {
            const v = drawn[r * side + c];
            const at = (y + r) * canvas + (x + c);
            if (v > pixels[at]) pixels[at] = v;
          }
        }
      }
      const bbox: [number, number, number, number] = [x + tight[0], y + tight[1], tight[2], tight[3]];
      placed.push(bbox);
      annotations.push({ id: annotations.length + 1, image_id: id, category_id: source.labels[item] + 1, bbox, area: bbox[2] * bbox[3], iscrowd: 0 });
    }
    const fileName = `${String(id).padStart(6, '0')}.png`;
    const png = pngjs.PNG.sync.write({ width: canvas, height: canvas, data: Buffer.from(pixels.buffer) } as unknown as pngjs.PNG, {
      colorType: channels === 3 ? 2 : 0,
      inputColorType: channels === 3 ? 2 : 0,
      inputHasAlpha: false,
    });
    await writeFile(join(imageDir, fileName), png);
    images.push({ id, file_name: fileName, width: canvas, height: canvas });
  }
  const categories = FASHION_MNIST_CLASSES.map((name, k) => ({ id: k + 1, name, supercategory: 'fashion' }));
  const gt: CocoGroundTruthJson & { info: unknown } = {
    info: {
      description: 'Fashion-MNIST items pasted on canvases (dyrep-ts generateFashionMnistDetection)',
      split: options.split ?? 'train',
      seed: options.seed ?? 0,
      canvas,
      color,
      minObjects,
      maxObjects,
      scaleRange: [minScale, maxScale],
      emptyFraction,
      interpolation,
      maxOverlap,
      inkThreshold: ink,
    },
    images,
    annotations,
    categories,
  };
  const annotationFile = options.annotationFile ?? join(options.outDir, 'annotations.json');
  await writeCocoJson(annotationFile, gt);
  return { annotationFile, imageDir, images: images.length, annotations: annotations.length, emptyImages };
}

/** Tight `[x, y, w, h]` of the non-zero pixels of a square patch, or null if there are none. */
function tightBox(patch: Uint8Array, side: number): [number, number, number, number] | null {
  let x0 = side;
  let y0 = side;
  let x1 = -1;
  let y1 = -1;
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      if (!patch[r * side + c]) continue;
      if (c < x0) x0 = c;
      if (c > x1) x1 = c;
      if (r < y0) y0 = r;
      if (r > y1) y1 = r;
    }
  }
  return x1 < 0 ? null : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

/**
 * An RGB canvas background, uint8 `[side, side, 3]`: a random base colour plus a random texture —
 * flat, a linear gradient, sinusoidal stripes at a random angle, or a checkerboard — and ±12 of
 * per-pixel noise, kept below 200 so that tinted items stay distinguishable.
 */
function texturedBackground(side: number, rng: Rng): Uint8Array {
  const out = new Uint8Array(side * side * 3);
  const base = [0, 1, 2].map(() => 20 + rng.nextFloat() * 140);
  const accent = [0, 1, 2].map(() => rng.nextFloat() * 60 - 30);
  const kind = rng.nextInt(4);
  const angle = rng.nextFloat() * Math.PI;
  const period = 6 + rng.nextFloat() * 26;
  const [ux, uy] = [Math.cos(angle), Math.sin(angle)];
  for (let yy = 0; yy < side; yy++) {
    for (let xx = 0; xx < side; xx++) {
      const t = (xx * ux + yy * uy) / side;
      const pattern =
        kind === 0 ? 0 : kind === 1 ? 2 * t - 1 : kind === 2 ? Math.sin((2 * Math.PI * (xx * ux + yy * uy)) / period) : (Math.floor(xx / (period / 2)) + Math.floor(yy / (period / 2))) % 2 ? 1 : -1;
      for (let ch = 0; ch < 3; ch++) {
        const v = base[ch] + accent[ch] * pattern + (rng.nextFloat() - 0.5) * 24;
        out[(yy * side + xx) * 3 + ch] = Math.round(Math.min(199, Math.max(0, v)));
      }
    }
  }
  return out;
}

/** A random bright tint (RGB 0..255, at least one channel ≥ 200). */
function randomTint(rng: Rng): [number, number, number] {
  const tint = [0, 1, 2].map(() => 40 + rng.nextFloat() * 215) as [number, number, number];
  tint[rng.nextInt(3)] = 200 + rng.nextFloat() * 55;
  return tint;
}

/** Alpha-blends an item (`drawn`, intensity = opacity, 0 = not drawn) tinted `tint` onto an RGB canvas at `(x, y)`. */
function paintTinted(pixels: Uint8Array, canvas: number, drawn: Uint8Array, side: number, x: number, y: number, tint: readonly number[]): void {
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const v = drawn[r * side + c];
      if (!v) continue;
      const a = v / 255;
      const at = ((y + r) * canvas + (x + c)) * 3;
      for (let ch = 0; ch < 3; ch++) pixels[at + ch] = Math.round(pixels[at + ch] * (1 - a) + tint[ch] * a);
    }
  }
}
