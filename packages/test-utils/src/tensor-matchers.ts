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

/** Asserts a tensor equals a flat reference array within atol + rtol · max |ref|. */
export function expectArrayClose(a: tf.Tensor, ref: { data: ArrayLike<number>; shape: number[] }, rtol = 1e-5, atol = 1e-6, what = 'tensor'): void {
  expect(a.shape, `${what} shape`).to.deep.equal(ref.shape);
  const got = a.dataSync();
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < got.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - ref.data[i]));
    scale = Math.max(scale, Math.abs(ref.data[i]));
  }
  const tol = atol + rtol * scale;
  expect(diff, `${what}: max |Δ| = ${diff} > ${tol} (max |ref| = ${scale})`).to.be.at.most(tol);
}
