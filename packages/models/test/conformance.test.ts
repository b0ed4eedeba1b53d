// Registry-driven conformance: every (model, stem) pair from listModels() gets the same checks,
// so a newly registered model is tested without touching this file.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { Conv2d, manualSeed } from '@dyrep/nn';
import { useBackend, expectNoLeak, maxAbsDiff } from '@dyrep/test-utils';
import { createModel, getModelInfo, listModels, type ImageModel, type StemType } from '@dyrep/models';
import { listGrowableConvs } from '@dyrep/rep-blocks';

const growableConvPaths = (model: ImageModel): string[] => listGrowableConvs(model).map((c) => c.path);

const WIDTH = 0.125;
const NUM_CLASSES = 7;
const BATCH = 2;

function setup(stem: StemType): { inChannels: number; size: number } {
  // CIFAR stems run as Fashion-MNIST-like 1-channel 32×32, ImageNet stems as RGB 64×64.
  return stem === 'cifar' ? { inChannels: 1, size: 32 } : { inChannels: 3, size: 64 };
}

function build(name: string, stem: StemType): ImageModel {
  const { inChannels, size } = setup(stem);
  return createModel(name, { width: WIDTH, numClasses: NUM_CLASSES, inChannels, stem, inputSize: size });
}

function input(stem: StemType, seed = 1): tf.Tensor4D {
  const { inChannels, size } = setup(stem);
  return tf.randomNormal([BATCH, size, size, inChannels], 0, 1, 'float32', seed);
}

/** A copy of `conv` with the same geometry and the given kernel/bias values (cloned). */
function convLike(conv: Conv2d, weight: tf.Tensor4D, bias: tf.Tensor1D | null): Conv2d {
  return new Conv2d({
    inChannels: conv.inChannels,
    outChannels: conv.outChannels,
    kernelSize: conv.kernelSize,
    stride: conv.stride,
    padding: conv.padding,
    dilation: conv.dilation,
    groups: conv.groups,
    weight: tf.clone(weight),
    ...(bias ? { biasValue: tf.clone(bias) } : {}),
  });
}

describe('models conformance (registry-driven)', () => {
  useBackend('wasm');
  before(() => manualSeed(42));

  for (const name of listModels()) {
    for (const stem of getModelInfo(name).stems) {
      describe(`${name} (stem ${stem})`, () => {
        it('outputs [N, numClasses] in train and eval mode and leaks nothing', async () => {
          const x = input(stem);
          await expectNoLeak(() => {
            const model = build(name, stem);
            for (const mode of ['train', 'eval'] as const) {
              if (mode === 'eval') model.eval();
              const y = model.forward(x);
              expect(y.shape, mode).to.deep.equal([BATCH, NUM_CLASSES]);
              expect(Array.from(y.dataSync()).every(Number.isFinite), `${mode} output is finite`).to.equal(true);
              y.dispose();
            }
            model.dispose();
          }, `${name} build/forward/dispose`);
          x.dispose();
        });

        it('backpropagates to every parameter without leaking', async () => {
          const model = build(name, stem);
          const x = input(stem);
          const target = tf.randomNormal([BATCH, NUM_CLASSES], 0, 1, 'float32', 7);
          const params = model.parameters();
          expect(params.length).to.be.greaterThan(0);
          await expectNoLeak(() => {
            const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.forward(x), target)) as tf.Scalar, params);
            const byPath = new Map(model.namedParameters().map(([p, v]) => [v.name, p]));
            const dead: string[] = [];
            for (const v of params) {
              const g = grads[v.name];
              expect(g, `gradient of ${byPath.get(v.name)}`).to.not.equal(undefined);
              expect(g.shape).to.deep.equal(v.shape);
              const absMax = tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]);
              if (!(absMax > 0)) dead.push(byPath.get(v.name)!);
            }
            expect(dead, 'parameters with an all-zero gradient').to.deep.equal([]);
            value.dispose();
            tf.dispose(grads);
          }, `${name} forward/backward`);
          x.dispose();
          target.dispose();
          model.dispose();
        });

        it('featureInfo matches the shapes of forwardFeatures', () =>
          expectNoLeak(() => {
            const model = build(name, stem);
            model.eval();
            const { size } = setup(stem);
            const x = input(stem);
            const info = model.featureInfo;
            expect(info.length).to.be.greaterThan(0);
            const feats = model.forwardFeatures(x);
            expect(feats.length).to.equal(info.length);
            let prev = 0;
            feats.forEach((f, i) => {
              const side = Math.ceil(size / info[i].reduction);
              expect(f.shape, `stage ${i} (${info[i].module})`).to.deep.equal([BATCH, side, side, info[i].channels]);
              expect(info[i].reduction).to.be.at.least(prev);
              prev = info[i].reduction;
              expect(() => model.getModule(info[i].module)).to.not.throw();
            });
            expect(info[info.length - 1].channels).to.equal(model.numFeatures);
            // A subset in a chosen order gives the same maps as the full run.
            const last = info.length - 1;
            const sub = model.forwardFeatures(x, [last, 0, 0]);
            expect(maxAbsDiff(sub[0], feats[last])).to.equal(0);
            expect(maxAbsDiff(sub[1], feats[0])).to.equal(0);
            expect(sub[2]).to.not.equal(sub[1]);
            expect(() => model.forwardFeatures(x, [info.length])).to.throw(/stage .* does not exist/);
            tf.dispose([...feats, ...sub, x]);
            model.dispose();
          }, `${name} featureInfo`));

        it('exposes every growable conv as a Conv2d child at a stable path', () => {
          const model = build(name, stem);
          const paths = growableConvPaths(model);
          expect(paths.length).to.be.greaterThan(0);
          const again = build(name, stem);
          expect(growableConvPaths(again)).to.deep.equal(paths);
          again.dispose();
          for (const p of paths) {
            const m = model.getModule(p);
            expect(m, p).to.be.instanceOf(Conv2d);
            const c = m as Conv2d;
            expect(c.kernelSize[0]).to.equal(c.kernelSize[1]);
            expect(c.kernelSize[0]).to.be.greaterThan(1);
          }
          model.dispose();
        });

        it('runs every growable conv through the module tree (setModule takes effect)', () =>
          expectNoLeak(() => {
            // Training mode: BN normalises with batch statistics, so a zeroed conv gives a visibly
            // different output even where eval-mode activations at init are tiny.
            const model = build(name, stem);
            // Dropout (vgg16_bn's classifier) draws from the global seed: reseed so forwards are comparable.
            const forward = (t: tf.Tensor) => {
              manualSeed(5);
              return model.forward(t);
            };
            const x = input(stem);
            const base = forward(x);
            const scale = tf.tidy(() => tf.max(tf.abs(base)).dataSync()[0]);
            const paths = growableConvPaths(model);
            // Equivalent replacements everywhere: output unchanged.
            const originals = paths.map((p) => {
              const c = model.getModule(p) as Conv2d;
              return model.setModule(p, convLike(c, c.weight as tf.Tensor4D, c.bias as tf.Tensor1D | null)) as Conv2d;
            });
            const same = forward(x);
            expect(maxAbsDiff(same, base), 'equivalent convs change the output').to.be.at.most(1e-5 * scale);
            // Each conv, zeroed on its own: the output must change, so the forward reads the tree.
            const ignored: string[] = [];
            paths.forEach((p) => {
              const c = model.getModule(p) as Conv2d;
              const zero = tf.zerosLike(c.weight) as tf.Tensor4D;
              const old = model.setModule(p, convLike(c, zero, null));
              zero.dispose();
              const y = forward(x);
              if (maxAbsDiff(y, base) < 1e-3 * scale) ignored.push(p);
              y.dispose();
              model.setModule(p, old).dispose();
            });
            expect(ignored, 'convs whose replacement did not affect the output').to.deep.equal([]);
            originals.forEach((c) => c.dispose());
            tf.dispose([base, same, x]);
            model.dispose();
          }, `${name} setModule swaps`));

        it('rejects input with the wrong channel count or rank', () => {
          const model = build(name, stem);
          const { inChannels, size } = setup(stem);
          const bad = tf.zeros([1, size, size, inChannels + 1]);
          expect(() => model.forward(bad)).to.throw(/channels/);
          const flat = tf.zeros([size, size, inChannels]);
          expect(() => model.forward(flat)).to.throw(/NHWC/);
          tf.dispose([bad, flat]);
          model.dispose();
        });
      });
    }
  }
});
