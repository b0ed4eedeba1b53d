import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import threadedSimdFactory from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** XNNPACK's thread pool in tfjs-backend-wasm 4.22 holds at most this many threads (8 pre-spawned pthreads). */
const MAX_WASM_THREADS = 8;

/** The same priority tfjs-backend-wasm registers `wasm` with. */
const WASM_PRIORITY = 2;

/** The threaded module's extra surface used here (Emscripten's pthread bookkeeping and `cwrap`). */
interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: unknown[]) => unknown;
  PThread: { unusedWorkers: { unref(): void }[]; runningWorkers: { unref(): void }[] };
  tfjs?: unknown;
}

/** The slice of the WebAssembly JS API used here (this package compiles without the DOM library's types). */
function wasmApi(): { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: unknown; module: unknown }> } {
  return (globalThis as unknown as { WebAssembly: ReturnType<typeof wasmApi> }).WebAssembly;
}

/** The default thread count: every core Node may use, at most {@link MAX_WASM_THREADS}. */
function defaultWasmThreads(): number {
  return Math.min(availableParallelism(), MAX_WASM_THREADS);
}

/** Checks a requested thread count; throws a one-line cause for anything but an integer 1..8. */
function checkWasmThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new Error(`initBackend: threads must be an integer from 1 to ${MAX_WASM_THREADS} (tfjs-backend-wasm's thread pool), got ${String(threads)}`);
  }
  return threads;
}

/** This package's directory (the parent of both `src/` and `dist/`, where `wasm/pthread-worker.cjs` lives). */
function packageDir(): string {
  // import.meta.url in ESM and, through tsup's shims, in the CJS build.
  return dirname(dirname(fileURLToPath(import.meta.url)));
}

/** Path of the pthread entry script handed to Emscripten instead of tfjs' blob: URL. */
function pthreadWorkerPath(): string {
  const path = join(packageDir(), 'wasm', 'pthread-worker.cjs');
  if (!existsSync(path)) throw new Error(`initBackend: the wasm pthread worker script is missing (${path}); reinstall @dyrep/backend`);
  return path;
}

/**
 * Instantiates tfjs-backend-wasm's threaded-SIMD Emscripten module in Node with `threads` XNNPACK
 * threads. Three things differ from tfjs' own (browser) loader: the pthread script is a file
 * ({@link pthreadWorkerPath}) rather than a blob: URL; the main script is the glue's own file (its
 * `__filename`, Emscripten's default) rather than a blob; and the `emscripten_num_logical_cores`
 * import reports `2 × threads`, because tfjs' C++ side caps the pool at half the logical cores
 * (it assumes hyper-threading), which on a 2-vCPU machine would be 1.
 */
async function instantiateThreaded(threads: number): Promise<ThreadedModule> {
  let wasmBinaryPath = '';
  const module = (await threadedSimdFactory({
    locateFile(path: string, prefix: string): string {
      if (path.endsWith('.worker.js')) return pthreadWorkerPath();
      const located = prefix + path;
      if (path.endsWith('.wasm')) wasmBinaryPath = located;
      return located;
    },
    instantiateWasm(imports: { env: Record<string, unknown> }, receive: (instance: unknown, module: unknown) => void): Record<string, never> {
      imports.env.emscripten_num_logical_cores = () => 2 * threads;
      wasmApi()
        .instantiate(readFileSync(wasmBinaryPath), imports)
        .then(
          (result) => receive(result.instance, result.module),
          (err: unknown) => {
            throw err;
          },
        );
      return {};
    },
  })) as unknown as ThreadedModule;
  // The bridge tfjs' own init() adds (backend_wasm.ts), which BackendWasm calls.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * Re-registers the `wasm` backend so that its next initialisation creates the threaded-SIMD module
 * with `threads` threads. The pthreads are unref'd once running so they never keep the process alive.
 */
function registerThreadedWasmBackend(threads: number): void {
  if (tf.findBackendFactory('wasm') !== null) tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      const module = await instantiateThreaded(threads);
      setThreadsCount(threads);
      const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
      for (const worker of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers]) worker.unref();
      return backend;
    },
    WASM_PRIORITY,
  );
}

/** XNNPACK threads of the initialised `wasm` backend (1 for tfjs' own single-threaded build). */
export function activeWasmThreads(): number {
  return getThreadsCount();
}

/** tfjs-backend-wasm's own factory (single-threaded SIMD in Node), kept to restore for `threads: 1`. */
let stockFactory: (() => tf.KernelBackend | Promise<tf.KernelBackend>) | undefined;
/** The thread count the registered `wasm` factory creates. */
let registeredThreads = 1;

function wasmInitialised(): boolean {
  return (tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm !== undefined;
}

/**
 * Makes the next initialisation of the `wasm` backend use `requested` threads (default
 * {@link defaultWasmThreads}) and returns that count. When the backend is already initialised it is
 * left alone: its count is returned, and an explicit request for another count throws.
 */
export function prepareWasmBackend(requested: number | undefined): number {
  if (requested !== undefined) checkWasmThreads(requested);
  if (wasmInitialised()) {
    const running = activeWasmThreads();
    if (requested !== undefined && requested !== running) {
      throw new Error(
        `initBackend: the wasm backend already runs with ${running} thread${running === 1 ? '' : 's'}; ` + `the thread count (asked: ${requested}) can only be chosen before its first use`,
      );
    }
    return running;
  }
  const threads = requested ?? defaultWasmThreads();
  if (threads === registeredThreads) return threads;
  if (stockFactory === undefined) stockFactory = tf.findBackendFactory('wasm') ?? undefined;
  if (threads > 1) {
    registerThreadedWasmBackend(threads);
  } else if (stockFactory !== undefined) {
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', stockFactory, WASM_PRIORITY);
  }
  registeredThreads = threads;
  return threads;
}
