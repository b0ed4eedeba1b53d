// Node-only API of @dyrep/exporter (`@dyrep/exporter/node`): exports written to files and a tfjs
// IOHandler over a directory. The main entry is browser-safe and works on bytes and IOHandlers.
export { exportTfjs, exportOnnx } from './export-files';
export type { TfjsExportResult, OnnxExportResult } from './export-files';
export { fileSystemHandler } from './file-system-handler';
export type { FileSystemHandlerOptions } from './file-system-handler';
