import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';

/** max |a − b| over all elements (shapes must match). */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape, 'shape').to.deep.equal(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Asserts max |a − b| ≤ atol + rtol · max |b|. */
export function expectClose(a: tf.Tensor, b: tf.Tensor, rtol = 1e-5, atol = 1e-6, what = 'tensors'): void {
  const diff = maxAbsDiff(a, b);
  const scale = tf.tidy(() => tf.max(tf.abs(b)).dataSync()[0]);
  const tol = atol + rtol * scale;
  expect(diff, `${what}: max |Δ| = ${diff} > ${tol} (max |ref| = ${scale})`).to.be.at.most(tol);
}
