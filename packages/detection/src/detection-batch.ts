import type * as tf from '@tensorflow/tfjs-core';
import type { CocoGroundTruth } from './coco/types';
import type { Letterbox } from './letterbox';

/**
 * A detection batch as {@link DetectionLoader} yields it and {@link detectionTask} consumes it.
 * Tensor fields are owned by the consumer (the trainer disposes them after each step); `x` is the
 * model input. The other fields are plain data that COCO evaluation needs.
 */
export interface DetectionBatch {
  /** Images, float32 NHWC, pixels scaled to [0, 1] (then normalised, if the loader was asked to). */
  x: tf.Tensor4D;
  /** `[N, h, w, K]` Gaussian heatmap targets at the output stride. */
  heatmap: tf.Tensor4D;
  /** `[N, h, w, 4]` width, height (stride units), centre offset x, y. */
  regression: tf.Tensor4D;
  /** `[N, h, w, 1]` 1 at cells carrying a regression target. */
  regMask: tf.Tensor4D;
  /** Number of images. */
  size: number;
  /** COCO image id of each image, in batch order. */
  imageIds: number[];
  /** Per image, `[sx, sy]` original pixels per input pixel: decoded boxes times this are in the original image. */
  scales: [number, number][];
  /** Per image, how it was letterboxed into the input (`boxesToOriginal` maps detections back). */
  letterboxes: Letterbox[];
  /** The ground truth the images come from (shared by every batch of a loader). */
  groundTruth: CocoGroundTruth;
  /** COCO category id of each class index. */
  categoryIds: readonly number[];
}
