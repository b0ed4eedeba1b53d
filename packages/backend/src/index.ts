// Public API of @dyrep/backend.
export { initBackend, TFJS_NODE, TFJS_NODE_GPU } from './init-backend';
export type { BackendName, BackendChoice, InitBackendOptions } from './init-backend';
export { registerWasmTrainingKernels, unregisterWasmTrainingKernels, wasmTrainingKernelConfigs } from './kernels/register-all';
export {
  registerTensorflowTrainingKernels,
  unregisterTensorflowTrainingKernels,
  tensorflowTrainingKernelConfigs,
} from './kernels/tensorflow-explicit-padding';
