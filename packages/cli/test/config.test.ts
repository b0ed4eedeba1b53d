import { expect } from 'chai';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalOptionName, readConfigFile, resolveTrainConfig, ConfigError } from '@dyrep/cli';
import type { GrowOp } from '@dyrep/core';
import { createModel } from '@dyrep/models';
import { useBackend } from '@dyrep/test-utils';
import { fakeTrainerContext } from '@dyrep/testing';
import { buildPlugins } from '../src/run/build-plugins';

describe('configuration', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dyrep-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("maps the authors' option names and every spelling of ours", () => {
    expect(canonicalOptionName('dyrep_adjust_interval')).to.equal('adjustInterval');
    expect(canonicalOptionName('dyrep-max-adjust-epochs')).to.equal('maxAdjustEpochs');
    expect(canonicalOptionName('dyrep_recal_bn_iters')).to.equal('recalBnBatches');
    expect(canonicalOptionName('grow_metric')).to.equal('metric');
    expect(canonicalOptionName('batch-size')).to.equal('batchSize');
    expect(canonicalOptionName('batchSize')).to.equal('batchSize');
    expect(canonicalOptionName('min_lr')).to.equal('lrMin');
    expect(canonicalOptionName('colour')).to.equal(undefined);
  });

  it('reads YAML and JSON files; flags override the file; defaults fill the rest', () => {
    const yaml = join(dir, 'a.yaml');
    writeFileSync(yaml, 'model: vgg16\ndyrep_adjust_interval: 15\nepochs: 7\n');
    const json = join(dir, 'b.json');
    writeFileSync(json, JSON.stringify({ 'batch-size': 32 }));
    const config = resolveTrainConfig(readConfigFile(yaml), readConfigFile(json), { epochs: 2 });
    expect(config).to.include({ model: 'vgg16', adjustInterval: 15, epochs: 2, batchSize: 32, policy: 'dyrep', metric: 'synflow', recalBnBatches: 20 });
  });

  it('reports every bad value with the option, the value and what is allowed', () => {
    try {
      resolveTrainConfig({ epochs: 0, stem: 'huge', lr: -1 });
      expect.fail('should throw');
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      const msg = (e as Error).message;
      expect(msg).to.match(/option --epochs = 0 is not allowed: .*>0/);
      expect(msg).to.match(/option --stem = "huge" is not allowed: .*"cifar"\|"imagenet"/);
      expect(msg).to.match(/option --lr = -1 is not allowed/);
    }
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'epochs: [1\n');
    expect(() => readConfigFile(bad)).to.throw(ConfigError, /not valid YAML/);
    writeFileSync(bad, 'colour: red\n');
    expect(() => readConfigFile(bad)).to.throw(ConfigError, /unknown option 'colour' \(known: model, width/);
    expect(() => readConfigFile(join(dir, 'missing.yaml'))).to.throw(ConfigError, /cannot read config file .*ENOENT/);
  });
});

describe("the authors' method variants as options", () => {
  useBackend('cpu');

  it('default to ours, read every spelling, and refuse other values', () => {
    expect(resolveTrainConfig({})).to.include({ cutMode: 'fold', dbbVariant: 'preserving' });
    expect(canonicalOptionName('cut_mode')).to.equal('cutMode');
    expect(canonicalOptionName('dbb-variant')).to.equal('dbbVariant');
    expect(resolveTrainConfig({ cutMode: 'reset', dbbVariant: 'authors' })).to.include({ cutMode: 'reset', dbbVariant: 'authors' });
    expect(() => resolveTrainConfig({ cutMode: 'zero' })).to.throw(ConfigError, /option --cut-mode = "zero" is not allowed/);
  });

  it('reach the policy: --dbb-variant authors converts only the 3×3 convs, freshly initialised', () => {
    const model = createModel('resnet18', { width: 0.0625, stem: 'imagenet', inChannels: 1, numClasses: 10, inputSize: 32 });
    try {
      const opsOf = (dbbVariant: string) => {
        const ctx = fakeTrainerContext({ model });
        const [policy] = buildPlugins(resolveTrainConfig({ policy: 'dbb', dbbVariant }));
        policy.hooks.onTrainBegin!(ctx);
        return ctx.proposed.flatMap((p) => p.ops) as GrowOp[];
      };
      const ours = opsOf('preserving');
      const theirs = opsOf('authors');
      expect(ours.map((o) => o.path)).to.include('conv1');
      expect(theirs.map((o) => o.path)).to.not.include('conv1');
      expect(theirs.length).to.equal(ours.length - 1);
      expect(theirs.every((o) => o.init === 'fresh')).to.equal(true);
      expect(ours.every((o) => o.init !== 'fresh')).to.equal(true);
    } finally {
      model.dispose();
    }
  });
});
