// Public API of @dyrep/detection. COCO data and evaluation live in src/coco/; the detector comes later.
export { evaluateCoco, COCO_METRIC_NAMES } from './coco/evaluate-coco';
export type {
  CocoCategoryMetrics,
  CocoEvalParams,
  CocoEvalResult,
  CocoMetrics,
  EvaluateCocoOptions,
} from './coco/evaluate-coco';
export { loadCocoDetections } from './coco/load-detections';
export { parseCocoGroundTruth } from './coco/parse-ground-truth';
export type { ParseGroundTruthOptions } from './coco/parse-ground-truth';
export { CocoFormatError } from './coco/coco-format-error';
export type {
  CocoAnnotation,
  CocoAnnotationJson,
  CocoBox,
  CocoCategory,
  CocoCategoryJson,
  CocoDetection,
  CocoDetectionJson,
  CocoGroundTruth,
  CocoGroundTruthJson,
  CocoImage,
  CocoImageJson,
} from './coco/types';
export { openCocoDataset } from './coco/coco-dataset';
export type { CocoDataset, CocoSample, OpenCocoDatasetOptions } from './coco/coco-dataset';
export { decodeImage } from './coco/decode-image';
export type { DecodedImage, ImageChannels } from './coco/decode-image';
export { writeCocoJson } from './coco/write-coco-json';
export type { WriteCocoJsonOptions } from './coco/write-coco-json';
