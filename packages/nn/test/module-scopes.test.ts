import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { BatchNorm2d, Conv2d, Dropout, GlobalAvgPool, Linear, ReLU, Sequential, manualSeed, withForwardHooks, withMode, type Module } from '@dyrep/nn';
import { useBackend } from '@dyrep/test-utils';

/** A net with a conv → BN pair, a grouped conv, dropout and a linear head; `extra` holds a field referencing a child. */
class Net extends Sequential {
  readonly head: Linear;
  readonly layout: { convs: Conv2d[]; meta: { name: string } };
  constructor(cin: number, width: number, groups: number) {
    super({
      conv: new Conv2d({ inChannels: cin, outChannels: width, kernelSize: 3, padding: 1 }),
      bn: new BatchNorm2d(width),
      relu: new ReLU(),
      grouped: new Conv2d({ inChannels: width, outChannels: width, kernelSize: 3, stride: 2, padding: 1, groups, bias: true }),
      drop: new Dropout(0.5),
      pool: new GlobalAvgPool(),
      fc: new Linear(width, 3),
    });
    this.head = this.getModule('fc') as Linear;
    this.layout = { convs: [this.getModule('conv') as Conv2d, this.getModule('grouped') as Conv2d], meta: Object.freeze({ name: 'net' }) };
  }
}

function randomizeBn(bn: BatchNorm2d, seed: number): void {
  tf.tidy(() => {
    const n = bn.numFeatures;
    bn.weight.assign(tf.randomUniform([n], 0.5, 1.5, 'float32', seed));
    bn.bias.assign(tf.randomUniform([n], -0.5, 0.5, 'float32', seed + 1));
    bn.runningMean.assign(tf.randomUniform([n], -0.5, 0.5, 'float32', seed + 2));
    bn.runningVar.assign(tf.randomUniform([n], 0.5, 2, 'float32', seed + 3));
  });
}

const evalOut = (m: Module, x: tf.Tensor) => withMode(m, 'eval', () => tf.tidy(() => m.forward(x)));

describe('Module.clone, forward hooks and withMode', () => {
  useBackend('wasm');

  it('clone() copies structure, values and modes exactly, and the copies are independent', () => {
    for (const [seed, cin, width, groups] of [
      [1, 1, 4, 1],
      [2, 3, 8, 4],
      [3, 2, 6, 6],
    ]) {
      manualSeed(seed);
      const net = new Net(cin, width, groups);
      randomizeBn(net.getModule('bn') as BatchNorm2d, seed * 10);
      net.getModule('drop').train(false);
      const x = tf.randomNormal([2, 9, 7, cin], 0, 1, 'float32', seed);
      const n0 = tf.memory().numTensors;
      const copy = net.clone();
      expect(tf.memory().numTensors - n0, 'one new tensor per variable').to.equal(net.namedParameters().length + net.namedBuffers().length);
      expect(copy).to.be.instanceOf(Net);
      expect(copy.namedModules().map(([p, m]) => [p, m.constructor.name, m.training])).to.deep.equal(net.namedModules().map(([p, m]) => [p, m.constructor.name, m.training]));
      expect(copy.head).to.equal(copy.getModule('fc'));
      expect(copy.layout.convs[1]).to.equal(copy.getModule('grouped'));
      expect(copy.layout.meta).to.deep.equal(net.layout.meta);
      expect(Object.isFrozen(copy.layout.meta), 'frozen plain objects stay frozen').to.equal(true);
      const own = new Set(Object.values(net.stateDict()).map((v) => v.name));
      for (const [path, v] of Object.entries(copy.stateDict())) {
        expect(own.has(v.name), `${path} has a new variable`).to.equal(false);
        expect(v.trainable).to.equal(net.stateDict()[path].trainable);
      }
      const a = evalOut(net, x);
      const b = evalOut(copy, x);
      expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).to.equal(0);
      // Editing the copy leaves the original alone; disposing the original leaves the copy usable.
      tf.tidy(() => (copy.getModule('conv') as Conv2d).weight.assign(tf.zerosLike((copy.getModule('conv') as Conv2d).weight)));
      const a2 = evalOut(net, x);
      expect(tf.max(tf.abs(tf.sub(a, a2))).dataSync()[0]).to.equal(0);
      net.dispose();
      const b2 = evalOut(copy, x);
      expect(b2.shape).to.deep.equal([2, 3]);
      copy.dispose();
      tf.dispose([a, b, a2, b2, x]);
    }
  });

  it('clone() leaves no tensor behind once both trees are disposed', () => {
    const n0 = tf.memory().numTensors;
    const net = new Net(2, 4, 2);
    const copy = net.clone();
    net.dispose();
    copy.dispose();
    expect(tf.memory().numTensors).to.equal(n0);
  });

  it('forward hooks see every call with its input and output, in order, and can be removed', () => {
    const net = new Net(1, 4, 1);
    const seen: string[] = [];
    const conv = net.getModule('conv');
    const removePre = conv.registerForwardPreHook((m, x) => seen.push(`pre ${m.constructor.name} [${x.shape}]`));
    const removePost = conv.registerForwardHook((m, x, y) => seen.push(`post ${m.constructor.name} [${x.shape}] → [${y.shape}]`));
    const x = tf.zeros([2, 5, 5, 1]);
    tf.tidy(() => net.forward(x));
    expect(seen).to.deep.equal(['pre Conv2d [2,5,5,1]', 'post Conv2d [2,5,5,1] → [2,5,5,4]']);
    removePre();
    removePost();
    removePost();
    tf.tidy(() => net.forward(x));
    expect(seen).to.have.length(2);
    const copy = net.clone();
    const copyCalls: string[] = [];
    copy.getModule('conv').registerForwardHook((m) => copyCalls.push(m.constructor.name));
    tf.tidy(() => copy.forward(x));
    expect(copyCalls, "a clone's hooks are its own").to.deep.equal(['Conv2d']);
    expect(seen).to.have.length(2);
    copy.dispose();
    x.dispose();
    net.dispose();
  });

  it('hooks are not copied by clone(), and forward cannot be patched', () => {
    const net = new Net(1, 4, 1);
    let calls = 0;
    net.getModule('conv').registerForwardHook(() => calls++);
    const copy = net.clone();
    tf.tidy(() => copy.forward(tf.zeros([1, 4, 4, 1])));
    expect(calls).to.equal(0);
    expect(() => {
      (net as { forward: unknown }).forward = () => null;
    }).to.throw(TypeError);
    net.dispose();
    copy.dispose();
  });

  it('withForwardHooks records the tree with paths (children complete first) and cleans up on throw', () => {
    const net = new Net(1, 4, 1);
    const order: string[] = [];
    withForwardHooks(net, { before: (p) => order.push(`>${p}`), after: (p) => order.push(`<${p}`) }, () => tf.tidy(() => net.forward(tf.zeros([1, 4, 4, 1]))));
    expect(order.slice(0, 5)).to.deep.equal(['>', '>conv', '<conv', '>bn', '<bn']);
    expect(order[order.length - 1]).to.equal('<');
    const count = order.length;
    expect(() =>
      withForwardHooks(net, { after: (p) => order.push(p) }, () => {
        throw new Error('boom');
      }),
    ).to.throw('boom');
    tf.tidy(() => net.forward(tf.zeros([1, 4, 4, 1])));
    expect(order).to.have.length(count);
    net.dispose();
  });

  it('withMode sets a mode for the scope and restores each module, also on throw, async rejection and nesting', async () => {
    const net = new Net(1, 4, 1);
    net.getModule('bn').train(false);
    const modes = () => net.namedModules().map(([, m]) => m.training);
    const original = modes();
    const r = withMode(net, 'eval', () => {
      expect(modes().every((t) => !t)).to.equal(true);
      withMode(net.getModule('bn'), 'train', () => {
        expect(net.getModule('bn').training).to.equal(true);
        expect(net.getModule('conv').training).to.equal(false);
      });
      expect(modes().every((t) => !t)).to.equal(true);
      return 7;
    });
    expect(r).to.equal(7);
    expect(modes()).to.deep.equal(original);
    expect(() =>
      withMode(net, 'eval', () => {
        throw new Error('inside');
      }),
    ).to.throw('inside');
    expect(modes()).to.deep.equal(original);
    let error: unknown;
    try {
      await withMode(net, 'eval', async () => {
        await Promise.resolve();
        expect(net.training).to.equal(false);
        throw new Error('async');
      });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.equal('async');
    expect(modes()).to.deep.equal(original);
    expect(await withMode([net, net.getModule('conv')], 'train', async () => modes().every((t) => t))).to.equal(true);
    expect(modes()).to.deep.equal(original);
    net.dispose();
  });

  it('withMode and forward hooks leave tensor counts unchanged', () => {
    const net = new Net(1, 4, 1);
    const x = tf.zeros([1, 4, 4, 1]);
    const n0 = tf.memory().numTensors;
    withMode(net, 'eval', () => withForwardHooks(net, { after: () => undefined }, () => tf.tidy(() => net.forward(x)).dispose()));
    expect(tf.memory().numTensors).to.equal(n0);
    x.dispose();
    net.dispose();
  });
});
