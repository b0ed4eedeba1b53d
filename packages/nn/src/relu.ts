import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';

/** Rectified linear unit, `max(x, 0)`. */
export class ReLU extends Module {
  override forward(x: tf.Tensor): tf.Tensor {
    return tf.relu(x);
  }
}
