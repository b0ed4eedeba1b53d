import * as tf from '@tensorflow/tfjs-core';
import type { Logs, Task } from '@dyrep/core';
import type { Module } from '@dyrep/nn';
import { centerNetLoss, type CenterNetLossWeights } from './center-net-loss';
import { decodeCenterNet } from './decode-center-net';
import type { DetectionBatch } from './detection-batch';
import { evaluateCoco } from './coco/evaluate-coco';
import { boxesToOriginal } from './letterbox';
import type { CocoDetection, CocoGroundTruth } from './coco/types';

/** Options of {@link detectionTask}. */
export interface DetectionTaskOptions {
  /** Object classes of the detector. */
  numClasses: number;
  /** Output stride of the detector (e.g. `CenterNet.stride`). */
  stride: number;
  /** Loss weights (size 0.1, offset 1). */
  lossWeights?: CenterNetLossWeights;
  /** Detections kept per image at evaluation (default 100). */
  topK?: number;
  /** Minimum detection score at evaluation (default 0.01). */
  scoreThreshold?: number;
}

/** What {@link DetectionTask.detect} returns: COCO results-format detections in original image pixels. */
export type DetectionResults = CocoDetection[];

/** What {@link DetectionTask.detect} found over a set of batches. */
export interface DetectOutput {
  /** COCO results-format detections in original image pixels. */
  detections: DetectionResults;
  /** Every image seen, in order. */
  imageIds: number[];
  /** Mean loss per image. */
  loss: number;
  /** The ground truth the images belong to (undefined when there were no batches). */
  groundTruth?: CocoGroundTruth;
}

/** The detection task, plus a helper that runs the detector over batches. */
export interface DetectionTask extends Task<DetectionBatch> {
  /** Runs `model` (eval mode expected) over `batches` and returns every decoded detection; disposes the batches' tensors. */
  detect(model: Module, batches: AsyncIterable<DetectionBatch>): Promise<DetectOutput>;
}

/** Names of the COCO numbers {@link detectionTask}'s `evaluate` reports (`AP` is reported as `mAP`). */
export const DETECTION_METRICS = ['mAP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl', 'loss'] as const;

/**
 * Object detection with a CenterNet-style detector as a trainer `Task`: the loss is
 * {@link centerNetLoss} of `model.forward(batch.x)` against the batch's targets; `evaluate` decodes
 * every validation image (3×3 peak picking, top-k), maps boxes back to original pixels and scores
 * them with {@link evaluateCoco} (pycocotools-equivalent) over the images seen, returning
 * `{mAP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl, loss}` (COCO reports −1 where
 * nothing could be scored). The primary metric is `mAP` (COCO AP@[.50:.95]).
 */
export function detectionTask(options: DetectionTaskOptions): DetectionTask {
  const { numClasses, stride } = options;
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`detectionTask: numClasses must be a positive integer, got ${numClasses}`);
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`detectionTask: stride must be a positive integer, got ${stride}`);
  const lossOf = (output: tf.Tensor4D, b: DetectionBatch): tf.Scalar => {
    const parts = centerNetLoss(output, b, options.lossWeights);
    tf.dispose([parts.heatmap, parts.size, parts.offset]);
    return parts.loss;
  };
  const detect: DetectionTask['detect'] = async (model, batches) => {
    const detections: CocoDetection[] = [];
    const imageIds: number[] = [];
    let lossSum = 0;
    let n = 0;
    let groundTruth: CocoGroundTruth | undefined;
    for await (const b of batches) {
      try {
        const output = tf.tidy(() => model.forward(b.x) as tf.Tensor4D);
        const loss = lossOf(output, b);
        lossSum += (await loss.data())[0] * b.size;
        n += b.size;
        detections.push(...detectionsOfOutput(output, b, options));
        imageIds.push(...b.imageIds);
        tf.dispose([output, loss]);
        groundTruth = b.groundTruth;
      } finally {
        tf.dispose([b.x, b.heatmap, b.regression, b.regMask]);
      }
    }
    return { detections, imageIds, loss: n ? lossSum / n : NaN, groundTruth };
  };
  return {
    name: 'detection',
    primaryMetric: 'mAP',
    input: (b) => b.x,
    batchSize: (b) => b.size,
    loss: (model, b) => tf.tidy(() => lossOf(model.forward(b.x) as tf.Tensor4D, b)),
    detect,
    async evaluate(model, batches): Promise<Logs> {
      const { detections, imageIds, loss, groundTruth } = await detect(model, batches);
      if (!groundTruth) throw new Error('evaluation data is empty');
      const r = evaluateCoco(groundTruth, detections, { imageIds });
      return {
        mAP: r.AP,
        AP50: r.AP50,
        AP75: r.AP75,
        APs: r.APs,
        APm: r.APm,
        APl: r.APl,
        AR1: r.AR1,
        AR10: r.AR10,
        AR100: r.AR100,
        ARs: r.ARs,
        ARm: r.ARm,
        ARl: r.ARl,
        loss,
      };
    },
  };
}

/**
 * COCO detections of the raw detector output `[N, h, w, K + 4]` of batch `b`, in original image
 * pixels: {@link decodeCenterNet} at the input size, then each image's letterbox undone
 * (`boxesToOriginal`: divide by the scale, clip to the image). The task, `dyrep detect eval --model`
 * and anything scoring an exported detector use this one decode.
 */
export function detectionsOfOutput(output: tf.Tensor4D, b: DetectionBatch, options: Pick<DetectionTaskOptions, 'numClasses' | 'stride' | 'topK' | 'scoreThreshold'>): CocoDetection[] {
  const [, H, W] = b.x.shape;
  const decoded = decodeCenterNet(output, { numClasses: options.numClasses, stride: options.stride, topK: options.topK, scoreThreshold: options.scoreThreshold, inputSize: [H, W] });
  const out: CocoDetection[] = [];
  decoded.forEach((d, i) => {
    const boxes = boxesToOriginal(d.boxes, b.letterboxes[i]);
    for (let j = 0; j < d.scores.length; j++) {
      out.push({ image_id: b.imageIds[i], category_id: b.categoryIds[d.labels[j]], bbox: Array.from(boxes.subarray(4 * j, 4 * j + 4)) as CocoDetection['bbox'], score: d.scores[j] });
    }
  });
  return out;
}
