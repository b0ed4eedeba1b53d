/** Options of {@link encodeCenterNetTargets}. */
export interface EncodeTargetsOptions {
  /** Output map size `[h, w]`. */
  outputSize: readonly [number, number];
  /** Output stride: input pixels per output cell. */
  stride: number;
  /** Object classes (heatmap channels). */
  numClasses: number;
  /** Minimum IoU a box shifted by the Gaussian radius keeps with the true box (CornerNet, default 0.7). */
  minOverlap?: number;
}

/** Dense CenterNet training targets of one image, row-major HWC host arrays. */
export interface CenterNetTargets {
  /** `[h, w, numClasses]`: Gaussian peaks of value 1 at object centres, max-merged. */
  heatmap: Float32Array;
  /** `[h, w, 4]`: width, height (stride units), centre offset x, y at each object's centre cell. */
  regression: Float32Array;
  /** `[h, w, 1]`: 1 at cells that carry a regression target. */
  mask: Float32Array;
}

/**
 * Radius of the Gaussian drawn around an object centre on the heatmap, from the box size in
 * output cells: the largest shift of a corner that keeps IoU ≥ `minOverlap` under CornerNet's three
 * cases (both corners inside, both outside, one of each), as CenterNet computes it (including its
 * `/2` instead of `/2a` in the quadratic roots, which makes the radius more conservative).
 */
export function gaussianRadius(height: number, width: number, minOverlap = 0.7): number {
  const o = minOverlap;
  const root = (a: number, b: number, c: number) => (b + Math.sqrt(Math.max(0, b * b - 4 * a * c))) / 2;
  const r1 = root(1, height + width, (width * height * (1 - o)) / (1 + o));
  const r2 = root(4, 2 * (height + width), (1 - o) * width * height);
  const r3 = root(4 * o, -2 * o * (height + width), (o - 1) * width * height);
  return Math.min(r1, r2, r3);
}

/**
 * Encodes ground-truth boxes (COCO `[x, y, w, h]` in input pixels, row-major `[n, 4]`) and class
 * indices as CenterNet targets: the centre `c = (x + w/2, y + h/2) / stride` falls in cell `⌊c⌋`,
 * which gets a Gaussian peak (σ = (2r + 1)/6, r = ⌊gaussianRadius⌋) on its class channel, the size
 * `(w, h) / stride` and the offset `c − ⌊c⌋`. Two objects on one cell: the later one's regression
 * wins (as in CenterNet). Boxes with non-positive size are skipped.
 */
export function encodeCenterNetTargets(boxes: ArrayLike<number>, labels: ArrayLike<number>, options: EncodeTargetsOptions): CenterNetTargets {
  const [h, w] = options.outputSize;
  const k = options.numClasses;
  const s = options.stride;
  const heatmap = new Float32Array(h * w * k);
  const regression = new Float32Array(h * w * 4);
  const mask = new Float32Array(h * w);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!(label >= 0 && label < k)) throw new RangeError(`encodeCenterNetTargets: label ${label} outside [0, ${k})`);
    const [bx, by, bw, bh] = [boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]];
    if (!(bw > 0 && bh > 0)) continue;
    const cx = (bx + bw / 2) / s;
    const cy = (by + bh / 2) / s;
    const ix = Math.min(w - 1, Math.max(0, Math.floor(cx)));
    const iy = Math.min(h - 1, Math.max(0, Math.floor(cy)));
    const radius = Math.max(0, Math.floor(gaussianRadius(bh / s, bw / s, options.minOverlap)));
    drawGaussian(heatmap, [h, w, k], label, ix, iy, radius);
    const cell = iy * w + ix;
    regression.set([bw / s, bh / s, cx - ix, cy - iy], cell * 4);
    mask[cell] = 1;
  }
  return { heatmap, regression, mask };
}

/** Max-merges a Gaussian of radius r (σ = (2r + 1)/6, peak exactly 1) centred at cell (x, y) into channel `c`. */
function drawGaussian(map: Float32Array, [h, w, k]: [number, number, number], c: number, x: number, y: number, r: number): void {
  const sigma = (2 * r + 1) / 6;
  for (let dy = -r; dy <= r; dy++) {
    const yy = y + dy;
    if (yy < 0 || yy >= h) continue;
    for (let dx = -r; dx <= r; dx++) {
      const xx = x + dx;
      if (xx < 0 || xx >= w) continue;
      const v = dx === 0 && dy === 0 ? 1 : Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      const at = (yy * w + xx) * k + c;
      if (v > map[at]) map[at] = v;
    }
  }
}
