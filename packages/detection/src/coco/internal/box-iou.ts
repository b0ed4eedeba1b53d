/**
 * IoU of two COCO `[x, y, w, h]` boxes, with the evaluator's arithmetic: `inter / (area(a) +
 * area(b) − inter)` with `a` the detection and `b` a non-crowd ground truth, so the value is the one
 * COCO's IoU thresholds compare.
 */
export function boxIou(a: readonly number[], b: readonly number[]): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a[2] * a[3] + b[2] * b[3] - inter);
}

/**
 * IoU of every detection box against every ground-truth box, row-major `[D, G]`, boxes `[x, y, w, h]`.
 * For a crowd ground truth the union is the detection's own area (intersection over detection), as in
 * the COCO mask API. Areas come from the boxes, not from any `area` field.
 */
export function boxIouMatrix(dt: readonly (readonly number[])[], gt: readonly (readonly number[])[], gtCrowd: ArrayLike<number>): Float64Array {
  const D = dt.length;
  const G = gt.length;
  const out = new Float64Array(D * G);
  for (let g = 0; g < G; g++) {
    const [gx, gy, gw, gh] = gt[g]!;
    const gArea = gw * gh;
    const crowd = gtCrowd[g] !== 0;
    for (let d = 0; d < D; d++) {
      const [dx, dy, dw, dh] = dt[d]!;
      const w = Math.min(dx + dw, gx + gw) - Math.max(dx, gx);
      if (w <= 0) continue;
      const h = Math.min(dy + dh, gy + gh) - Math.max(dy, gy);
      if (h <= 0) continue;
      const inter = w * h;
      const dArea = dw * dh;
      out[d * G + g] = inter / (crowd ? dArea : dArea + gArea - inter);
    }
  }
  return out;
}
