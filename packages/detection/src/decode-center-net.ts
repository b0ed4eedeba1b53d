import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link decodeCenterNet}. */
export interface DecodeOptions {
  /** Object classes (the first `numClasses` channels are heatmap logits). */
  numClasses: number;
  /** Output stride (input pixels per cell). */
  stride: number;
  /** Detections kept per image, best first (default 100, COCO's maximum). */
  topK?: number;
  /** Drop detections scoring below this (default 0.01). */
  scoreThreshold?: number;
  /** Input size `[H, W]`; boxes are clipped to it when given. */
  inputSize?: readonly [number, number];
  /** When true, `output`'s heatmap channels are probabilities already, not logits (default false). */
  probabilities?: boolean;
}

/** Detections of one image: boxes COCO `[x, y, w, h]` in input pixels (row-major `[n, 4]`), best first. */
export interface ImageDetections {
  boxes: Float32Array;
  scores: Float32Array;
  /** Class indices `0..numClasses-1`. */
  labels: Int32Array;
}

/**
 * Decodes raw CenterNet output `[N, h, w, K + 4]` into boxes without NMS: heatmap peaks are the
 * cells equal to their 3×3 max-pool (CenterNet's peak picking), the `topK` highest peaks over all
 * classes become detections with centre `(cell + offset)·stride` and size `(w, h)·stride` (negative
 * sizes clamp to 0). Scores are sigmoid heatmap values.
 */
export function decodeCenterNet(output: tf.Tensor4D, options: DecodeOptions): ImageDetections[] {
  const k = options.numClasses;
  const s = options.stride;
  const [n, h, w, c] = output.shape;
  if (c !== k + 4) throw new Error(`decodeCenterNet: output has ${c} channels, expected ${k} classes + 4`);
  const topK = Math.min(options.topK ?? 100, h * w * k);
  const threshold = options.scoreThreshold ?? 0.01;
  const { values, indices, reg } = tf.tidy(() => {
    const [logits, regression] = tf.split(output, [k, 4], 3);
    const heat = options.probabilities ? logits : tf.sigmoid(logits);
    const peaks = tf.mul(heat, tf.cast(tf.equal(heat, tf.maxPool(heat as tf.Tensor4D, 3, 1, 'same')), 'float32'));
    const best = tf.topk(tf.reshape(peaks, [n, h * w * k]), topK);
    return { values: best.values, indices: best.indices, reg: regression };
  });
  const [scoreData, indexData, regData] = [values.dataSync(), indices.dataSync(), reg.dataSync()];
  tf.dispose([values, indices, reg]);
  const out: ImageDetections[] = [];
  for (let b = 0; b < n; b++) {
    const boxes: number[] = [];
    const scores: number[] = [];
    const labels: number[] = [];
    for (let j = 0; j < topK; j++) {
      const score = scoreData[b * topK + j];
      if (!(score >= threshold)) break;
      const idx = indexData[b * topK + j];
      const label = idx % k;
      const cell = (idx - label) / k;
      const x = cell % w;
      const y = (cell - x) / w;
      const r = (b * h * w + cell) * 4;
      const bw = Math.max(0, regData[r]) * s;
      const bh = Math.max(0, regData[r + 1]) * s;
      const cx = (x + regData[r + 2]) * s;
      const cy = (y + regData[r + 3]) * s;
      let [x0, y0, x1, y1] = [cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2];
      if (options.inputSize) {
        const [ih, iw] = options.inputSize;
        [x0, x1] = [clamp(x0, 0, iw), clamp(x1, 0, iw)];
        [y0, y1] = [clamp(y0, 0, ih), clamp(y1, 0, ih)];
      }
      boxes.push(x0, y0, x1 - x0, y1 - y0);
      scores.push(score);
      labels.push(label);
    }
    out.push({ boxes: Float32Array.from(boxes), scores: Float32Array.from(scores), labels: Int32Array.from(labels) });
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
