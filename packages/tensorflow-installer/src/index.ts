// Public API of @dyrep/tensorflow-installer (the `dyrep-tensorflow-installer` command is src/cli.ts).
export { installTensorflow, verifyTensorflow, TFJS_NODE_PACKAGES, STAMP_FILE, BUILD_LOG } from './install-tensorflow';
export type { InstallTensorflowOptions, InstallResult, VerifyResult } from './install-tensorflow';
export { InstallError } from './install-error';
export type { InstallErrorCode } from './install-error';
export type { ParityRow } from './parity-check';
