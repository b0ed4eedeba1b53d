import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';

/** Construction options of {@link BatchNorm2d}. */
export interface BatchNorm2dOptions {
  /** ε added to the variance (default 1e-5, as PyTorch). */
  eps?: number;
  /** Running-statistics momentum: `running = (1 − m)·running + m·batch` (default 0.1). */
  momentum?: number;
}

/**
 * Batch normalisation over the channel axis of NHWC input, with PyTorch semantics: in training it
 * normalises with the batch's biased variance and updates the running mean and the *unbiased*
 * running variance by momentum; in eval it uses the running statistics.
 *
 * Parameters `weight` (γ) and `bias` (β); buffers `running_mean`, `running_var`. The training
 * forward has a hand-written gradient that keeps only x, the mean and 1/σ for the backward pass.
 */
export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  /** γ `[C]`. */
  readonly weight: tf.Variable;
  /** β `[C]`. */
  readonly bias: tf.Variable;
  /** Running mean `[C]`. */
  readonly runningMean: tf.Variable;
  /** Running (unbiased) variance `[C]`. */
  readonly runningVar: tf.Variable;

  constructor(numFeatures: number, options: BatchNorm2dOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new Error(`BatchNorm2d: numFeatures must be a positive integer, got ${numFeatures}`);
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.weight = this.registerParameter('weight', tf.ones([numFeatures]));
    this.bias = this.registerParameter('bias', tf.zeros([numFeatures]));
    this.runningMean = this.registerBuffer('running_mean', tf.zeros([numFeatures]));
    this.runningVar = this.registerBuffer('running_var', tf.ones([numFeatures]));
  }

  override forward(x: tf.Tensor): tf.Tensor {
    const c = x.shape[x.rank - 1];
    if (c !== this.numFeatures) throw new Error(`BatchNorm2d: input has ${c} channels, expected ${this.numFeatures}`);
    if (!this.training) {
      return tf.tidy(() => {
        const { scale, shift } = this.evalAffine();
        return tf.add(tf.mul(x, scale), shift);
      });
    }
    return batchNormTrain(x, this.weight, this.bias, this.eps, (mean, variance, count) => {
      if (count < 2) return;
      tf.tidy(() => {
        const m = this.momentum;
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
        const unbiased = tf.mul(variance, count / (count - 1));
        this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
      });
    });
  }

  /** Eval-mode per-channel affine map `y = x·scale + shift`: scale = γ/σ, shift = β − μ·γ/σ. */
  evalAffine(): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    return tf.tidy(() => {
      const scale = tf.div(this.weight, tf.sqrt(tf.add(this.runningVar, this.eps))) as tf.Tensor1D;
      const shift = tf.sub(this.bias, tf.mul(this.runningMean, scale)) as tf.Tensor1D;
      return { scale, shift };
    });
  }

  /** Resets running statistics to mean 0, variance 1. */
  resetRunningStats(): void {
    tf.tidy(() => {
      this.runningMean.assign(tf.zerosLike(this.runningMean));
      this.runningVar.assign(tf.onesLike(this.runningVar));
    });
  }
}

/** Depth of nested {@link withoutRunningStatUpdates} scopes. */
let runningStatsSuspended = 0;

/**
 * Runs `fn` with the running-statistics update of every training-mode batch norm turned off (the
 * batch statistics still normalise). For recomputing a forward pass that already updated them once,
 * as gradient recomputation does.
 */
export function withoutRunningStatUpdates<T>(fn: () => T): T {
  runningStatsSuspended++;
  try {
    return fn();
  } finally {
    runningStatsSuspended--;
  }
}

/**
 * Training-mode batch norm over all axes but the last, with a custom gradient:
 * x̂ = (x − μ)·r, r = 1/√(var + ε), y = γ·x̂ + β;
 * dβ = Σdy, dγ = Σ dy·x̂, dx = γ·r/N · (N·dy − Σdy − x̂·Σ dy·x̂).
 * `onStats(mean, var, N)` receives the batch statistics (borrowed) for the running update; it is
 * not called inside {@link withoutRunningStatUpdates}.
 */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number, onStats: (mean: tf.Tensor, variance: tf.Tensor, count: number) => void): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const count = x.size / x.shape[x.rank - 1];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const { mean, variance } = tf.moments(xIn, axes);
    if (runningStatsSuspended === 0) onStats(mean, variance, count);
    const rstd = tf.rsqrt(tf.add(variance, eps));
    // γ is saved too: it may be an intermediate (a merged rep-block concatenates its BNs' γ), not only a variable.
    save([xIn, mean, rstd, g]);
    const scale = tf.mul(g, rstd);
    const value = tf.add(tf.mul(tf.sub(xIn, mean), scale), b);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, mu, r, gs] = saved;
        const xhat = tf.mul(tf.sub(xs, mu), r);
        const sumDy = tf.sum(dy, axes);
        const sumDyXhat = tf.sum(tf.mul(dy, xhat), axes);
        const k = tf.div(tf.mul(gs, r), count);
        const dx = tf.mul(k, tf.sub(tf.sub(tf.mul(dy, count), sumDy), tf.mul(xhat, sumDyXhat)));
        return [dx, sumDyXhat, sumDy];
      },
    };
  });
  return f(x, gamma, beta);
}
