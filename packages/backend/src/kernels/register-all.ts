import { engine, getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-native-backprop-filter';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-native-backprop-input';
import { maxPoolGradConfig } from './max-pool-grad';

/** Every training kernel this package provides for the `wasm` backend. */
export const wasmTrainingKernelConfigs: readonly KernelConfig[] = [
  conv2dBackpropInputConfig,
  conv2dBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  maxPoolGradConfig,
];

/** Kernels that tfjs-backend-wasm registered before ours replaced them, to restore on unregister. */
const replaced = new Map<string, KernelConfig>();

/**
 * Registers the wasm training kernels (conv2d and depthwiseConv2d input/filter gradients, and a
 * correct `MaxPoolGrad`) in tfjs'
 * kernel registry, so `tf.grad` and `tf.variableGrads` work on `wasm`. Idempotent; replaces
 * tfjs-backend-wasm's slower `Conv2DBackpropInput` without a duplicate-registration warning.
 */
export function registerWasmTrainingKernels(): void {
  for (const config of wasmTrainingKernelConfigs) {
    const current = getKernel(config.kernelName, config.backendName);
    if (current === config) continue;
    if (current != null) {
      if (!replaced.has(config.kernelName)) replaced.set(config.kernelName, current);
      unregisterKernel(config.kernelName, config.backendName);
    }
    registerKernel(config);
  }
}

/** Undoes {@link registerWasmTrainingKernels}: removes our kernels and restores the ones they replaced. */
export function unregisterWasmTrainingKernels(): void {
  for (const config of wasmTrainingKernelConfigs) {
    if (getKernel(config.kernelName, config.backendName) !== config) continue;
    unregisterKernel(config.kernelName, config.backendName);
    const previous = replaced.get(config.kernelName);
    if (previous != null) {
      registerKernel(previous);
      replaced.delete(config.kernelName);
      // A backend runs kernel setup only when it initialises; if ours was registered then, the
      // restored kernel was never set up.
      const live = engine().registry[config.backendName];
      if (live != null) previous.setupFunc?.(live);
    }
  }
}
