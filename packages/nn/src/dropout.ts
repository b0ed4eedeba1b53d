import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';
import { globalRng } from './random';

/** Inverted dropout: in training, zeroes each element with probability `rate` and scales the rest by 1/(1−rate). */
export class Dropout extends Module {
  constructor(readonly rate = 0.5) {
    super();
    if (!(rate >= 0 && rate < 1)) throw new Error(`Dropout: rate must be in [0, 1), got ${rate}`);
  }

  override forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.rate === 0) return tf.clone(x);
    return tf.dropout(x, this.rate, undefined, globalRng().nextInt(2 ** 31));
  }
}
