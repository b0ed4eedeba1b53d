// Public API of @dyrep/detection: a CenterNet-style detector, its trainer task and data, COCO data and evaluation.
export { evaluateCoco, COCO_METRIC_NAMES } from './coco/evaluate-coco';
export type {
  CocoCategoryMetrics,
  CocoEvalParams,
  CocoEvalResult,
  CocoMetrics,
  EvaluateCocoOptions,
} from './coco/evaluate-coco';
export { boxIou } from './coco/internal/box-iou';
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
export type { CocoDataset, CocoImageAnnotations, CocoSample, OpenCocoDatasetOptions } from './coco/coco-dataset';
export { writeCocoJson } from './coco/write-coco-json';
export type { WriteCocoJsonOptions } from './coco/write-coco-json';
export { CenterNet, createCenterNet } from './center-net';
export type { CenterNetOptions } from './center-net';
export { FpnNeck } from './fpn-neck';
export type { FpnNeckOptions } from './fpn-neck';
export { CenterNetHead, REGRESSION_CHANNELS } from './center-net-head';
export type { CenterNetHeadOptions } from './center-net-head';
export { encodeCenterNetTargets, gaussianRadius } from './center-net-targets';
export type { CenterNetTargets, EncodeTargetsOptions } from './center-net-targets';
export { centerNetLoss, penaltyReducedFocalLoss } from './center-net-loss';
export type { CenterNetLoss, CenterNetLossTargets, CenterNetLossWeights } from './center-net-loss';
export { decodeCenterNet } from './decode-center-net';
export type { DecodeOptions, ImageDetections } from './decode-center-net';
export type { DetectionBatch } from './detection-batch';
export { DetectionLoader, createDetectionLoader } from './detection-loader';
export type { DetectionLoaderOptions, DetectionLoaderState } from './detection-loader';
export { detectionTask, detectionsOfOutput, DETECTION_METRICS } from './detection-task';
export { letterbox, boxesToInput, boxesToOriginal, letterboxPixels } from './letterbox';
export type { Letterbox } from './letterbox';
export type { DetectionTask, DetectionTaskOptions, DetectionResults, DetectOutput } from './detection-task';
export { generateFashionMnistDetection } from './fashion-mnist-detection';
export type { FashionMnistDetectionOptions, FashionMnistDetectionResult } from './fashion-mnist-detection';
