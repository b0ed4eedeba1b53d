import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link SGD}; defaults are the authors' CIFAR recipe. */
export interface SgdOptions {
  /** Momentum factor (default 0.9; 0 disables the buffers). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
  /** L2 weight decay added to the gradient (default 1e-4). */
  weightDecay?: number;
  /** When false, biases and BatchNorm parameters (1-D tensors) get no weight decay (default true). */
  decayBiasAndNorm?: boolean;
}

/**
 * SGD with momentum and weight decay whose state is keyed by parameter *path*, so it survives
 * structure changes: {@link SGD.onStructureChange} drops the buffers of removed parameters, and
 * new parameters start with no buffer (PyTorch semantics: the first
 * step sets the buffer to the gradient).
 *
 * Update per parameter w with gradient g: g ← g + λ·w; b ← μ·b + g (b ← g on the first step);
 * d = g + μ·b (Nesterov) or b; w ← w − lr·d.
 */
export class SGD {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  readonly decayBiasAndNorm: boolean;
  private readonly buffers = new Map<string, tf.Tensor>();

  constructor(options: SgdOptions = {}) {
    this.momentum = options.momentum ?? 0.9;
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = options.weightDecay ?? 1e-4;
    this.decayBiasAndNorm = options.decayBiasAndNorm ?? true;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new Error(`SGD: momentum must be in [0, 1), got ${this.momentum}`);
    if (!(this.weightDecay >= 0)) throw new Error(`SGD: weightDecay must be ≥ 0, got ${this.weightDecay}`);
    if (this.nesterov && this.momentum === 0) throw new Error('SGD: Nesterov momentum needs momentum > 0');
  }

  /** Applies one update to every parameter that has a gradient. */
  step(params: ReadonlyArray<readonly [string, tf.Variable]>, grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    for (const [path, w] of params) {
      const g0 = grads.get(path);
      if (!g0) continue;
      const decay = this.decayBiasAndNorm || w.rank > 1 ? this.weightDecay : 0;
      const next = tf.tidy(() => {
        let g = decay ? tf.add(g0, tf.mul(w, decay)) : g0;
        if (this.momentum) {
          const prev = this.buffers.get(path);
          const buf = prev ? tf.add(tf.mul(prev, this.momentum), g) : tf.clone(g);
          prev?.dispose();
          this.buffers.set(path, tf.keep(buf));
          g = this.nesterov ? tf.add(g, tf.mul(buf, this.momentum)) : buf;
        }
        return tf.sub(w, tf.mul(g, lr));
      });
      w.assign(next);
      next.dispose();
    }
  }

  /** Drops (and disposes) the state of `removed` paths. */
  onStructureChange(change: { removed: readonly string[] }): void {
    for (const path of change.removed) {
      this.buffers.get(path)?.dispose();
      this.buffers.delete(path);
    }
  }

  /** Paths that currently hold a momentum buffer. */
  statePaths(): string[] {
    return [...this.buffers.keys()];
  }

  /** Momentum buffers keyed by parameter path (borrowed). */
  getState(): ReadonlyMap<string, tf.Tensor> {
    return this.buffers;
  }

  /** Replaces all momentum buffers by copies of `state`. */
  loadState(state: ReadonlyMap<string, tf.Tensor>): void {
    this.dispose();
    for (const [path, t] of state) this.buffers.set(path, tf.keep(tf.clone(t)));
  }

  /** Disposes every buffer. */
  dispose(): void {
    for (const t of this.buffers.values()) t.dispose();
    this.buffers.clear();
  }
}
