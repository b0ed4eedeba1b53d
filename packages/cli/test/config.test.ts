import { expect } from 'chai';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalOptionName, readConfigFile, resolveTrainConfig, ConfigError } from '@dyrep/cli';

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
