import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { Rng, manualSeed } from '@dyrep/nn';
import { createModel, type ImageModel } from '@dyrep/models';
import { growAt, listGrowableConvs, listRepBlocks } from '@dyrep/rep-blocks';
import { deploy } from '@dyrep/exporter';
import { useBackend, expectNoLeak, randomizeBatchNorms } from '@dyrep/test-utils';
import { loadPretrained, parseSafetensors, readFloat32, toTorchSafetensors, torchStateDict } from '@dyrep/weights';
import { CASES, fixture, io, relativeDiff, type FixtureCase } from './fixtures';

const BASE = CASES.filter((c) => c.name === `${c.model}-${c.model === 'vgg16_bn' ? 32 : 64}`);
/** Architectures whose PyTorch structure is ours one-to-one; timm's RepVGG has three branches per conv. */
const ONE_TO_ONE = (model: string) => model !== 'repvgg_a0';

function loaded(c: FixtureCase): ImageModel {
  const model = createModel(c.model, { width: c.width, numClasses: c.numClasses, inChannels: c.inChannels, stem: 'imagenet' });
  loadPretrained(model, fixture(c.weights), { architecture: c.model });
  return model;
}

/** Logits of `model` and of a fresh plain model loaded from `model`'s safetensors export. */
function viaExport(model: ImageModel, c: FixtureCase, x: tf.Tensor): [Float32Array, Float32Array] {
  const bytes = toTorchSafetensors(model, { architecture: c.model, normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } });
  const fresh = createModel(c.model, { width: c.width, numClasses: c.numClasses, inChannels: c.inChannels, stem: 'imagenet' });
  const report = loadPretrained(fresh, bytes, { architecture: c.model, source: 'export.safetensors' });
  expect(report.normalization).to.deep.equal({ mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
  const a = tf.tidy(() => model.eval().forward(x).dataSync() as Float32Array);
  const b = tf.tidy(() => fresh.eval().forward(x).dataSync() as Float32Array);
  fresh.dispose();
  return [a, b];
}

describe('torchStateDict / toTorchSafetensors: the deployed network in PyTorch naming and layout', () => {
  useBackend('wasm');
  before(() => manualSeed(11));

  for (const c of BASE) {
    it(`${c.model}: re-exporting a PyTorch checkpoint gives back its ${ONE_TO_ONE(c.model) ? 'tensors bit for bit' : 'keys and shapes, and its logits'}, no leak`, async () => {
      const model = loaded(c);
      const original = fixture(c.weights);
      const state = await expectNoLeak(() => torchStateDict(model, c.model), 'torchStateDict');
      expect([...state.keys()].sort()).to.deep.equal([...original.tensors.keys()].sort());
      for (const [key, t] of state) {
        expect(t.shape, key).to.deep.equal(original.tensors.get(key)!.shape);
        if (key.endsWith('num_batches_tracked') || !ONE_TO_ONE(c.model)) continue;
        expect(Array.from(t.values), key).to.deep.equal(Array.from(readFloat32(original, key)));
      }
      if (!ONE_TO_ONE(c.model)) {
        const { x, logits } = io(c);
        const [, reloaded] = viaExport(model, c, x);
        expect(relativeDiff(reloaded, logits), 'reloaded export vs PyTorch').to.be.below(1e-4);
        x.dispose();
      }
      model.dispose();
    });

    it(`${c.model}: grown (rep-blocks with random BN statistics), then exported, gives the grown model's logits`, () => {
      const model = loaded(c);
      const rng = new Rng(c.width * 1000 + c.numClasses);
      for (const path of listGrowableConvs(model)
        .filter((_, i) => i % 3 === 0)
        .map((c) => c.path))
        growAt(model, path, { rng });
      growAt(model, listRepBlocks(model)[0].path + '.kxk.conv', { rng });
      randomizeBatchNorms(model, rng);
      expect(listRepBlocks(model).length).to.be.greaterThan(2);
      const x = tf.randomNormal([2, c.size, c.size, 3], 0, 1, 'float32', 4);
      const [a, b] = viaExport(model, c, x);
      expect(relativeDiff(b, a)).to.be.below(1e-4);
      x.dispose();
      model.dispose();
    });

    it(`${c.model}: a deployed model with BNs folded into the convs exports as neutral BNs, same logits`, () => {
      const model = loaded(c);
      growAt(model, listGrowableConvs(model)[1].path, { rng: new Rng(2) });
      randomizeBatchNorms(model, new Rng(3));
      const deployed = deploy(model, { inputShape: [1, c.size, c.size, 3] }) as ImageModel;
      const x = tf.randomNormal([2, c.size, c.size, 3], 0, 1, 'float32', 6);
      const [a, b] = viaExport(deployed, c, x);
      const [reference] = viaExport(model, c, x);
      expect(relativeDiff(b, a)).to.be.below(1e-4);
      expect(relativeDiff(b, reference)).to.be.below(1e-4);
      x.dispose();
      deployed.dispose();
      model.dispose();
    });
  }

  it('writes the format, architecture and normalisation metadata', () => {
    const c = BASE[0];
    const model = loaded(c);
    const f = parseSafetensors(toTorchSafetensors(model, { architecture: c.model, normalization: { mean: [0.1, 0.2, 0.3], std: [1, 2, 3] } }));
    expect(f.metadata).to.deep.equal({
      format: 'pt',
      'dyrep.architecture': c.model,
      'dyrep.model-options': JSON.stringify({ numClasses: c.numClasses, inChannels: 3, width: c.width, stem: 'imagenet' }),
      'dyrep.normalization': '{"mean":[0.1,0.2,0.3],"std":[1,2,3]}',
    });
    model.dispose();
  });

  it('refuses a model without a PyTorch mapping, naming the ones that have one', () => {
    const m = createModel('vgg16', { width: 0.125, numClasses: 2 });
    expect(() => torchStateDict(m, 'vgg16')).to.throw(/no PyTorch mapping for model 'vgg16'; models with one: mobilenet_v1, repvgg_a0, resnet18, resnet34, resnet50, vgg16_bn$/);
    m.dispose();
  });
});
