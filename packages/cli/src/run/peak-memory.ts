import * as tf from '@tensorflow/tfjs-core';
import type { Plugin } from '@dyrep/core';

/** A plugin that records the peak tensor memory and peak resident set size seen after any batch. */
export function peakMemoryProbe(): Plugin & { peakTensorBytes: number; peakRssBytes: number } {
  const probe = {
    id: 'peak-memory',
    priority: 100,
    peakTensorBytes: 0,
    peakRssBytes: 0,
    hooks: {
      onBatchEnd() {
        probe.peakTensorBytes = Math.max(probe.peakTensorBytes, tf.memory().numBytes);
        probe.peakRssBytes = Math.max(probe.peakRssBytes, process.memoryUsage.rss());
      },
    },
  };
  return probe;
}
