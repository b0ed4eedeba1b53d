import { DataError } from './data-error';

/**
 * Bilinear resize of one HWC image to `[outH, outW]` with half-pixel centres (the convention of
 * `tf.image.resizeBilinear(..., halfPixelCenters=true)` and PIL without antialiasing): output pixel
 * (y, x) samples the source at ((y + 0.5)·H/outH − 0.5, (x + 0.5)·W/outW − 0.5), clamped to the
 * image. Returns float32 values in the source's units; the same size gives an exact copy.
 */
export function resizeBilinear(src: ArrayLike<number>, shape: readonly [number, number, number], outH: number, outW: number): Float32Array {
  const [h, w, c] = shape;
  if (src.length !== h * w * c) {
    throw new DataError('invalid-argument', `resizeBilinear: source has ${src.length} values, expected ${h}×${w}×${c} = ${h * w * c}`);
  }
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH > 0 && outW > 0)) {
    throw new DataError('invalid-argument', `resizeBilinear: output size must be positive integers, got ${outH}×${outW}`);
  }
  const out = new Float32Array(outH * outW * c);
  const sy = h / outH;
  const sx = w / outW;
  // Precompute the horizontal taps once per column.
  const x0s = new Int32Array(outW);
  const x1s = new Int32Array(outW);
  const wxs = new Float32Array(outW);
  for (let x = 0; x < outW; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
    const x0 = Math.floor(fx);
    x0s[x] = x0;
    x1s[x] = Math.min(x0 + 1, w - 1);
    wxs[x] = fx - x0;
  }
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const wy = fy - y0;
    const r0 = y0 * w * c;
    const r1 = y1 * w * c;
    for (let x = 0; x < outW; x++) {
      const a = x0s[x] * c;
      const b = x1s[x] * c;
      const wx = wxs[x];
      const o = (y * outW + x) * c;
      for (let k = 0; k < c; k++) {
        const top = src[r0 + a + k] + (src[r0 + b + k] - src[r0 + a + k]) * wx;
        const bottom = src[r1 + a + k] + (src[r1 + b + k] - src[r1 + a + k]) * wx;
        out[o + k] = top + (bottom - top) * wy;
      }
    }
  }
  return out;
}
