import * as tf from '@tensorflow/tfjs-core';
import { COCO_METRIC_NAMES, createDetectionLoader, detectionsOfOutput, evaluateCoco, openCocoDataset, type CocoDetection } from '@dyrep/detection';
import { ConfigError } from '../config/load-config';
import { openExportedModel } from './exported-model';

/** The 12 COCO numbers of an exported detector, with what was scored. */
export interface ExportedDetectorScore {
  model: string;
  format: 'tfjs' | 'onnx';
  images: number;
  metrics: Record<string, number>;
  detections: CocoDetection[];
}

/**
 * Scores an exported detector (`model.json` or `.onnx`) on a COCO split with the file's own runtime:
 * images are letterboxed into the input size recorded in the export (channels too; the export
 * normalises itself), the raw `[N, h, w, K + 4]` output is decoded exactly as in training
 * (`detectionsOfOutput`: sigmoid, 3×3 peak, top 100, boxes mapped back to original pixels), and the
 * detections are scored with the pycocotools-exact evaluator.
 */
export async function evaluateExportedDetector(o: { model: string; images: string; gt: string; batchSize?: number }): Promise<ExportedDetectorScore> {
  const exported = await openExportedModel(o.model);
  try {
    const size = exported.metadata?.inputSize;
    if (!size) throw new ConfigError(`--model '${o.model}' has no dyrep export metadata (input size); export it with 'dyrep detect export'`);
    const [H, W, C] = size;
    if (C !== 1 && C !== 3) throw new ConfigError(`--model '${o.model}' takes ${C}-channel input; detectors take 1 or 3`);
    const probe = tf.zeros([1, H, W, C]) as tf.Tensor4D;
    const out = await exported.predict(probe);
    const [, h, , k] = out.shape;
    tf.dispose([probe, out]);
    if (out.rank !== 4 || k < 5) throw new ConfigError(`--model '${o.model}' does not output a CenterNet map [N, h, w, classes + 4] (got [${out.shape}])`);
    const stride = Math.round(H / h);
    const ds = await openCocoDataset({ annotationFile: o.gt, imageDir: o.images, channels: C });
    if (ds.categories.length !== k - 4) throw new ConfigError(`--model '${o.model}' predicts ${k - 4} classes but '${o.gt}' has ${ds.categories.length} categories`);
    const loader = await createDetectionLoader(ds, { stride, batchSize: o.batchSize ?? 16, inputSize: [H, W] });
    const detections: CocoDetection[] = [];
    const imageIds: number[] = [];
    for await (const b of loader.epoch()) {
      try {
        const y = (await exported.predict(b.x)) as tf.Tensor4D;
        detections.push(...detectionsOfOutput(y, b, { numClasses: k - 4, stride }));
        imageIds.push(...b.imageIds);
        y.dispose();
      } finally {
        tf.dispose([b.x, b.heatmap, b.regression, b.regMask]);
      }
    }
    const r = evaluateCoco(ds.groundTruth, detections, { imageIds }) as unknown as Record<string, number>;
    return { model: o.model, format: exported.format, images: imageIds.length, metrics: Object.fromEntries(COCO_METRIC_NAMES.map((n) => [n, r[n]])), detections };
  } finally {
    exported.dispose();
  }
}
