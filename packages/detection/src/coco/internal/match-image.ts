/** Per-threshold matching of one image and category, for one area range. Arrays are `[T, D]`, row-major. */
export interface ImageMatch {
  /** Ground truths that count (not crowd/ignored, area inside the range). */
  numCountedGt: number;
  /** 1 where the detection matched a ground truth whose id is non-zero (pycocotools stores the id, 0 = none). */
  matched: Uint8Array;
  /** 1 where the detection is ignored: matched to an ignored ground truth, or unmatched with area outside the range. */
  ignored: Uint8Array;
}

/** Ground truths of one image and category, in annotation order. */
export interface GtCell {
  ids: ArrayLike<number>;
  areas: ArrayLike<number>;
  crowd: ArrayLike<number>;
  /** 1 for ground truth ignored regardless of area (crowd, or `ignore` when respected). */
  ignore: ArrayLike<number>;
}

/**
 * Greedy COCO matching. Detections (already sorted by score, truncated) are visited best first;
 * each takes the highest-IoU ground truth with IoU >= threshold that is still free (crowd ground
 * truth can be taken many times), visiting ground truth in annotation order with ignored ones last,
 * preferring a later one on equal IoU, and never falling back to an ignored one once a counted one matched.
 */
export function matchImage(ious: Float64Array, gt: GtCell, dtAreas: ArrayLike<number>, areaRange: readonly [number, number], iouThresholds: readonly number[]): ImageMatch {
  const G = gt.ids.length;
  const D = dtAreas.length;
  const T = iouThresholds.length;
  const [lo, hi] = areaRange;
  const ig = new Uint8Array(G);
  let numCountedGt = 0;
  for (let g = 0; g < G; g++) {
    const a = gt.areas[g]!;
    ig[g] = gt.ignore[g] !== 0 || a < lo || a > hi ? 1 : 0;
    if (!ig[g]) numCountedGt++;
  }
  // Stable order: counted ground truth first, ignored last.
  const order: number[] = [];
  for (let g = 0; g < G; g++) if (!ig[g]) order.push(g);
  for (let g = 0; g < G; g++) if (ig[g]) order.push(g);

  const matched = new Uint8Array(T * D);
  const ignored = new Uint8Array(T * D);
  const taken = new Uint8Array(G);
  if (G > 0 && D > 0) {
    for (let t = 0; t < T; t++) {
      taken.fill(0);
      const thr = Math.min(iouThresholds[t]!, 1 - 1e-10);
      for (let d = 0; d < D; d++) {
        let best = thr;
        let m = -1;
        for (let j = 0; j < G; j++) {
          const g = order[j]!;
          if (taken[j] && !gt.crowd[g]) continue;
          if (m > -1 && !ig[order[m]!] && ig[g]) break;
          const v = ious[d * G + g]!;
          if (v < best) continue;
          best = v;
          m = j;
        }
        if (m === -1) continue;
        const g = order[m]!;
        ignored[t * D + d] = ig[g]!;
        matched[t * D + d] = gt.ids[g] !== 0 ? 1 : 0;
        taken[m] = 1;
      }
    }
  }
  for (let d = 0; d < D; d++) {
    const a = dtAreas[d]!;
    if (a >= lo && a <= hi) continue;
    for (let t = 0; t < T; t++) if (!matched[t * D + d]) ignored[t * D + d] = 1;
  }
  return { numCountedGt, matched, ignored };
}
