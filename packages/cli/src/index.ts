// Public API of @dyrep/cli (the `dyrep` command is its bin).
export { createProgram, main } from './program';
export { trainConfigSchema, TRAIN_OPTION_NAMES } from './config/schema';
export type { TrainConfig } from './config/schema';
export { ConfigError, readConfigFile, resolveTrainConfig, canonicalOptionName } from './config/load-config';
export { runTraining, buildModel } from './run/training-run';
export type { TrainSummary, RunOptions } from './run/training-run';
export { loadCheckpointModel } from './run/checkpoint-model';
export type { CheckpointModel } from './run/checkpoint-model';
export { openExportedModel } from './run/exported-model';
export type { ExportedModel } from './run/exported-model';
export { runBench } from './run/bench-run';
export type { BenchResult, BenchOptions } from './run/bench-run';
