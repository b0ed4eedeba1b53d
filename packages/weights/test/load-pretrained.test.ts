import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { manualSeed } from '@dyrep/nn';
import { createModel, type ImageModel } from '@dyrep/models';
import { useBackend, expectNoLeak } from '@dyrep/test-utils';
import { encodeSafetensors, IMAGENET_NORMALIZATION, loadPretrained, readFloat32, WeightsError, type TensorToWrite } from '@dyrep/weights';
import { CASES, fixture, fixtureBytes, io, relativeDiff, type FixtureCase } from './fixtures';

function build(c: Pick<FixtureCase, 'model' | 'width' | 'numClasses' | 'inChannels'>, overrides: { numClasses?: number; inChannels?: number } = {}): ImageModel {
  return createModel(c.model, { width: c.width, numClasses: overrides.numClasses ?? c.numClasses, inChannels: overrides.inChannels ?? c.inChannels, stem: 'imagenet' });
}

function snapshot(model: ImageModel): Map<string, Float32Array> {
  return new Map(Object.entries(model.stateDict()).map(([k, v]) => [k, Float32Array.from(v.dataSync())]));
}

function expectUnchanged(model: ImageModel, before: Map<string, Float32Array>): void {
  for (const [k, v] of Object.entries(model.stateDict())) expect(Array.from(v.dataSync()), k).to.deep.equal(Array.from(before.get(k)!));
}

function errorOf(fn: () => unknown): WeightsError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(WeightsError);
    return e as WeightsError;
  }
  throw new Error('expected a WeightsError');
}

describe('loadPretrained: PyTorch-made checkpoints give PyTorch logits', () => {
  useBackend('wasm');
  before(() => manualSeed(3));

  for (const c of CASES) {
    it(`${c.name}: eval logits within 1e-4 relative of PyTorch's, no leak`, async () => {
      const { x, logits } = io(c);
      await expectNoLeak(() => {
        const model = build(c);
        const report = loadPretrained(model, fixtureBytes(c.weights), { architecture: c.model, source: c.weights, adaptStem: c.adaptStem });
        expect(report.loaded.length).to.equal(Object.keys(model.stateDict()).length);
        expect(report.unused.every((k) => k.endsWith('.num_batches_tracked'))).to.equal(true);
        if (c.adaptStem) expect(report.adaptedStem).to.deep.equal({ from: 3, to: c.inChannels });
        const y = model.eval().forward(x);
        const rel = relativeDiff(y.dataSync(), logits);
        y.dispose();
        model.dispose();
        expect(rel, `${c.name} max rel |Δ|`).to.be.below(1e-4);
      }, c.name);
      x.dispose();
    });
  }

  it('a grey image replicated to RGB gives the 3-channel logits after adapting the stem to 1 channel', () => {
    const c = CASES.find((k) => k.name === 'resnet18-64')!;
    const rgb = build(c);
    const grey = build(c, { inChannels: 1 });
    loadPretrained(rgb, fixtureBytes(c.weights), { architecture: c.model });
    const report = loadPretrained(grey, fixtureBytes(c.weights), { architecture: c.model, adaptStem: true });
    const g = tf.randomNormal([2, 64, 64, 1], 0, 1, 'float32', 5);
    const [a, b] = tf.tidy(() => [rgb.eval().forward(tf.concat([g, g, g], 3)), grey.eval().forward(g)]);
    expect(relativeDiff(b.dataSync(), a.dataSync())).to.be.below(1e-5);
    expect(report.normalization.mean).to.have.length(1);
    expect(report.normalization.mean[0]).to.be.closeTo((0.485 + 0.456 + 0.406) / 3, 1e-12);
    tf.dispose([g, a, b]);
    rgb.dispose();
    grey.dispose();
  });

  it('reports the ImageNet normalisation for a torchvision file without dyrep metadata', () => {
    const c = CASES[0];
    const model = build(c);
    const report = loadPretrained(model, fixture(c.weights), { architecture: c.model });
    expect(report.normalization).to.deep.equal({ mean: [...IMAGENET_NORMALIZATION.mean], std: [...IMAGENET_NORMALIZATION.std] });
    model.dispose();
  });

  it('--reset-head keeps the model classifier and loads everything else', () => {
    const c = CASES.find((k) => k.name === 'resnet18-64')!;
    const model = build(c, { numClasses: 3 });
    const before = snapshot(model);
    const report = loadPretrained(model, fixture(c.weights), { architecture: c.model, resetHead: true });
    expect(report.reset.sort()).to.deep.equal(['fc.bias', 'fc.weight']);
    expect(report.unused).to.include.members(['fc.weight', 'fc.bias']);
    expect(Array.from(model.stateDict()['fc.weight'].dataSync())).to.deep.equal(Array.from(before.get('fc.weight')!));
    expect(Array.from(model.stateDict()['conv1.weight'].dataSync())).to.not.deep.equal(Array.from(before.get('conv1.weight')!));
    model.dispose();
  });

  it('another class count without --reset-head: one line naming the file, the key and the fix; nothing written', () => {
    const c = CASES.find((k) => k.name === 'resnet18-64')!;
    const model = build(c, { numClasses: 3 });
    const before = snapshot(model);
    const e = errorOf(() => loadPretrained(model, fixtureBytes(c.weights), { architecture: c.model, source: 'r18.safetensors' }));
    expect(e.message).to.match(/^r18\.safetensors: does not fit resnet18 \(torchvision naming/);
    expect(e.message).to.contain('fc.weight is [5,32] in the file, the model needs [3,32]').and.contain('--reset-head');
    expect(e.message).to.not.contain('\n');
    expectUnchanged(model, before);
    model.dispose();
  });

  it('another input channel count without --adapt-stem names the stem and the flag', () => {
    const c = CASES.find((k) => k.name === 'resnet18-64')!;
    const model = build(c, { inChannels: 1 });
    const e = errorOf(() => loadPretrained(model, fixtureBytes(c.weights), { architecture: c.model, source: 'r18.safetensors' }));
    expect(e.message).to.contain('conv1.weight is [4,3,7,7] in the file, the model needs [4,1,7,7]').and.contain('--adapt-stem');
    model.dispose();
  });

  it('wrong architecture: one line listing missing, unexpected and mismatched keys; nothing written', () => {
    const r18 = CASES.find((k) => k.model === 'resnet18')!;
    const model = createModel('resnet34', { width: r18.width, numClasses: r18.numClasses, stem: 'imagenet' });
    const before = snapshot(model as ImageModel);
    const e = errorOf(() => loadPretrained(model, fixtureBytes(r18.weights), { architecture: 'resnet34', source: 'resnet18.safetensors' }));
    expect(e.message).to.match(/^resnet18\.safetensors: does not fit resnet34 .*: \d+ missing \(layer1\.2\.conv1\.weight \[4,4,3,3\], /);
    expect(e.message).to.not.contain('\n');
    expectUnchanged(model as ImageModel, before);
    model.dispose();
    const vgg = CASES.find((k) => k.model === 'vgg16_bn')!;
    const r = build(r18);
    const e2 = errorOf(() => loadPretrained(r, fixtureBytes(vgg.weights), { architecture: 'resnet18', source: 'vgg.safetensors' }));
    expect(e2.message).to.match(/: \d+ missing \(conv1\.weight \[4,3,7,7\], .*\); \d+ unexpected \(classifier\.0\.bias, /);
    r.dispose();
  });

  it('a weight stored as an integer dtype is refused with its key and dtype', () => {
    const c = CASES.find((k) => k.name === 'resnet18-64')!;
    const f = fixture(c.weights);
    const tensors = new Map<string, TensorToWrite>();
    for (const [k, t] of f.tensors) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      tensors.set(
        k,
        k === 'bn1.running_var'
          ? { dtype: 'I64', shape: t.shape, values: new Array(n).fill(1) }
          : { dtype: t.dtype === 'I64' ? 'I64' : 'F32', shape: t.shape, values: t.dtype === 'I64' ? [0] : new Float32Array(n) },
      );
    }
    const model = build(c);
    const e = errorOf(() => loadPretrained(model, encodeSafetensors(tensors), { architecture: c.model, source: 'int.safetensors' }));
    expect(e.message).to.contain('1 not float (bn1.running_var (I64)');
    model.dispose();
  });
});

describe("loadPretrained: timm's RepVGG blocks (three branches fused into our conv + BN)", () => {
  useBackend('wasm');
  const c = CASES.find((k) => k.name === 'repvgg_a0-64')!;

  /** The fixture's tensors with `edit` applied (return null to drop a key). */
  function edited(edit: (key: string, t: TensorToWrite) => TensorToWrite | null): Uint8Array {
    const f = fixture(c.weights);
    const tensors = new Map<string, TensorToWrite>();
    for (const [k, t] of f.tensors) {
      const values = t.dtype === 'I64' ? [0] : readFloat32(f, k);
      const e = edit(k, { dtype: t.dtype === 'I64' ? 'I64' : 'F32', shape: t.shape, values });
      if (e) tensors.set(k, e);
    }
    return encodeSafetensors(tensors);
  }

  it("the fused BN carries the fused conv's statistics (recomputed from the file's three branch BNs) and the summed shift", () => {
    const model = build(c);
    loadPretrained(model, fixtureBytes(c.weights), { architecture: c.model });
    const f = fixture(c.weights);
    const bn = model.getModule('stage1.1.bn') as unknown as Record<'weight' | 'bias' | 'runningMean' | 'runningVar', tf.Variable>;
    const [gamma, beta, mean, variance] = [bn.weight, bn.bias, bn.runningMean, bn.runningVar].map((v) => v.dataSync());
    const branches = ['stages.0.1.conv_kxk.bn', 'stages.0.1.conv_1x1.bn', 'stages.0.1.identity'];
    for (let ch = 0; ch < gamma.length; ch++) {
      let mu = 0;
      let v = 0;
      let shift = 0;
      for (const b of branches) {
        const a = readFloat32(f, `${b}.weight`)[ch] / Math.sqrt(readFloat32(f, `${b}.running_var`)[ch] + 1e-5);
        mu += a * readFloat32(f, `${b}.running_mean`)[ch];
        v += a * a * readFloat32(f, `${b}.running_var`)[ch];
        shift += readFloat32(f, `${b}.bias`)[ch];
      }
      expect(mean[ch], `μ[${ch}]`).to.be.closeTo(mu, 1e-5 * (1 + Math.abs(mu)));
      expect(variance[ch], `var[${ch}]`).to.be.closeTo(v, 1e-5 * (1 + v));
      expect(gamma[ch], `γ[${ch}]`).to.be.closeTo(Math.sqrt(v + 1e-5), 1e-5);
      expect(beta[ch], `β[${ch}]`).to.be.closeTo(shift, 1e-5);
    }
    model.dispose();
  });

  it('--reset-head skips head.fc (timm naming) and loads the rest', () => {
    const model = build(c, { numClasses: 3 });
    const report = loadPretrained(model, fixtureBytes(c.weights), { architecture: c.model, resetHead: true });
    expect(report.reset.sort()).to.deep.equal(['linear.bias', 'linear.weight']);
    expect(report.unused).to.include.members(['head.fc.weight', 'head.fc.bias']);
    model.dispose();
  });

  it('an incomplete block, a branch of another shape, an identity branch timm does not have: one line each, nothing written', () => {
    const cases: [(key: string, t: TensorToWrite) => TensorToWrite | null, RegExp][] = [
      [
        (k, t) => (k === 'stages.0.1.conv_1x1.bn.running_var' ? null : t),
        /^bad\.safetensors: does not fit repvgg_a0 \(timm naming, like timm repvgg_a0\): 1 timm repvgg_a0 block\(s\) unreadable \(stages\.0\.1 is incomplete: no stages\.0\.1\.conv_1x1\.bn\.running_var\)$/,
      ],
      [
        (k, t) => (k === 'stages.1.2.conv_1x1.conv.weight' ? { ...t, shape: [6, 6, 3, 3], values: new Float32Array(324) } : t),
        /stages\.1\.2\.conv_1x1\.conv\.weight is \[6,6,3,3\], the block's kxk kernel \[6,6,3,3\] needs \[6,6,1,1\]/,
      ],
    ];
    const withIdentity = (() => {
      const f = fixture(c.weights);
      const tensors = new Map<string, TensorToWrite>();
      for (const [k, t] of f.tensors) tensors.set(k, { dtype: t.dtype === 'I64' ? 'I64' : 'F32', shape: t.shape, values: t.dtype === 'I64' ? [0] : readFloat32(f, k) });
      for (const leaf of ['weight', 'bias', 'running_mean', 'running_var']) tensors.set(`stages.1.0.identity.${leaf}`, { dtype: 'F32', shape: [6], values: new Float32Array(6).fill(1) });
      return encodeSafetensors(tensors);
    })();
    for (const [edit, message] of cases) {
      const model = build(c);
      const before = snapshot(model);
      const e = errorOf(() => loadPretrained(model, edited(edit), { architecture: c.model, source: 'bad.safetensors' }));
      expect(e.message, e.message).to.match(message);
      expect(e.message).to.not.contain('\n');
      expectUnchanged(model, before);
      model.dispose();
    }
    const model = build(c);
    const e = errorOf(() => loadPretrained(model, withIdentity, { architecture: c.model, source: 'bad.safetensors' }));
    expect(e.message).to.match(/: 4 unexpected \(stages\.1\.0\.identity\.weight, /);
    model.dispose();
  });

  it('a torchvision file for a timm model names the timm keys it lacks', () => {
    const model = build(c);
    const e = errorOf(() => loadPretrained(model, fixtureBytes('resnet18.safetensors'), { architecture: c.model, source: 'r18.safetensors' }));
    expect(e.message).to.match(
      /^r18\.safetensors: does not fit repvgg_a0 \(timm naming, like timm repvgg_a0\): \d+ missing \(stem\.conv_kxk\.conv\.weight \[3,3,3,3\], .*\); \d+ unexpected \(.*conv1\.weight, /,
    );
    model.dispose();
  });
});
