import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { countParams, manualSeed } from '@dyrep/nn';
import { useBackend, expectNoLeak } from '@dyrep/test-utils';
import { createModel, getModelInfo, listModels, registerModel, ImageModel, MobileNetV1, ResNet, Vgg, type ResolvedModelOptions } from '@dyrep/models';

const BUILTINS = ['mobilenet_v1', 'repvgg_a0', 'resnet18', 'resnet34', 'resnet50', 'vgg16', 'vgg16_bn'];

describe('model registry', () => {
  useBackend('wasm');
  before(() => manualSeed(3));

  it('lists the built-in models, sorted, with a wildcard filter', () => {
    expect(listModels()).to.include.members(BUILTINS);
    expect(listModels()).to.deep.equal([...listModels()].sort());
    expect(listModels('resnet*')).to.deep.equal(['resnet18', 'resnet34', 'resnet50']);
    expect(listModels('*vgg*')).to.deep.equal(['repvgg_a0', 'vgg16', 'vgg16_bn']);
    expect(listModels('nothing*')).to.deep.equal([]);
  });

  it('rejects an unknown name, listing the known ones', () => {
    expect(() => createModel('resnet19')).to.throw(/unknown model 'resnet19'; known models: .*resnet18.*vgg16/);
    expect(() => getModelInfo('nope')).to.throw(/known models: mobilenet_v1, repvgg_a0/);
  });

  it('rejects bad option values with clear messages, allocating nothing', async () => {
    const tiny = { width: 0.125 };
    await expectNoLeak(() => {
      expect(() => createModel('resnet18', { ...tiny, width: 0 })).to.throw(/resnet18: width must be a finite number > 0, got 0/);
      expect(() => createModel('resnet18', { ...tiny, width: -1 })).to.throw(/width must be/);
      expect(() => createModel('resnet18', { ...tiny, width: Number.NaN })).to.throw(/width must be/);
      expect(() => createModel('resnet18', { ...tiny, numClasses: 0 })).to.throw(/numClasses must be a positive integer, got 0/);
      expect(() => createModel('resnet18', { ...tiny, numClasses: 2.5 })).to.throw(/numClasses must be a positive integer/);
      expect(() => createModel('resnet18', { ...tiny, inChannels: -3 })).to.throw(/inChannels must be a positive integer/);
      expect(() => createModel('resnet18', { ...tiny, inputSize: 0 })).to.throw(/inputSize must be a positive integer/);
      expect(() => createModel('resnet18', { ...tiny, stem: 'tiny' as never })).to.throw(/stem must be one of 'cifar', 'imagenet', got "tiny"/);
      expect(() => createModel('vgg16', { ...tiny, stem: 'imagenet' })).to.throw(/vgg16: stem must be one of 'cifar'/);
      expect(() => createModel('resnet18', { ...tiny, widht: 2 } as never)).to.throw(/unknown option 'widht' \(valid options: numClasses/);
      expect(() => createModel('resnet18', { ...tiny, zeroInitResidual: 'yes' as never })).to.throw(/zeroInitResidual must be a boolean/);
    }, 'rejected options');
  });

  it('checks inputSize against the model minimum (VGG-16 needs 32×32)', async () => {
    await expectNoLeak(() => {
      expect(() => createModel('vgg16', { width: 0.125, inChannels: 1, inputSize: 28 })).to.throw(/vgg16: inputSize 28 is below the model's minimum 32/);
      createModel('vgg16', { width: 0.125, inChannels: 1, inputSize: 32 }).dispose();
      const m = createModel('vgg16', { width: 0.125, inChannels: 1 });
      const x = tf.zeros([1, 28, 28, 1]);
      expect(() => m.forward(x)).to.throw(/input 28×28 is smaller than the minimum 32×32/);
      x.dispose();
      m.dispose();
    }, 'inputSize checks');
  });

  it('reports defaults and stems; defaults reproduce the published configurations', () => {
    expect(getModelInfo('vgg16')).to.deep.include({ name: 'vgg16', stems: ['cifar'], builtin: true });
    expect(getModelInfo('vgg16').defaults).to.deep.equal({ numClasses: 10, inChannels: 3, width: 1, stem: 'cifar', zeroInitResidual: false });
    expect(getModelInfo('resnet50').defaults).to.deep.equal({ numClasses: 1000, inChannels: 3, width: 1, stem: 'imagenet', zeroInitResidual: false });
    for (const name of BUILTINS) expect(getModelInfo(name).description, name).to.not.equal('');
  });

  it('builds family classes with the resolved options and scaled channels', () => {
    const m = createModel('resnet18', { width: 0.125, numClasses: 5, inChannels: 1, stem: 'cifar' });
    expect(m).to.be.instanceOf(ResNet).and.instanceOf(ImageModel);
    expect(m.options).to.deep.equal({ numClasses: 5, inChannels: 1, width: 0.125, stem: 'cifar', zeroInitResidual: false });
    expect(m.featureInfo.map((f) => f.channels)).to.deep.equal([8, 16, 32, 64]);
    expect(m.featureInfo.map((f) => f.reduction)).to.deep.equal([1, 2, 4, 8]);
    expect(() => m.getModule('maxpool')).to.throw(/no module 'maxpool'/);
    m.dispose();
    const v = createModel('vgg16', { width: 0.01 });
    expect(v).to.be.instanceOf(Vgg);
    expect(v.featureInfo.map((f) => f.channels)).to.deep.equal([1, 1, 3, 5, 5]);
    v.dispose();
    const mb = createModel('mobilenet_v1', { width: 0.25 });
    expect(mb).to.be.instanceOf(MobileNetV1);
    expect(mb.numFeatures).to.equal(256);
    mb.dispose();
  });

  it('uses torchvision paths for ResNet and initialises BN to γ = 1, β = 0', () => {
    const r = createModel('resnet50', { width: 0.125, numClasses: 3 });
    const modules = r.namedModules().map(([p]) => p);
    expect(modules).to.include.members([
      'conv1',
      'bn1',
      'relu',
      'maxpool',
      'layer1.0.conv1',
      'layer1.0.bn1',
      'layer1.0.conv2',
      'layer1.0.bn2',
      'layer1.0.conv3',
      'layer1.0.bn3',
      'layer1.0.downsample.0',
      'layer1.0.downsample.1',
      'layer4.2.conv2',
      'avgpool',
      'fc',
    ]);
    const bn3 = r.stateDict()['layer1.0.bn3.weight'];
    expect(Array.from(bn3.dataSync()).every((v) => v === 1)).to.equal(true);
    expect(Array.from(r.stateDict()['layer1.0.bn3.bias'].dataSync()).every((v) => v === 0)).to.equal(true);
    r.dispose();
  });

  it('zero-inits the last BN of every residual block on request, leaking nothing', async () => {
    await expectNoLeak(() => {
      for (const name of ['resnet18', 'resnet50']) {
        const z = createModel(name, { width: 0.125, zeroInitResidual: true });
        const sd = z.stateDict();
        const last = name === 'resnet18' ? 'bn2' : 'bn3';
        expect(
          Array.from(sd[`layer2.1.${last}.weight`].dataSync()).every((v) => v === 0),
          name,
        ).to.equal(true);
        expect(Array.from(sd['layer2.1.bn1.weight'].dataSync()).every((v) => v === 1)).to.equal(true);
        expect(Array.from(sd['layer2.0.downsample.1.weight'].dataSync()).every((v) => v === 1)).to.equal(true);
        expect(Array.from(sd['bn1.weight'].dataSync()).every((v) => v === 1)).to.equal(true);
        z.dispose();
      }
    }, 'zeroInitResidual');
  });

  it('registers, overrides and unregisters user models', () => {
    class Tiny extends Vgg {
      constructor(o: ResolvedModelOptions) {
        super([4, 'M'], o);
      }
    }
    const off = registerModel('tiny_vgg', (o) => new Tiny(o), { description: 'test', defaults: { numClasses: 2 }, stems: ['cifar'] });
    try {
      expect(listModels()).to.include('tiny_vgg');
      expect(getModelInfo('tiny_vgg')).to.deep.include({ builtin: false, stems: ['cifar'] });
      expect(() => registerModel('tiny_vgg', (o) => new Tiny(o))).to.throw(/'tiny_vgg' is registered already/);
      expect(() => registerModel('resnet18', (o) => new Tiny(o))).to.throw(/'resnet18' is registered already/);
      expect(() => registerModel('Bad-Name', (o) => new Tiny(o))).to.throw(/snake_case/);
      expect(() => registerModel('bad_defaults', (o) => new Tiny(o), { defaults: { width: -1 } })).to.throw(/bad_defaults: width must be/);
      const m = createModel('tiny_vgg', { inChannels: 1 });
      expect(countParams(m)).to.equal(1 * 4 * 9 + 2 * 4 + 4 * 2 + 2);
      m.dispose();
    } finally {
      off();
    }
    expect(listModels()).to.not.include('tiny_vgg');
    const restore = registerModel('resnet18', (o) => new Tiny(o), { override: true });
    expect(getModelInfo('resnet18').builtin).to.equal(false);
    restore();
    expect(getModelInfo('resnet18').builtin).to.equal(true);
    const r = createModel('resnet18', { width: 0.125 });
    expect(r).to.be.instanceOf(ResNet);
    r.dispose();
  });
});
