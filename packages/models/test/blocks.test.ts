// Residual blocks against an independent computation from their state dicts with raw tfjs ops.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { manualSeed, type Module } from '@dyrep/nn';
import { expectClose, useBackend } from '@dyrep/test-utils';
import { BasicBlock, Bottleneck } from '@dyrep/models';

type State = Record<string, tf.Tensor>;

function randomiseBn(m: Module, seed: number): void {
  let s = seed;
  for (const [path, v] of Object.entries(m.stateDict())) {
    if (path.endsWith('running_var')) v.assign(tf.randomUniform(v.shape, 0.5, 2, 'float32', s++));
    else if (/(bn\d|downsample\.1)\.(weight|bias|running_mean)$/.test(path)) v.assign(tf.randomNormal(v.shape, 0, 0.5, 'float32', s++));
  }
}

function conv(x: tf.Tensor4D, w: tf.Tensor, stride: number): tf.Tensor4D {
  const k = w.shape[0];
  const p = Math.floor(k / 2);
  return tf.conv2d(
    tf.pad(x, [
      [0, 0],
      [p, p],
      [p, p],
      [0, 0],
    ]),
    w as tf.Tensor4D,
    stride,
    'valid',
  );
}

function bn(x: tf.Tensor4D, sd: State, prefix: string): tf.Tensor4D {
  const g = sd[`${prefix}.weight`];
  const b = sd[`${prefix}.bias`];
  const mu = sd[`${prefix}.running_mean`];
  const v = sd[`${prefix}.running_var`];
  return tf.add(tf.mul(tf.div(tf.sub(x, mu), tf.sqrt(tf.add(v, 1e-5))), g), b) as tf.Tensor4D;
}

describe('residual blocks (eval, randomised BN statistics)', () => {
  useBackend('wasm');
  before(() => manualSeed(11));

  it('BasicBlock with a strided 1×1 shortcut computes relu(bn2(conv2(relu(bn1(conv1 x)))) + bn(conv x))', () => {
    const block = new BasicBlock(4, 6, 2).eval();
    randomiseBn(block, 100);
    const x = tf.randomNormal([2, 9, 9, 4], 0, 1, 'float32', 5) as tf.Tensor4D;
    const y = block.forward(x);
    const ref = tf.tidy(() => {
      const sd = block.stateDict();
      const main = bn(conv(tf.relu(bn(conv(x, sd['conv1.weight'], 2), sd, 'bn1')), sd['conv2.weight'], 1), sd, 'bn2');
      const short = bn(conv(x, sd['downsample.0.weight'], 2), sd, 'downsample.1');
      return tf.relu(tf.add(main, short));
    });
    expect(y.shape).to.deep.equal([2, 5, 5, 6]);
    expectClose(y, ref, 1e-5, 1e-5, 'BasicBlock');
    tf.dispose([x, y, ref]);
    block.dispose();
  });

  it('Bottleneck puts the stride on the 3×3 conv (ResNet v1.5) and expands 4×', () => {
    const block = new Bottleneck(8, 3, 2).eval();
    randomiseBn(block, 200);
    const x = tf.randomNormal([2, 8, 8, 8], 0, 1, 'float32', 6) as tf.Tensor4D;
    const y = block.forward(x);
    const ref = tf.tidy(() => {
      const sd = block.stateDict();
      let h = tf.relu(bn(conv(x, sd['conv1.weight'], 1), sd, 'bn1'));
      h = tf.relu(bn(conv(h, sd['conv2.weight'], 2), sd, 'bn2'));
      h = bn(conv(h, sd['conv3.weight'], 1), sd, 'bn3');
      return tf.relu(tf.add(h, bn(conv(x, sd['downsample.0.weight'], 2), sd, 'downsample.1')));
    });
    expect(y.shape).to.deep.equal([2, 4, 4, 12]);
    expect(block.getModule('conv2').constructor.name).to.equal('Conv2d');
    expectClose(y, ref, 1e-5, 1e-5, 'Bottleneck');
    tf.dispose([x, y, ref]);
    block.dispose();
  });

  it('identity shortcut when shape is kept (no downsample child)', () => {
    const block = new BasicBlock(5, 5, 1).eval();
    expect(block.namedChildren().map(([n]) => n)).to.deep.equal(['conv1', 'bn1', 'conv2', 'bn2']);
    randomiseBn(block, 300);
    const x = tf.randomNormal([1, 6, 6, 5], 0, 1, 'float32', 7) as tf.Tensor4D;
    const y = block.forward(x);
    const ref = tf.tidy(() => {
      const sd = block.stateDict();
      const main = bn(conv(tf.relu(bn(conv(x, sd['conv1.weight'], 1), sd, 'bn1')), sd['conv2.weight'], 1), sd, 'bn2');
      return tf.relu(tf.add(main, x));
    });
    expectClose(y, ref, 1e-5, 1e-5, 'identity BasicBlock');
    tf.dispose([x, y, ref]);
    block.dispose();
  });
});
