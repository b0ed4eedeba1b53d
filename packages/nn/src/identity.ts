import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';

/** Returns its input unchanged (a placeholder where a layer is optional). */
export class Identity extends Module {
  override forward(x: tf.Tensor): tf.Tensor {
    return tf.clone(x);
  }
}
