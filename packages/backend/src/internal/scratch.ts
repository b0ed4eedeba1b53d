import { getKernel, util } from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Runs registered wasm kernels from inside another kernel and owns every intermediate result.
 *
 * Each `run` result is disposed by {@link Scratch.dispose} unless it was handed out with
 * {@link Scratch.keep}; the caller then owns it (typically as the kernel's return value).
 */
export class Scratch {
  private readonly owned = new Set<TensorInfo>();

  constructor(
    readonly backend: KernelBackend,
    private readonly backendName = 'wasm',
  ) {}

  /** Runs kernel `name` on this backend and records the output as an intermediate. */
  run(name: string, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: object = {}): TensorInfo {
    const config = getKernel(name, this.backendName);
    util.assert(config != null, () => `@dyrep/backend: kernel '${name}' is not registered for backend '${this.backendName}'`);
    const out = config.kernelFunc({
      inputs: inputs as never,
      attrs: attrs as NamedAttrMap,
      backend: this.backend,
    });
    util.assert(!Array.isArray(out), () => `@dyrep/backend: kernel '${name}' returned several outputs`);
    const info = out as TensorInfo;
    this.owned.add(info);
    return info;
  }

  /** A float32 tensor of `shape` filled with zeros. */
  zeros(shape: number[]): TensorInfo {
    return this.run('Fill', {}, { shape, value: 0, dtype: 'float32' });
  }

  /** A new float32 tensor holding `values`, owned like any intermediate. */
  fromValues(shape: number[], values: Float32Array): TensorInfo {
    const info: TensorInfo = { dataId: this.backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
    this.owned.add(info);
    return info;
  }

  /** A float32 copy of a tensor's values. */
  read(info: TensorInfo): Float32Array {
    return this.backend.readSync(info.dataId) as Float32Array;
  }

  /** Hands `info` to the caller: it is no longer disposed by {@link Scratch.dispose}. */
  keep(info: TensorInfo): TensorInfo {
    util.assert(this.owned.delete(info), () => '@dyrep/backend: keep() of a tensor this scratch does not own');
    return info;
  }

  /** Releases every intermediate not kept. */
  dispose(): void {
    for (const info of this.owned) this.backend.disposeData(info.dataId);
    this.owned.clear();
  }
}

/** Runs `body` with a fresh {@link Scratch}; intermediates are released even when `body` throws. */
export function withScratch(backend: KernelBackend, body: (s: Scratch) => TensorInfo): TensorInfo {
  const scratch = new Scratch(backend);
  try {
    return scratch.keep(body(scratch));
  } finally {
    scratch.dispose();
  }
}
