// Node-only API of @dyrep/trainer (`@dyrep/trainer/node`): checkpoint files and the terminal
// progress display. The main entry is browser-safe: the trainer writes through a `RunStorage`
// (`directoryStorage(dir)` from `@dyrep/core/node` for a directory, `MemoryRunStorage` in memory).
export { readCheckpointBytes, writeCheckpointFile, readCheckpointFile, readCheckpoint, readCheckpointMeta, loadModelCheckpoint } from './checkpoint-files';
export { createProgress } from './terminal-progress';
export type { ProgressOptions } from './terminal-progress';
