import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, type Module, type Rng } from '@dyrep/nn';

/**
 * Moves every BatchNorm of `model` away from its defaults, from a seeded source: γ ∈ ±[0.5, 1.5],
 * β ~ N(0, 0.5²), running mean ~ N(0, 0.5²), running variance ∈ [0.3, 2]. Returns how many BNs.
 */
export function randomizeBatchNorms(model: Module, rng: Rng): number {
  let n = 0;
  for (const [, m] of model.namedModules()) {
    if (!(m instanceof BatchNorm2d)) continue;
    const c = m.numFeatures;
    const gamma = Float32Array.from(rng.uniformArray(c, 0.5, 1.5), (v) => (rng.nextFloat() < 0.2 ? -v : v));
    tf.tidy(() => {
      m.weight.assign(tf.tensor1d(gamma));
      m.bias.assign(tf.tensor1d(rng.normalArray(c, 0.5)));
      m.runningMean.assign(tf.tensor1d(rng.normalArray(c, 0.5)));
      m.runningVar.assign(tf.tensor1d(rng.uniformArray(c, 0.3, 2)));
    });
    n++;
  }
  return n;
}
