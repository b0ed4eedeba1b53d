/** IoU of two COCO `[x, y, w, h]` boxes. */
export function boxIou(a: readonly number[], b: readonly number[]): number {
  const iw = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / (a[2] * a[3] + b[2] * b[3] - inter);
}

/** Nearest-neighbour resize of a single-channel `h × w` image to `side × side` (pixel centres, no rounding bias). */
export function resizeNearest(src: ArrayLike<number>, h: number, w: number, side: number): Float32Array {
  const out = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / side));
    for (let x = 0; x < side; x++) {
      const sx = Math.min(w - 1, Math.floor(((x + 0.5) * w) / side));
      out[y * side + x] = src[sy * w + sx];
    }
  }
  return out;
}
