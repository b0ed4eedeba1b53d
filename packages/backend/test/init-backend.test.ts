import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { initBackend } from '@dyrep/backend';

describe('initBackend', () => {
  it('activates wasm and computes gradients there', async () => {
    const choice = await initBackend('wasm');
    expect(choice.backend).to.equal('wasm');
    expect(tf.getBackend()).to.equal('wasm');
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2, 3]));
    expect(Array.from(g.dataSync())).to.deep.equal([2, 4, 6]);
  });
});
