import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@dyrep/nn';

/** Median eval-mode forward time in milliseconds of `model` on a random batch of `[batch, ...inputShape]`. */
export async function medianLatencyMs(model: Module, inputShape: readonly number[], batch: number, runs = 7): Promise<number> {
  const x = tf.randomUniform([batch, ...inputShape]);
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  try {
    const once = async () => {
      const t0 = performance.now();
      const y = model.forward(x);
      await y.data();
      y.dispose();
      return performance.now() - t0;
    };
    for (let i = 0; i < 3; i++) await once();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await once());
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  } finally {
    x.dispose();
    for (const [m, mode] of modes) m.training = mode;
  }
}
