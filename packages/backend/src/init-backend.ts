import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './kernels/register-all';
import { registerTensorflowTrainingKernels } from './kernels/tensorflow-explicit-padding';
import { importOptional } from './internal/optional-module';
import { activeWasmThreads, prepareWasmBackend } from './wasm-threads';
import type { OptionalImport } from './internal/optional-module';

/** A backend name accepted by {@link initBackend}. */
export type BackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** What {@link initBackend} chose and why. */
export interface BackendChoice {
  /** The tfjs backend now active: `tensorflow`, `wasm` or `cpu`. */
  backend: 'tensorflow' | 'wasm' | 'cpu';
  /** The npm package that provides it. */
  package: string;
  /** True when the `tensorflow` backend runs on a GPU; false otherwise. */
  gpu: boolean;
  /** One sentence on why this backend was chosen. */
  reason: string;
  /** For `wasm`: the XNNPACK threads it runs with (1 = tfjs' single-threaded SIMD build). */
  threads?: number;
}

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Report the choice: `true` prints one line with `console.info`; a function receives that line. Silent by default. */
  log?: boolean | ((message: string) => void);
  /**
   * For `wasm` (also when `auto` lands on it): XNNPACK threads, an integer from 1 to 8. Default:
   * every core Node may use (`os.availableParallelism()`, at most 8). `1` is tfjs' own
   * single-threaded SIMD build; more runs its threaded-SIMD build on `worker_threads` (see
   * docs/backends.md). Fixed once the wasm backend is initialised: a later call asking for another
   * count rejects.
   */
  threads?: number;
}

/** The optional peer dependencies providing the `tensorflow` backend, and how to install them. */
export const TFJS_NODE = '@tensorflow/tfjs-node';
/** The GPU (CUDA, Linux x64) flavour of {@link TFJS_NODE}. */
export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';

/** Hooks {@link initBackend} uses to reach the outside world; replaced in tests. */
export interface BackendProbes {
  importOptional(spec: string): Promise<OptionalImport>;
  /** Activates a registered tfjs backend; false when it cannot be initialised. */
  activate(backend: string): Promise<boolean>;
  /** Whether the active `tensorflow` backend runs on a GPU (tfjs-node's `isUsingGpuDevice`). */
  gpuVisible(): boolean;
  /** XNNPACK threads of the active `wasm` backend; fakes may leave it out. */
  wasmThreads?(): number;
}

/**
 * Turns TensorFlow's oneDNN ops on before libtensorflow loads (it reads the variable then), unless
 * the user set `TF_ENABLE_ONEDNN_OPTS`. TensorFlow 2.21's oneDNN corrupts the heap in the filter
 * gradient of a strided 1×1 conv with fewer than 16 input channels
 * (`jit_avx512_common_1x1_convolution_bwd_weights_t`); our `tensorflow` kernel computes that
 * gradient without it (kernels/tensorflow-strided-1x1-filter.ts), and with oneDNN a plain ResNet-18
 * training step is faster (docs/benchmarks.md, "TensorFlow backend").
 */
export function defaultOneDnnOn(env: NodeJS.ProcessEnv = process.env): void {
  if (env.TF_ENABLE_ONEDNN_OPTS === undefined) env.TF_ENABLE_ONEDNN_OPTS = '1';
}

const realProbes: BackendProbes = {
  importOptional(spec) {
    if (spec === TFJS_NODE || spec === TFJS_NODE_GPU) defaultOneDnnOn();
    return importOptional(spec);
  },
  async activate(backend) {
    const ok = await tf.setBackend(backend);
    if (ok) await tf.ready();
    return ok;
  },
  gpuVisible() {
    const binding = (tf.backend() as { binding?: { isUsingGpuDevice?: () => boolean } }).binding;
    return binding?.isUsingGpuDevice?.() === true;
  },
  wasmThreads: activeWasmThreads,
};

function installHint(): string {
  return (
    `Install one next to @tensorflow/tfjs 4.22.0 (same version, so there is a single tfjs engine): ` +
    `\`npm install ${TFJS_NODE}@4.22.0\` (CPU) or \`npm install ${TFJS_NODE_GPU}@4.22.0\` (CUDA GPU, Linux x64); ` +
    `their install step downloads libtensorflow, so do not pass --ignore-scripts. ` +
    `Or call initBackend('wasm'), which needs nothing extra.`
  );
}

function describeFailure(spec: string, r: OptionalImport): string {
  if (r.ok) return `${spec} loaded`;
  return r.missing ? `${spec} is not installed` : `${spec} is installed but failed to load (${r.error})`;
}

/** Tries tfjs-node-gpu, then tfjs-node; returns the choice, or the reasons both failed. */
async function tryTensorflow(probes: BackendProbes, prefix: string): Promise<BackendChoice | { failures: string[] }> {
  const gpuPkg = await probes.importOptional(TFJS_NODE_GPU);
  if (gpuPkg.ok) {
    if (await probes.activate('tensorflow')) {
      const gpu = probes.gpuVisible();
      // tfjs-node-gpu runs on the CPU without a GPU; loading tfjs-node too would register the
      // `tensorflow` backend twice, so it is kept.
      const reason = gpu ? `${prefix}${TFJS_NODE_GPU} is installed and sees a GPU` : `${prefix}${TFJS_NODE_GPU} is installed but sees no GPU, so libtensorflow runs on the CPU`;
      return { backend: 'tensorflow', package: TFJS_NODE_GPU, gpu, reason };
    }
    return { failures: [`${TFJS_NODE_GPU} loaded but the 'tensorflow' backend failed to initialise`] };
  }
  const cpuPkg = await probes.importOptional(TFJS_NODE);
  if (cpuPkg.ok) {
    if (await probes.activate('tensorflow')) {
      return {
        backend: 'tensorflow',
        package: TFJS_NODE,
        gpu: false,
        reason: `${prefix}${TFJS_NODE} is installed (${describeFailure(TFJS_NODE_GPU, gpuPkg)})`,
      };
    }
    return { failures: [describeFailure(TFJS_NODE_GPU, gpuPkg), `${TFJS_NODE} loaded but the 'tensorflow' backend failed to initialise`] };
  }
  return { failures: [describeFailure(TFJS_NODE_GPU, gpuPkg), describeFailure(TFJS_NODE, cpuPkg)] };
}

async function activateOrThrow(probes: BackendProbes, backend: string): Promise<void> {
  if (!(await probes.activate(backend))) throw new Error(`initBackend: tfjs could not initialise backend '${backend}'`);
}

async function activateWasm(probes: BackendProbes, options: InitBackendOptions, reason: string): Promise<BackendChoice> {
  registerWasmTrainingKernels();
  const threads = prepareWasmBackend(options.threads);
  await activateOrThrow(probes, 'wasm');
  const actual = probes.wasmThreads?.() ?? threads;
  return {
    backend: 'wasm',
    package: '@tensorflow/tfjs-backend-wasm',
    gpu: false,
    threads: actual,
    reason: `${reason} (${actual} thread${actual === 1 ? '' : 's'})`,
  };
}

/** {@link initBackend} with replaceable probes (tests use fakes for the tfjs-node paths). */
export async function initBackendWith(name: BackendName, options: InitBackendOptions, probes: BackendProbes): Promise<BackendChoice> {
  let choice: BackendChoice;
  if (name === 'cpu') {
    await activateOrThrow(probes, 'cpu');
    choice = { backend: 'cpu', package: '@tensorflow/tfjs-backend-cpu', gpu: false, reason: "'cpu' was requested" };
  } else if (name === 'wasm') {
    choice = await activateWasm(probes, options, "'wasm' was requested");
  } else if (name === 'tensorflow' || name === 'auto') {
    const prefix = name === 'auto' ? 'auto: ' : "'tensorflow' was requested and ";
    const found = await tryTensorflow(probes, prefix);
    if ('backend' in found) {
      choice = found;
    } else if (name === 'tensorflow') {
      throw new Error(`initBackend('tensorflow'): no TensorFlow binding available: ${found.failures.join('; ')}. ${installHint()}`);
    } else {
      choice = await activateWasm(probes, options, `auto: ${found.failures.join(' and ')}, so wasm (with this package's training kernels) is used`);
    }
  } else {
    throw new Error(`initBackend: unknown backend '${String(name)}'; expected 'auto', 'tensorflow', 'wasm' or 'cpu'`);
  }
  // tfjs-node's conv gradients reject the explicit padding every padded @dyrep/nn conv uses, and
  // oneDNN's strided 1×1 filter gradient corrupts the heap.
  if (choice.backend === 'tensorflow') registerTensorflowTrainingKernels();
  const { log } = options;
  if (log) {
    const line = `[@dyrep/backend] using '${choice.backend}' from ${choice.package}: ${choice.reason}`;
    if (typeof log === 'function') log(line);
    else console.info(line);
  }
  return choice;
}

/**
 * Selects and initialises the tfjs backend and says why. `auto` prefers `@tensorflow/tfjs-node-gpu`
 * (with a visible GPU), then `@tensorflow/tfjs-node`, then `wasm`; `tensorflow` rejects with install
 * instructions when neither binding is installed. Choosing `wasm` registers the wasm training
 * kernels ({@link registerWasmTrainingKernels}); choosing `tensorflow` adds explicit padding to its
 * conv gradients and routes the strided 1×1 filter gradient around oneDNN
 * ({@link registerTensorflowTrainingKernels}), and loading tfjs-node sets `TF_ENABLE_ONEDNN_OPTS=1`
 * unless it is set. Silent unless `options.log` is set.
 */
export async function initBackend(name: BackendName = 'auto', options: InitBackendOptions = {}): Promise<BackendChoice> {
  return initBackendWith(name, options, realProbes);
}
