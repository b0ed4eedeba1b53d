import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { initBackend } from '@dyrep/backend';
import { relError } from './helpers/compare';
import { Prng, testSeed } from './helpers/prng';

/** A tiny conv net: conv3x3 -> relu -> conv3x3/2 -> relu -> depthwise3x3 -> mean -> dense. */
interface NetData {
  x: number[];
  labels: number[];
  weights: Record<string, { shape: number[]; values: number[] }>;
}

const SEED = testSeed(7);
const BATCH = 8;
const CLASSES = 4;

function makeData(rng: Prng): NetData {
  const w = (shape: number[], fanIn: number) => ({
    shape,
    values: rng.values(shape.reduce((a, b) => a * b, 1)).map((v) => v * Math.sqrt(3 / fanIn)),
  });
  return {
    x: rng.values(BATCH * 10 * 10 * 3),
    labels: Array.from({ length: BATCH }, () => rng.int(0, CLASSES - 1)),
    weights: {
      conv1: w([3, 3, 3, 8], 27),
      conv2: w([3, 3, 8, 12], 72),
      dw: w([3, 3, 12, 1], 9),
      fc: w([12, CLASSES], 12),
    },
  };
}

function loss(vars: Record<string, tf.Tensor>, x: tf.Tensor4D, y: tf.Tensor2D): tf.Scalar {
  let h = tf.relu(tf.conv2d(x, vars.conv1 as tf.Tensor4D, 1, 'same'));
  h = tf.relu(tf.conv2d(h, vars.conv2 as tf.Tensor4D, 2, 'same'));
  h = tf.relu(tf.depthwiseConv2d(h, vars.dw as tf.Tensor4D, 1, 'same'));
  const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
  const logits = tf.matMul(pooled, vars.fc as tf.Tensor2D);
  return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
}

/** Builds the net's variables and data on the active backend. */
function build(data: NetData) {
  const vars: Record<string, tf.Variable> = {};
  for (const [name, w] of Object.entries(data.weights)) vars[name] = tf.variable(tf.tensor(w.values, w.shape), true);
  const x = tf.tensor4d(data.x, [BATCH, 10, 10, 3]);
  const y = tf.oneHot(tf.tensor1d(data.labels, 'int32'), CLASSES).toFloat() as tf.Tensor2D;
  const dispose = () => tf.dispose([...Object.values(vars), x, y]);
  return { vars, x, y, dispose };
}

function gradsOnce(data: NetData): Record<string, Float32Array> {
  const net = build(data);
  const { grads, value } = tf.variableGrads(() => loss(net.vars, net.x, net.y), Object.values(net.vars));
  const out: Record<string, Float32Array> = {};
  for (const [name, v] of Object.entries(net.vars)) out[name] = grads[v.name].dataSync() as Float32Array;
  tf.dispose([...Object.values(grads), value]);
  net.dispose();
  return out;
}

describe(`training a small conv net (seed ${SEED})`, () => {
  const data = makeData(new Prng(SEED));

  it('trains on wasm with plain SGD: the loss goes down, no tensor leaks', async () => {
    await initBackend('wasm');
    const net = build(data);
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    const lr = 0.5;
    for (let step = 0; step < 40; step++) {
      const { value, grads } = tf.variableGrads(() => loss(net.vars, net.x, net.y), Object.values(net.vars));
      losses.push(value.dataSync()[0]);
      tf.tidy(() => {
        for (const v of Object.values(net.vars)) v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
      });
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).to.equal(before);
    net.dispose();
    expect(losses.every(Number.isFinite)).to.equal(true);
    if (process.env.DYREP_DEBUG) console.log(losses.map((l) => l.toFixed(3)).join(' '));
    expect(Math.min(...losses.slice(-10))).to.be.below(losses[0] * 0.75);
  });

  it('gives the same gradients on wasm as on cpu', async () => {
    await initBackend('cpu');
    const cpu = gradsOnce(data);
    await initBackend('wasm');
    const wasm = gradsOnce(data);
    for (const name of Object.keys(cpu)) {
      expect(relError(wasm[name], cpu[name]), name).to.be.at.most(1e-4);
    }
  });
});
