import * as tf from '@tensorflow/tfjs-core';
import { Prng } from './prng';

/** What {@link trainSteps} returns: the loss of every step and every weight after the last one. */
export interface TrainStepsResult {
  losses: number[];
  weights: Record<string, number[]>;
}

const BATCH = 16;
const SIZE = 16;
const CLASSES = 10;

/**
 * A few SGD steps of a conv net that touches every kernel family a training step here uses (3×3
 * conv, strided 1×1 conv, depthwise, batch-norm moments, max pool, mean, dense, softmax
 * cross-entropy), big enough that XNNPACK splits its convs across threads. Deterministic in `seed`.
 */
export function trainSteps(seed: number, steps: number): TrainStepsResult {
  const rng = new Prng(seed);
  const init = (shape: number[], fanIn: number) =>
    tf.variable(
      tf.tensor(
        rng.values(shape.reduce((a, b) => a * b, 1)).map((v) => v * Math.sqrt(3 / fanIn)),
        shape,
      ),
    );
  const vars: Record<string, tf.Variable> = {
    conv1: init([3, 3, 3, 32], 27),
    down: init([1, 1, 32, 48], 32),
    dw: init([3, 3, 48, 1], 9),
    gamma: tf.variable(tf.ones([48])),
    beta: tf.variable(tf.zeros([48])),
    fc: init([48, CLASSES], 48),
  };
  const x = tf.tensor4d(rng.values(BATCH * SIZE * SIZE * 3), [BATCH, SIZE, SIZE, 3]);
  const labels = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: BATCH }, () => rng.int(0, CLASSES - 1)),
      'int32',
    ),
    CLASSES,
  );
  const y = tf.cast(labels, 'float32');
  const loss = (): tf.Scalar => {
    let h: tf.Tensor4D = tf.relu(
      tf.conv2d(x, vars.conv1 as tf.Tensor4D, 1, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]),
    );
    h = tf.maxPool(h, 2, 2, 'valid');
    h = tf.conv2d(h as tf.Tensor4D, vars.down as tf.Tensor4D, 2, 'valid');
    h = tf.depthwiseConv2d(h, vars.dw as tf.Tensor4D, 1, 'same');
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    h = tf.relu(tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), vars.gamma), vars.beta)) as tf.Tensor4D;
    const logits = tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, vars.fc as tf.Tensor2D);
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  };
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const { value, grads } = tf.variableGrads(loss);
    losses.push(value.dataSync()[0]);
    tf.tidy(() => {
      for (const v of Object.values(vars)) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.1)));
    });
    tf.dispose([value, ...Object.values(grads)]);
  }
  const weights: Record<string, number[]> = {};
  for (const [name, v] of Object.entries(vars)) weights[name] = Array.from(v.dataSync());
  tf.dispose([...Object.values(vars), x, labels, y]);
  return { losses, weights };
}
