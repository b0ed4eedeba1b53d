import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';

/** Runs `fn` and asserts that `tf.memory().numTensors` is unchanged afterwards. */
export async function expectNoLeak<T>(fn: () => T | Promise<T>, what = 'operation'): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  expect(after - before, `${what} leaked ${after - before} tensors`).to.equal(0);
  return result;
}
