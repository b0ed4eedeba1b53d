import * as tf from '@tensorflow/tfjs-core';

/** Dense targets of a batch, as {@link DetectionBatch} carries them. */
export interface CenterNetLossTargets {
  /** `[N, h, w, K]` Gaussian heatmaps. */
  heatmap: tf.Tensor4D;
  /** `[N, h, w, 4]` width, height, offset x, offset y. */
  regression: tf.Tensor4D;
  /** `[N, h, w, 1]` 1 where a regression target is set. */
  regMask: tf.Tensor4D;
}

/** Weights of {@link centerNetLoss}'s terms (CenterNet's defaults). */
export interface CenterNetLossWeights {
  /** Weight of the L1 size loss (default 0.1). */
  size?: number;
  /** Weight of the L1 offset loss (default 1). */
  offset?: number;
}

/** The total loss and its three terms (scalars owned by the caller). */
export interface CenterNetLoss {
  loss: tf.Scalar;
  heatmap: tf.Scalar;
  size: tf.Scalar;
  offset: tf.Scalar;
}

/**
 * CenterNet's penalty-reduced pixel-wise focal loss (α = 2, β = 4) on heatmap logits `z` against
 * Gaussian targets `y`: `−1/N_pos · Σ [y=1]·(1−p)^α·log p + [y<1]·(1−y)^β·p^α·log(1−p)` with
 * `p = σ(z)`, computed with log-sigmoids (no clipping) and `N_pos` at least 1.
 */
export function penaltyReducedFocalLoss(logits: tf.Tensor, target: tf.Tensor, alpha = 2, beta = 4): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.sigmoid(logits);
    const logP = tf.neg(tf.softplus(tf.neg(logits)));
    const logNotP = tf.neg(tf.softplus(logits));
    const pos = tf.cast(tf.greaterEqual(target, 1), 'float32');
    const neg = tf.sub(1, pos);
    const posTerm = tf.mul(tf.mul(tf.pow(tf.sub(1, p), alpha), logP), pos);
    const negTerm = tf.mul(tf.mul(tf.mul(tf.pow(tf.sub(1, target), beta), tf.pow(p, alpha)), logNotP), neg);
    const numPos = tf.maximum(tf.sum(pos), 1);
    return tf.neg(tf.div(tf.add(tf.sum(posTerm), tf.sum(negTerm)), numPos)) as tf.Scalar;
  });
}

/**
 * CenterNet's training loss on the raw detector output `[N, h, w, K + 4]`: focal heatmap loss +
 * `size`·L1(size) + `offset`·L1(offset), the L1 terms summed over the masked centre cells and
 * divided by the number of objects (at least 1).
 */
export function centerNetLoss(output: tf.Tensor4D, targets: CenterNetLossTargets, weights: CenterNetLossWeights = {}): CenterNetLoss {
  const k = targets.heatmap.shape[3];
  if (output.shape[3] !== k + 4) throw new Error(`centerNetLoss: output has ${output.shape[3]} channels, expected ${k} classes + 4`);
  if (output.shape.slice(0, 3).some((d, i) => d !== targets.heatmap.shape[i])) {
    throw new Error(`centerNetLoss: output [${output.shape}] and targets [${targets.heatmap.shape}] differ in size`);
  }
  const wSize = weights.size ?? 0.1;
  const wOffset = weights.offset ?? 1;
  return tf.tidy(() => {
    const [logits, reg] = tf.split(output, [k, 4], 3);
    const heatmap = penaltyReducedFocalLoss(logits, targets.heatmap);
    const numObj = tf.maximum(tf.sum(targets.regMask), 1);
    const l1 = tf.mul(tf.abs(tf.sub(reg, targets.regression)), targets.regMask);
    const [l1Size, l1Offset] = tf.split(l1, 2, 3);
    const size = tf.div(tf.sum(l1Size), numObj) as tf.Scalar;
    const offset = tf.div(tf.sum(l1Offset), numObj) as tf.Scalar;
    const loss = tf.addN([heatmap, tf.mul(size, wSize), tf.mul(offset, wOffset)]) as tf.Scalar;
    return { loss, heatmap, size, offset };
  });
}
