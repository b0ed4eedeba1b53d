import { resizeBilinear } from '@dyrep/data';

/**
 * How an `h × w` image sits in a `H × W` network input: scaled by `scale = min(H/h, W/w)` (aspect
 * kept) to `content` pixels, placed at the top-left corner, the rest zero padding. Top-left
 * placement keeps the map back to original pixels a pure division by `scale`.
 */
export interface Letterbox {
  /** Input pixels per original pixel. */
  scale: number;
  /** `[h, w]` of the original image. */
  original: readonly [number, number];
  /** `[rows, cols]` of the scaled image inside the input. */
  content: readonly [number, number];
  /** `[H, W]` of the input. */
  input: readonly [number, number];
}

/** The {@link Letterbox} of an image `[h, w]` in an input `[H, W]`. */
export function letterbox(original: readonly [number, number], input: readonly [number, number]): Letterbox {
  const [h, w] = original;
  const [H, W] = input;
  if (!(h > 0 && w > 0 && H > 0 && W > 0)) throw new Error(`letterbox: sizes must be positive, got image ${h}×${w}, input ${H}×${W}`);
  const scale = Math.min(H / h, W / w);
  return { scale, original: [h, w], content: [Math.min(H, Math.round(h * scale)), Math.min(W, Math.round(w * scale))], input: [H, W] };
}

/** COCO boxes `[x, y, w, h]…` of the original image in input pixels. */
export function boxesToInput(boxes: ArrayLike<number>, lb: Letterbox): Float32Array {
  return Float32Array.from(boxes, (v) => v * lb.scale);
}

/** COCO boxes in input pixels mapped back to original pixels and clipped to the original image. */
export function boxesToOriginal(boxes: ArrayLike<number>, lb: Letterbox): Float32Array {
  const [h, w] = lb.original;
  const out = new Float32Array(boxes.length);
  for (let j = 0; j + 3 < boxes.length; j += 4) {
    const x0 = Math.min(w, Math.max(0, boxes[j] / lb.scale));
    const y0 = Math.min(h, Math.max(0, boxes[j + 1] / lb.scale));
    const x1 = Math.min(w, Math.max(0, (boxes[j] + boxes[j + 2]) / lb.scale));
    const y1 = Math.min(h, Math.max(0, (boxes[j + 1] + boxes[j + 3]) / lb.scale));
    out.set([x0, y0, x1 - x0, y1 - y0], j);
  }
  return out;
}

/**
 * uint8 pixels `[h, w, c]` as float32 `[H, W, c]` in [0, 1]: resized bilinearly into the top-left
 * `content` region (copied when the size is unchanged), zero elsewhere.
 */
export function letterboxPixels(pixels: ArrayLike<number>, channels: number, lb: Letterbox): Float32Array {
  const [h, w] = lb.original;
  const [ch, cw] = lb.content;
  const [H, W] = lb.input;
  const scaled = ch === h && cw === w ? Float32Array.from(pixels) : resizeBilinear(pixels as Uint8Array, [h, w, channels], ch, cw);
  const out = new Float32Array(H * W * channels);
  for (let y = 0; y < ch; y++) {
    for (let i = 0; i < cw * channels; i++) out[y * W * channels + i] = scaled[y * cw * channels + i] / 255;
  }
  return out;
}
