import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';
import { uniformInit } from './init';

/** Fully connected layer `y = x·W + b` with `weight [in, out]` and `bias [out]`, PyTorch's default init U(±1/√in). */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(inFeatures: number, outFeatures: number, options: { bias?: boolean } = {}) {
    super();
    for (const v of [inFeatures, outFeatures]) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`Linear: feature counts must be positive integers, got ${inFeatures}→${outFeatures}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.registerParameter('weight', uniformInit([inFeatures, outFeatures], bound));
    this.bias = options.bias === false ? null : this.registerParameter('bias', uniformInit([outFeatures], bound));
  }

  override forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new Error(`Linear: expected input [N, ${this.inFeatures}], got [${x.shape}]`);
    }
    return tf.tidy(() => {
      const y = tf.matMul(x as tf.Tensor2D, this.weight as tf.Tensor2D);
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }

  override flops(): number {
    return this.inFeatures * this.outFeatures;
  }
}
