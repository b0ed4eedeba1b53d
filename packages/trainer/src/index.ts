// Public API of @dyrep/trainer (browser-safe; checkpoint files and the terminal progress bar in `@dyrep/trainer/node`).
export { Trainer, NonFiniteLossError, NonFiniteWeightsError, TrainingStoppedError } from './trainer';
export type { TrainerOptions, FitResult } from './trainer';
export { HookManager } from './hook-manager';
export { SGD } from './optim/sgd';
export type { SgdOptions } from './optim/sgd';
export { cosineSchedule, stepSchedule, warmupCosineSchedule, withWarmup } from './optim/lr-schedule';
export type { LrSchedule } from './optim/lr-schedule';
export { encodeCheckpoint, decodeCheckpoint, decodeCheckpointMeta, CheckpointError } from './checkpoint-file';
export { CHECKPOINT_FORMAT, CHECKPOINT_NAME, parseCheckpoint, parseCheckpointMeta, restoreModel, disposeCheckpoint } from './checkpoint';
export type { CheckpointMeta, LoadedCheckpoint, PartialEpoch } from './checkpoint';
export { MetricsLog, METRICS_NAME } from './metrics-log';
export type { EpochRecord, StructureEvent } from './metrics-log';
export { heartbeatLine, silentProgress } from './progress';
export type { ProgressReporter } from './progress';
export { classificationTask, crossEntropy, topKCorrect } from './classification-task';
export type { ClassificationBatch, ClassificationTaskOptions } from './classification-task';
