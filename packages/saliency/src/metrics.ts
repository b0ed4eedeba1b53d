import * as tf from '@tensorflow/tfjs-core';
import { createRegistry, type RegisterOptions } from '@dyrep/core';
import type { Rng } from '@dyrep/nn';

/**
 * A saliency metric: one score from a conv's weight and its gradient (both borrowed; any shape).
 * It runs inside a `tf.tidy`, so it may create tensors freely; it returns a scalar tensor.
 */
export type SaliencyMetric = (weight: tf.Tensor, grad: tf.Tensor, rng: Rng) => tf.Scalar;

/** SynFlow (the authors' default): `Σ g ⊙ w`. */
export const synflow: SaliencyMetric = (w, g) => tf.sum(tf.mul(g, w));
/** SNIP: `Σ |g ⊙ w|`. */
export const snip: SaliencyMetric = (w, g) => tf.sum(tf.abs(tf.mul(g, w)));
/** Gradient norm: `‖g‖₂`. */
export const gradNorm: SaliencyMetric = (_w, g) => tf.norm(g) as tf.Scalar;
/** Uniform random score from the collector's seeded source (a control baseline). */
export const randomMetric: SaliencyMetric = (_w, _g, rng) => tf.scalar(rng.nextFloat());

const metrics = createRegistry<SaliencyMetric>({
  id: '@dyrep/saliency:metric',
  kind: 'saliency metric',
  builtins: [
    ['synflow', synflow],
    ['snip', snip],
    ['grad_norm', gradNorm],
    ['random', randomMetric],
  ],
});

/**
 * Registers a metric under `name` so `createMetric(name)` and the collector find it. A taken name
 * (built-in or registered) throws unless `override`; returns a function that removes this
 * registration again.
 */
export function registerMetric(name: string, metric: SaliencyMetric, options: RegisterOptions = {}): () => void {
  return metrics.register(name, metric, options);
}

/** Names of the built-in (`grad_norm`, `random`, `snip`, `synflow`) and registered metrics, sorted. */
export function listMetrics(): string[] {
  return metrics.list();
}

/** The metric called `name`; an unknown name lists the known ones. */
export function createMetric(name: string): SaliencyMetric {
  return metrics.require(name);
}
