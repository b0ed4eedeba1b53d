import { accumulateCategory, type EvaluatedCell } from './internal/accumulate';
import { boxIouMatrix } from './internal/box-iou';
import { AREA_LABELS, AREA_RANGES, IOU_THRESHOLDS, MAX_DETS, RECALL_THRESHOLDS } from './internal/eval-params';
import { matchImage, type GtCell } from './internal/match-image';
import { loadCocoDetections } from './load-detections';
import { parseCocoGroundTruth } from './parse-ground-truth';
import type { CocoAnnotation, CocoDetection, CocoDetectionJson, CocoGroundTruthJson } from './types';

/** Options of {@link evaluateCoco}. */
export interface EvaluateCocoOptions {
  /** Evaluate only these images (pycocotools `params.imgIds`). Default: every ground-truth image. */
  imageIds?: readonly number[];
  /** Evaluate only these categories (pycocotools `params.catIds`). Default: every ground-truth category. */
  categoryIds?: readonly number[];
  /**
   * Treat ground truth with `ignore: 1` like crowd (ignored). Default false, because pycocotools
   * overwrites the `ignore` field with `iscrowd` and so never honours it; keep false to match its numbers.
   */
  respectIgnoreField?: boolean;
}

/** The 12 numbers of pycocotools' `COCOeval.summarize()` for bbox, -1 where nothing could be scored. */
export interface CocoMetrics {
  /** AP averaged over IoU .50:.05:.95, all areas, 100 detections per image. */
  AP: number;
  /** AP at IoU .50. */
  AP50: number;
  /** AP at IoU .75. */
  AP75: number;
  /** AP on small objects (area <= 32²). */
  APs: number;
  /** AP on medium objects (32² <= area <= 96²). */
  APm: number;
  /** AP on large objects (area >= 96²). */
  APl: number;
  /** AR with 1 detection per image. */
  AR1: number;
  /** AR with 10 detections per image. */
  AR10: number;
  /** AR with 100 detections per image. */
  AR100: number;
  /** AR on small objects. */
  ARs: number;
  /** AR on medium objects. */
  ARm: number;
  /** AR on large objects. */
  ARl: number;
}

/** Names of {@link CocoMetrics} in pycocotools' `stats` order. */
export const COCO_METRIC_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const satisfies readonly (keyof CocoMetrics)[];

/** Per-category numbers (all areas, 100 detections); -1 when the category has no counted ground truth. */
export interface CocoCategoryMetrics {
  categoryId: number;
  name: string;
  AP: number;
  AP50: number;
  AP75: number;
  AR100: number;
  /** Ground truths that count (non-crowd, not ignored). */
  numGroundTruth: number;
}

/** The parameters an evaluation used; they define the layout of `precision` and `recall`. */
export interface CocoEvalParams {
  iouThresholds: readonly number[];
  recallThresholds: readonly number[];
  areaRanges: readonly { label: string; range: readonly [number, number] }[];
  maxDets: readonly number[];
  imageIds: readonly number[];
  categoryIds: readonly number[];
}

/** Result of {@link evaluateCoco}: the 12 summary numbers, `stats` in pycocotools order, and details. */
export interface CocoEvalResult extends CocoMetrics {
  /** The 12 numbers in pycocotools' `stats` order (see {@link COCO_METRIC_NAMES}). */
  stats: number[];
  perCategory: CocoCategoryMetrics[];
  /** Precision `[T, R, K, A, M]` row-major, as pycocotools' `eval['precision']`; -1 = no ground truth. */
  precision: Float64Array;
  /** Recall `[T, K, A, M]` row-major, as pycocotools' `eval['recall']`; -1 = no ground truth. */
  recall: Float64Array;
  params: CocoEvalParams;
}

/**
 * COCO bbox evaluation, numerically equivalent to pycocotools `COCOeval(gt, dt, 'bbox')` followed by
 * `evaluate(); accumulate(); summarize()`. `gt` is COCO instances JSON (validated with
 * `parseCocoGroundTruth`), `dt` the results format (validated with `loadCocoDetections`). Pure
 * TypeScript; no tensors. Quirks kept on purpose so numbers match: the `ignore` field is not honoured
 * (see {@link EvaluateCocoOptions.respectIgnoreField}), and a detection matched to a ground truth whose
 * id is 0 counts as a false positive.
 */
export function evaluateCoco(gt: CocoGroundTruthJson | string, dt: readonly CocoDetectionJson[] | string, options: EvaluateCocoOptions = {}): CocoEvalResult {
  const truth = parseCocoGroundTruth(gt);
  const detections = loadCocoDetections(dt, truth);
  const imageIds = selectIds(
    options.imageIds,
    truth.images.map((im) => im.id),
    'image',
  );
  const categoryIds = selectIds(
    options.categoryIds,
    truth.categories.map((c) => c.id),
    'category',
  );
  const respectIgnore = options.respectIgnoreField ?? false;

  const T = IOU_THRESHOLDS.length;
  const R = RECALL_THRESHOLDS.length;
  const K = categoryIds.length;
  const A = AREA_RANGES.length;
  const M = MAX_DETS.length;
  const I = imageIds.length;
  const maxDet = MAX_DETS[M - 1]!;
  const imageIndex = new Map(imageIds.map((id, i) => [id, i]));
  const categoryIndex = new Map(categoryIds.map((id, k) => [id, k]));

  const gtCells = new Map<number, CocoAnnotation[]>();
  for (const ann of truth.annotations) {
    const i = imageIndex.get(ann.image_id);
    const k = categoryIndex.get(ann.category_id);
    if (i === undefined || k === undefined) continue;
    push(gtCells, k * I + i, ann);
  }
  const dtCells = new Map<number, CocoDetection[]>();
  for (const det of detections) {
    const i = imageIndex.get(det.image_id);
    const k = categoryIndex.get(det.category_id);
    if (i === undefined || k === undefined) continue;
    push(dtCells, k * I + i, det);
  }

  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const numGt = new Float64Array(K * A);
  for (let k = 0; k < K; k++) {
    const cells: EvaluatedCell[] = [];
    for (let i = 0; i < I; i++) {
      const gts = gtCells.get(k * I + i) ?? [];
      const allDts = dtCells.get(k * I + i) ?? [];
      if (gts.length === 0 && allDts.length === 0) continue;
      // Stable sort by descending score (Array.prototype.sort is stable), then keep the best maxDet.
      const dts = [...allDts].sort((a, b) => (b.score > a.score ? 1 : b.score < a.score ? -1 : 0)).slice(0, maxDet);
      const cell: GtCell = {
        ids: gts.map((g) => g.id),
        areas: gts.map((g) => g.area),
        crowd: gts.map((g) => g.iscrowd),
        ignore: gts.map((g) => (g.iscrowd || (respectIgnore && g.ignore) ? 1 : 0)),
      };
      const ious = boxIouMatrix(
        dts.map((d) => d.bbox),
        gts.map((g) => g.bbox),
        cell.crowd,
      );
      const dtAreas = dts.map((d) => d.bbox[2] * d.bbox[3]);
      cells.push({
        scores: Float64Array.from(dts, (d) => d.score),
        matches: AREA_RANGES.map((range) => matchImage(ious, cell, dtAreas, range, IOU_THRESHOLDS)),
      });
    }
    accumulateCategory(cells, k, { T, R, K, A }, RECALL_THRESHOLDS, MAX_DETS, { precision, recall, numGt });
  }

  const dims = { T, R, K, A, M };
  const ap = (t: number | null, a: number, m: number) => meanPrecision(precision, dims, t, null, a, m);
  const ar = (a: number, m: number) => meanRecall(recall, dims, null, a, m);
  const t75 = IOU_THRESHOLDS.indexOf(0.75);
  const stats = [ap(null, 0, 2), ap(0, 0, 2), ap(t75, 0, 2), ap(null, 1, 2), ap(null, 2, 2), ap(null, 3, 2), ar(0, 0), ar(0, 1), ar(0, 2), ar(1, 2), ar(2, 2), ar(3, 2)];
  const names = new Map(truth.categories.map((c) => [c.id, c.name]));
  const perCategory = categoryIds.map((id, k) => ({
    categoryId: id,
    name: names.get(id)!,
    AP: meanPrecision(precision, dims, null, k, 0, 2),
    AP50: meanPrecision(precision, dims, 0, k, 0, 2),
    AP75: meanPrecision(precision, dims, t75, k, 0, 2),
    AR100: meanRecall(recall, dims, k, 0, 2),
    numGroundTruth: numGt[k * A]!,
  }));
  const metrics = Object.fromEntries(COCO_METRIC_NAMES.map((name, j) => [name, stats[j]!])) as unknown as CocoMetrics;
  return {
    ...metrics,
    stats,
    perCategory,
    precision,
    recall,
    params: {
      iouThresholds: IOU_THRESHOLDS,
      recallThresholds: RECALL_THRESHOLDS,
      areaRanges: AREA_RANGES.map((range, a) => ({ label: AREA_LABELS[a]!, range })),
      maxDets: MAX_DETS,
      imageIds,
      categoryIds,
    },
  };
}

type Dims = { T: number; R: number; K: number; A: number; M: number };

/** Mean of the entries > -1 of precision[t?, :, k?, a, m] (null = all); -1 when there are none. */
function meanPrecision(p: Float64Array, d: Dims, t: number | null, k: number | null, a: number, m: number): number {
  let sum = 0;
  let n = 0;
  for (let ti = t ?? 0; ti < (t === null ? d.T : t + 1); ti++) {
    for (let r = 0; r < d.R; r++) {
      for (let ki = k ?? 0; ki < (k === null ? d.K : k + 1); ki++) {
        const v = p[(((ti * d.R + r) * d.K + ki) * d.A + a) * d.M + m]!;
        if (v > -1) {
          sum += v;
          n++;
        }
      }
    }
  }
  return n === 0 ? -1 : sum / n;
}

/** Mean of the entries > -1 of recall[:, k?, a, m] (null = all); -1 when there are none. */
function meanRecall(rc: Float64Array, d: Dims, k: number | null, a: number, m: number): number {
  let sum = 0;
  let n = 0;
  for (let t = 0; t < d.T; t++) {
    for (let ki = k ?? 0; ki < (k === null ? d.K : k + 1); ki++) {
      const v = rc[((t * d.K + ki) * d.A + a) * d.M + m]!;
      if (v > -1) {
        sum += v;
        n++;
      }
    }
  }
  return n === 0 ? -1 : sum / n;
}

/** Sorted unique ids to evaluate; a requested id missing from the ground truth is an error. */
function selectIds(requested: readonly number[] | undefined, known: number[], what: string): number[] {
  if (requested === undefined) return [...new Set(known)].sort((a, b) => a - b);
  const knownSet = new Set(known);
  const unknown = requested.filter((id) => !knownSet.has(id));
  if (unknown.length > 0) throw new RangeError(`evaluateCoco: unknown ${what} id(s) ${unknown.slice(0, 10).join(', ')}`);
  return [...new Set(requested)].sort((a, b) => a - b);
}

function push<V>(map: Map<number, V[]>, key: number, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
