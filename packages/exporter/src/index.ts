// Public API of @dyrep/exporter (browser-safe; files through `@dyrep/exporter/node`).
export { deploy, deployWithReport } from './deploy';
export type { DeployOptions, DeployResult } from './deploy';
export { foldBatchNorms, findConvBnPairs } from './fold-batch-norms';
export type { FoldedPair } from './fold-batch-norms';
export { verifyEquivalence, compareOutputs } from './verify-equivalence';
export type { EquivalenceReport, Predictor } from './verify-equivalence';
export { traceGraph, consumersOf } from './trace-graph';
export type { KernelGraph, GraphNode, GraphValue, ModuleCall, ConstantData } from './trace-graph';
export { saveTfjs, toTfjsArtifacts } from './export-tfjs';
export type { TfjsSaveResult } from './export-tfjs';
export { readOnnxMetadata, toOnnxBytes } from './export-onnx';
export type { ExportOptions, ExportMetadata, Normalization } from './export-options';
export { UnsupportedKernelError, EquivalenceError } from './errors';
export { EXPORTER_VERSION } from './version';
