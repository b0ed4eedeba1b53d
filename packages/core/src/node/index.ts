// Node-only part of @dyrep/core (`@dyrep/core/node`): the directory RunStorage, the one atomic
// file writer, output-directory checks and the run-directory lock.
export { writeFileAtomic, writeJsonAtomic } from './write-file-atomic';
export { DirectoryRunStorage, directoryStorage } from './directory-storage';
export { FileSystemError, describeFsError } from './file-system-error';
export { ensureDirectory, prepareOutputDirectory } from './output-directory';
export { removeStaleTempFiles } from './temp-files';
export { lockRunDirectory, RunLockedError } from './run-lock';
export type { RunLock } from './run-lock';
