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
