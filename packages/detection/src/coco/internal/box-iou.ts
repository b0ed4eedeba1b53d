/**
 * IoU of every detection box against every ground-truth box, row-major `[D, G]`, boxes `[x, y, w, h]`.
 * For a crowd ground truth the union is the detection's own area (intersection over detection), as in
 * the COCO mask API. Areas come from the boxes, not from any `area` field.
 */
export function boxIouMatrix(
  dt: readonly (readonly number[])[],
  gt: readonly (readonly number[])[],
  gtCrowd: ArrayLike<number>,
): Float64Array {
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
