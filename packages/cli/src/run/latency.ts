import * as tf from '@tensorflow/tfjs-core';
import { withMode, type Module } from '@dyrep/nn';

/** Median eval-mode forward time in milliseconds of `model` on a random batch of `[batch, ...inputShape]`. */
export async function medianLatencyMs(model: Module, inputShape: readonly number[], batch: number, runs = 7): Promise<number> {
  const x = tf.randomUniform([batch, ...inputShape]);
  try {
    const once = async () => {
      const t0 = performance.now();
      const y = model.forward(x);
      await y.data();
      y.dispose();
      return performance.now() - t0;
    };
    return await withMode(model, 'eval', async () => {
      for (let i = 0; i < 3; i++) await once();
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await once());
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)];
    });
  } finally {
    x.dispose();
  }
}
