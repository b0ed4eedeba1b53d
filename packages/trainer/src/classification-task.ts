import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@dyrep/nn';
import type { Task } from '@dyrep/core';

/** A classification batch: NHWC float32 images and int32 labels (what `@dyrep/data`'s loader yields). */
export interface ClassificationBatch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  size: number;
}

/** Options of {@link classificationTask}. */
export interface ClassificationTaskOptions {
  /** Label smoothing ε: targets are (1 − ε)·one-hot + ε/K (default 0). */
  labelSmoothing?: number;
}

/**
 * Softmax cross-entropy with optional label smoothing, averaged over the batch:
 * `−mean_n Σ_k t_nk · log softmax(z_n)_k`.
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, labelSmoothing = 0): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const logp = tf.logSoftmax(logits);
    let target = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), k), 'float32');
    if (labelSmoothing) target = tf.add(tf.mul(target, 1 - labelSmoothing), labelSmoothing / k);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, logp), 1))) as tf.Scalar;
  });
}

/** Counts of correct top-1 and top-5 predictions in a batch. */
export function topKCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D): { top1: number; top5: number } {
  const k = Math.min(5, logits.shape[1]);
  const { values, indices } = tf.topk(logits, k);
  const idx = indices.arraySync() as number[][];
  tf.dispose([values, indices]);
  const y = labels.dataSync();
  let top1 = 0;
  let top5 = 0;
  idx.forEach((row, i) => {
    if (row[0] === y[i]) top1++;
    if (row.includes(y[i])) top5++;
  });
  return { top1, top5 };
}

/** Image classification: cross-entropy loss; evaluation reports `loss`, `top1` and `top5` (fractions). */
export function classificationTask(options: ClassificationTaskOptions = {}): Task<ClassificationBatch> {
  const eps = options.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps < 1)) throw new Error(`labelSmoothing must be in [0, 1), got ${eps}`);
  return {
    name: 'classification',
    primaryMetric: 'top1',
    input: (b) => b.x,
    batchSize: (b) => b.size,
    loss: (model: Module, b) => tf.tidy(() => crossEntropy(model.forward(b.x) as tf.Tensor2D, b.y, eps)),
    async evaluate(model, batches) {
      let n = 0;
      let lossSum = 0;
      let top1 = 0;
      let top5 = 0;
      for await (const b of batches) {
        try {
          const logits = tf.tidy(() => model.forward(b.x) as tf.Tensor2D);
          const loss = crossEntropy(logits, b.y);
          lossSum += (await loss.data())[0] * b.size;
          const c = topKCorrect(logits, b.y);
          top1 += c.top1;
          top5 += c.top5;
          n += b.size;
          tf.dispose([logits, loss]);
        } finally {
          tf.dispose([b.x, b.y]);
        }
      }
      if (n === 0) throw new Error('evaluation data is empty');
      return { loss: lossSum / n, top1: top1 / n, top5: top5 / n };
    },
  };
}
