import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { BatchNorm2d, Conv2d, GlobalAvgPool, Linear, ReLU, Sequential, StateDictError, countFlops, countParams, manualSeed } from '@dyrep/nn';
import { useBackend, expectNoLeak } from '@dyrep/test-utils';

function smallNet(): Sequential {
  return new Sequential({
    features: new Sequential(
      new Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1 }),
      new BatchNorm2d(8),
      new ReLU(),
      new Conv2d({ inChannels: 8, outChannels: 8, kernelSize: 3, stride: 2, padding: 1, groups: 8 }),
      new BatchNorm2d(8),
      new ReLU(),
    ),
    pool: new GlobalAvgPool(),
    fc: new Linear(8, 4),
  });
}

describe('Module tree', () => {
  useBackend('wasm');

  it('names parameters and buffers by dotted path', () => {
    const net = smallNet();
    expect(net.namedParameters().map(([p]) => p)).to.deep.equal([
      'features.0.weight',
      'features.1.weight',
      'features.1.bias',
      'features.3.weight',
      'features.4.weight',
      'features.4.bias',
      'fc.weight',
      'fc.bias',
    ]);
    expect(net.namedBuffers().map(([p]) => p)).to.deep.equal(['features.1.running_mean', 'features.1.running_var', 'features.4.running_mean', 'features.4.running_var']);
    expect(net.namedModules().map(([p]) => p)).to.include.members(['', 'features', 'features.3', 'fc']);
    net.dispose();
  });

  it('gets and replaces modules by path, with clear errors', () => {
    const net = smallNet();
    expect(net.getModule('features.3')).to.be.instanceOf(Conv2d);
    expect(() => net.getModule('features.9')).to.throw(/no module '9' under features/);
    net.eval();
    const replacement = new Conv2d({ inChannels: 8, outChannels: 8, kernelSize: 3, stride: 2, padding: 1, groups: 8, bias: true });
    const old = net.setModule('features.3', replacement);
    expect(replacement.training).to.equal(false);
    expect(net.getModule('features.3')).to.equal(replacement);
    expect(net.namedParameters().map(([p]) => p)).to.include('features.3.bias');
    old.dispose();
    expect(() => net.setModule('nope.x', replacement)).to.throw(/no module 'nope'/);
    net.dispose();
  });

  it('switches train/eval on the whole tree', () => {
    const net = smallNet();
    net.eval();
    expect(net.namedModules().every(([, m]) => !m.training)).to.equal(true);
    net.train();
    expect(net.namedModules().every(([, m]) => m.training)).to.equal(true);
    net.dispose();
  });

  it('round-trips a state dict and reports every mismatch', () => {
    manualSeed(1);
    const a = smallNet();
    manualSeed(2);
    const b = smallNet();
    const x = tf.randomNormal([2, 8, 8, 3]);
    a.eval();
    b.eval();
    b.loadStateDict(a.stateDict());
    const ya = tf.tidy(() => a.forward(x));
    const yb = tf.tidy(() => b.forward(x));
    expect(Array.from(yb.dataSync())).to.deep.equal(Array.from(ya.dataSync()));
    const state = { ...a.stateDict() } as Record<string, tf.Tensor>;
    delete state['fc.bias'];
    const wrong = tf.zeros([3, 3, 3, 5]);
    state['features.0.weight'] = wrong;
    state['extra.weight'] = wrong;
    try {
      b.loadStateDict(state);
      expect.fail('loadStateDict should throw');
    } catch (e) {
      expect(e).to.be.instanceOf(StateDictError);
      const problems = (e as StateDictError).problems.join('\n');
      expect(problems).to.match(/missing 'fc.bias'/);
      expect(problems).to.match(/'features.0.weight' has shape \[3,3,3,5\] but the model expects \[3,3,3,8\]/);
      expect(problems).to.match(/unexpected 'extra.weight'/);
    }
    tf.dispose([x, ya, yb, wrong]);
    a.dispose();
    b.dispose();
  });

  it('counts parameters and multiply-adds', () => {
    const net = smallNet();
    // conv 3·3·3·8 + bn 16 + dw 3·3·1·8 + bn 16 + fc 8·4+4
    expect(countParams(net)).to.equal(216 + 16 + 72 + 16 + 36);
    // conv: 8·8 positions · 8 out · 27; dw: 4·4 · 8 · 9; fc: 32
    expect(countFlops(net, [8, 8, 3])).to.equal(64 * 8 * 27 + 16 * 8 * 9 + 32);
    expect(net.training).to.equal(true);
    net.dispose();
  });

  it('trains: gradients reach every parameter, and nothing leaks across steps', async () => {
    const net = smallNet();
    const x = tf.randomNormal([4, 8, 8, 3]);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4);
    const loss = () => tf.losses.softmaxCrossEntropy(labels, net.forward(x) as tf.Tensor2D) as tf.Scalar;
    const { value, grads } = tf.variableGrads(loss, net.parameters());
    for (const [path, v] of net.namedParameters()) {
      const norm = tf.tidy(() => tf.sum(tf.abs(grads[v.name])).dataSync()[0]);
      expect(norm, `gradient of ${path}`).to.be.greaterThan(0);
    }
    tf.dispose([value, grads]);
    const losses: number[] = [];
    await expectNoLeak(() => {
      for (let step = 0; step < 15; step++) {
        const { value: l, grads: g } = tf.variableGrads(loss, net.parameters());
        losses.push(l.dataSync()[0]);
        tf.tidy(() => {
          for (const v of net.parameters()) v.assign(tf.sub(v, tf.mul(g[v.name], 0.1)));
        });
        tf.dispose([l, g]);
      }
    }, 'training steps');
    expect(losses[losses.length - 1]).to.be.lessThan(losses[0]);
    tf.dispose([x, labels]);
    net.dispose();
  });
});
