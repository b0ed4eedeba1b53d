import type * as tf from '@tensorflow/tfjs-core';

/** Where a set of named tensors holds NaN or ±Infinity. */
export interface NonFiniteReport {
  /** Non-finite values over all tensors. */
  count: number;
  /** Names of the tensors holding any, in the order given. */
  names: string[];
}

/**
 * Counts the NaN and ±Infinity values of named tensors (weights, BN statistics, optimizer
 * buffers); `undefined` when every value is finite. Reads the values on the host (one `dataSync`
 * per tensor), so it does not depend on how a backend propagates NaN through kernels.
 */
export function findNonFinite(tensors: Iterable<readonly [string, tf.Tensor]>): NonFiniteReport | undefined {
  let count = 0;
  const names: string[] = [];
  for (const [name, t] of tensors) {
    const data = t.dataSync();
    let n = 0;
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) n++;
    if (n) {
      count += n;
      names.push(name);
    }
  }
  return count ? { count, names } : undefined;
}

/** `353,048 non-finite values in 62 tensors (first: layer1.0.conv1.weight)`. */
export function describeNonFinite(report: NonFiniteReport): string {
  return `${report.count.toLocaleString('en-US')} non-finite values in ${report.names.length} tensor${report.names.length === 1 ? '' : 's'} (first: ${report.names[0]})`;
}
