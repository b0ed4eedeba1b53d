/**
 * Brute-force conv gradients in plain JS loops (NHWC / HWIO), straight from the forward formula
 *   y[b,o_h,o_w,co] = sum x[b, o_h*sh - pt + kh*dh, o_w*sw - pl + kw*dw, ci] * w[kh,kw,ci,co].
 * An independent check for the cases where tfjs' own cpu kernels are not a trustworthy reference.
 */
export interface RefGeometry {
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  dyShape: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  padTop: number;
  padLeft: number;
  depthwise: boolean;
}

/** Visits every (x index, w index, dy index) triple that the forward conv multiplies together. */
function forEachProduct(g: RefGeometry, visit: (xi: number, wi: number, yi: number) => void): void {
  const [B, H, W, C] = g.xShape;
  const [KH, KW, , Q] = g.wShape;
  const [, OH, OW, OC] = g.dyShape;
  for (let b = 0; b < B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * g.strides[0] - g.padTop + kh * g.dilations[0];
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * g.strides[1] - g.padLeft + kw * g.dilations[1];
            if (iw < 0 || iw >= W) continue;
            for (let ci = 0; ci < C; ci++)
              for (let q = 0; q < Q; q++) {
                const co = g.depthwise ? ci * Q + q : q;
                if (co >= OC) continue;
                visit(((b * H + ih) * W + iw) * C + ci, ((kh * KW + kw) * C + ci) * Q + q, ((b * OH + oh) * OW + ow) * OC + co);
              }
          }
        }
}

/** dx and dw of sum(y * dy) by brute force. */
export function referenceGrads(g: RefGeometry, x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>): { dx: Float64Array; dw: Float64Array } {
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  forEachProduct(g, (xi, wi, yi) => {
    dx[xi] += w[wi] * dy[yi];
    dw[wi] += x[xi] * dy[yi];
  });
  return { dx, dw };
}
