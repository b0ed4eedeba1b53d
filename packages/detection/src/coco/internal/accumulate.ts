import { EPS } from './eval-params';
import type { ImageMatch } from './match-image';

/** One evaluated (image, category) pair: its sorted, truncated detection scores and a match per area range. */
export interface EvaluatedCell {
  scores: Float64Array;
  /** Indexed by area range. */
  matches: ImageMatch[];
}

/** Output arrays of {@link accumulateCategory}, laid out like pycocotools' `eval` dict. */
export interface AccumulatorOutput {
  /** `[T, R, K, A, M]`, -1 where there is no counted ground truth. */
  precision: Float64Array;
  /** `[T, K, A, M]`, -1 where there is no counted ground truth. */
  recall: Float64Array;
  /** `[K, A]`: counted ground truths. */
  numGt: Float64Array;
}

/**
 * Precision at each recall threshold (with the monotone precision envelope) and final recall for one
 * category `k`, for every IoU threshold, area range and max-detection count. `cells` are in image-id order.
 */
export function accumulateCategory(
  cells: readonly EvaluatedCell[],
  k: number,
  dims: { T: number; R: number; K: number; A: number },
  recallThresholds: readonly number[],
  maxDets: readonly number[],
  out: AccumulatorOutput,
): void {
  const { T, R, K, A } = dims;
  const M = maxDets.length;
  if (cells.length === 0) return;

  // All detections of the category, sorted by score (stable: image order, then rank inside the image).
  let total = 0;
  for (const c of cells) total += c.scores.length;
  const score = new Float64Array(total);
  const cellOf = new Int32Array(total);
  const rankOf = new Int32Array(total);
  let n = 0;
  cells.forEach((c, ci) => {
    for (let r = 0; r < c.scores.length; r++, n++) {
      score[n] = c.scores[r]!;
      cellOf[n] = ci;
      rankOf[n] = r;
    }
  });
  const order = Array.from({ length: total }, (_, i) => i);
  order.sort((a, b) => (score[b]! > score[a]! ? 1 : score[b]! < score[a]! ? -1 : 0));
  // Sorted positions kept under each max-detection count (the best maxDet of every image).
  const kept = maxDets.map((maxDet) => Int32Array.from(order.filter((i) => rankOf[i]! < maxDet)));
  const flags = new Int8Array(T * total); // per IoU threshold and sorted detection: 1 TP, -1 FP, 0 ignored
  const rc = new Float64Array(total);
  const pr = new Float64Array(total);

  for (let a = 0; a < A; a++) {
    let npig = 0;
    for (const c of cells) npig += c.matches[a]!.numCountedGt;
    out.numGt[k * A + a] = npig;
    if (npig === 0) continue;
    for (let i = 0; i < total; i++) {
      const cell = cells[cellOf[i]!]!;
      const { matched, ignored } = cell.matches[a]!;
      const D = cell.scores.length;
      for (let t = 0; t < T; t++) {
        const at = t * D + rankOf[i]!;
        flags[t * total + i] = ignored[at] ? 0 : matched[at] ? 1 : -1;
      }
    }
    for (let m = 0; m < M; m++) {
      const list = kept[m]!;
      const nd = list.length;
      for (let t = 0; t < T; t++) {
        const base = t * total;
        let tp = 0;
        let fp = 0;
        for (let j = 0; j < nd; j++) {
          const f = flags[base + list[j]!]!;
          if (f > 0) tp++;
          else if (f < 0) fp++;
          rc[j] = tp / npig;
          pr[j] = tp / (fp + tp + EPS);
        }
        out.recall[((t * K + k) * A + a) * M + m] = nd > 0 ? rc[nd - 1]! : 0;
        for (let j = nd - 1; j > 0; j--) if (pr[j]! > pr[j - 1]!) pr[j - 1] = pr[j]!;
        // Precision at the first detection reaching each recall threshold; 0 past the last one.
        let j = 0;
        for (let r = 0; r < R; r++) {
          while (j < nd && rc[j]! < recallThresholds[r]!) j++;
          out.precision[(((t * R + r) * K + k) * A + a) * M + m] = j < nd ? pr[j]! : 0;
        }
      }
    }
  }
}
