import * as tf from '@tensorflow/tfjs-core';
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
export const randomMetric: SaliencyMetric = (_w, _g, rng) => tf.scalar(rng.next());

const builtin: Readonly<Record<string, SaliencyMetric>> = { synflow, snip, grad_norm: gradNorm, random: randomMetric };
const registered = new Map<string, SaliencyMetric>();

/** Registers a metric under `name` so `createMetric(name)` and the collector find it; built-in names are reserved. */
export function registerMetric(name: string, metric: SaliencyMetric): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(name)) throw new Error(`metric names are lower-case identifiers, got '${name}'`);
  if (name in builtin) throw new Error(`'${name}' is a built-in metric; register yours under another name`);
  registered.set(name, metric);
}

/** Names of the built-in (`synflow`, `snip`, `grad_norm`, `random`) and registered metrics. */
export function listMetrics(): string[] {
  return [...Object.keys(builtin), ...registered.keys()];
}

/** The metric called `name`; an unknown name lists the known ones. */
export function createMetric(name: string): SaliencyMetric {
  const m = builtin[name] ?? registered.get(name);
  if (!m) throw new Error(`unknown saliency metric '${name}' (known: ${listMetrics().join(', ')})`);
  return m;
}
