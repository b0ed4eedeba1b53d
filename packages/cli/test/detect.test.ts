import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCenterNet, createDetectionLoader, generateFashionMnistDetection, openCocoDataset, type DetectionBatch } from '@dyrep/detection';
import type { ImageModel } from '@dyrep/models';
import { Rng } from '@dyrep/nn';
import { listRepBlocks } from '@dyrep/rep-blocks';
import { compareOutputs } from '@dyrep/exporter';
import { useBackend } from '@dyrep/test-utils';
import { readConfigFile, resolveTrainConfig } from '../src/config/load-config';
import { runTraining } from '../src/run/training-run';
import { loadCheckpointModel } from '../src/run/checkpoint-model';
import { loadBackbone, loadRunBackbone } from '../src/run/detection-backbone';
import { createModel } from '@dyrep/models';
import { randomizeBatchNorms } from '@dyrep/test-utils';
import { toTorchSafetensors } from '@dyrep/weights';
import { loadDetectionModel } from '../src/run/detection-model';
import { openExportedModel } from '../src/run/exported-model';
import { dyrep, lastJson } from './helpers/run-dyrep';

const here = dirname(fileURLToPath(import.meta.url));
const tiny = resolve(here, '..', 'configs', 'fashion-mnist-tiny.yaml');

const disposeBatch = (b: DetectionBatch) => tf.dispose([b.x, b.heatmap, b.regression, b.regMask]);

describe('dyrep detect: backbone transfer, export and scoring the export', function () {
  this.timeout(900000);
  useBackend('wasm');
  let dir = '';
  let classifier = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dyrep-detect-'));
    classifier = join(dir, 'classifier');
    // A tiny DyRep classification run with grown blocks (imagenet stem: stages at strides 4, 8, 16).
    const config = resolveTrainConfig(readConfigFile(tiny), { stem: 'imagenet', epochs: 3, topK: 4, out: classifier, backend: 'wasm', export: [] });
    const summary = await runTraining(config, { progress: false });
    expect(summary.events.filter((e) => e.type === 'grow').length, 'the run grew blocks').to.be.at.least(1);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a backbone from a run with grown blocks computes the same features (grown exactly, fused to float error, grey→RGB inflated exactly on grey input)', () => {
    const source = loadCheckpointModel(classifier);
    const original = source.model as ImageModel;
    const rng = new Rng(1);
    const x = tf.tensor4d(rng.uniformArray(3 * 32 * 32, 0, 1), [3, 32, 32, 1]);
    const stages = [0, 1, 2];
    try {
      const reference = original.forwardFeatures(x, stages);
      const grownBlocks = listRepBlocks(original).filter((b) => !b.path.startsWith('layer4')).length;
      expect(grownBlocks, 'grown blocks below layer4').to.be.at.least(1);
      for (const [structure, channels, tolerance] of [
        ['grown', 1, 0],
        ['fused', 1, 1e-5],
        ['grown', 3, 1e-5],
      ] as const) {
        const t = loadRunBackbone(classifier, structure, channels);
        const net = createCenterNet({ numClasses: 2, ...t.architecture, backboneModel: t.model });
        try {
          expect(listRepBlocks(net).length, structure).to.equal(structure === 'grown' ? grownBlocks : 0);
          expect(
            net.namedParameters().some(([p]) => p.startsWith('backbone.fc') || p.startsWith('backbone.layer4')),
            'classifier and layer4 dropped',
          ).to.equal(false);
          net.eval();
          const input = channels === 3 ? tf.tile(x, [1, 1, 1, 3]) : x;
          const n0 = tf.memory().numTensors;
          const features = (net.getModule('backbone') as ImageModel).forwardFeatures(input, stages);
          features.forEach((f, i) => {
            const d = compareOutputs(reference[i], f);
            expect(d.maxRelDiff, `${structure}, ${channels} ch, stage ${i}`).to.be.at.most(tolerance);
          });
          tf.dispose(features);
          expect(tf.memory().numTensors).to.equal(n0);
          if (channels === 3) {
            expect(t.inflated.length).to.be.at.least(1);
            expect(t.normalization?.mean).to.have.length(3);
            tf.dispose(input);
          }
        } finally {
          net.dispose();
        }
      }
      tf.dispose(reference);
      expect(() => loadRunBackbone(classifier, 'grown', 4)).to.throw(/trained on 1-channel images but the detection data has 4/);
    } finally {
      x.dispose();
      original.dispose();
    }
  });

  it("a backbone from a PyTorch safetensors checkpoint (through @dyrep/weights) computes the source network's features; its classifier is skipped, anything else mismatched is one error", () => {
    const rng = new Rng(4);
    const source = createModel('resnet18', { width: 0.0625, stem: 'imagenet', inChannels: 3, numClasses: 7 }) as ImageModel;
    randomizeBatchNorms(source, rng);
    source.eval();
    const file = join(dir, 'resnet18.safetensors');
    writeFileSync(file, toTorchSafetensors(source, { architecture: 'resnet18', normalization: { mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] } }));
    const grey = tf.tensor4d(rng.uniformArray(2 * 32 * 32, 0, 1), [2, 32, 32, 1]);
    const rgb = tf.tile(grey, [1, 1, 1, 3]);
    const reference = source.forwardFeatures(rgb, [0, 1, 2]);
    try {
      for (const channels of [3, 1]) {
        const t = loadBackbone(file, { structure: 'grown', channels, model: 'resnet18', width: 0.0625, stem: 'imagenet' });
        expect(t.normalization?.mean).to.have.length(channels);
        const net = createCenterNet({ numClasses: 2, ...t.architecture, backboneModel: t.model });
        net.eval();
        const features = (net.getModule('backbone') as ImageModel).forwardFeatures(channels === 3 ? rgb : grey, [0, 1, 2]);
        features.forEach((f, i) => expect(compareOutputs(reference[i], f).maxRelDiff, `${channels} ch, stage ${i}`).to.be.at.most(1e-5));
        tf.dispose(features);
        net.dispose();
      }
      expect(() => loadBackbone(file, { structure: 'grown', channels: 3, model: 'resnet18', width: 0.125, stem: 'imagenet' })).to.throw(/resnet18\.safetensors/);
    } finally {
      tf.dispose([grey, rgb, ...reference]);
      source.dispose();
    }
  });

  it('detect train from that run on RGB COCO-layout data; exported ONNX and tfjs give the raw outputs and the mAP of the trained detector; --config and --resume', async () => {
    const out = join(dir, 'det');
    const configFile = join(dir, 'detect.yaml');
    // RGB canvases in COCO's own layout: instances JSON and image directory given separately.
    const train = await generateFashionMnistDetection({ outDir: join(dir, 'coco', 'train'), count: 48, canvas: 64, seed: 1, color: 'rgb' });
    const val = await generateFashionMnistDetection({ outDir: join(dir, 'coco', 'val'), count: 16, canvas: 64, seed: 2, split: 'test', color: 'rgb' });
    const layout = ['--train-ann', train.annotationFile, '--train-images', train.imageDir, '--val-ann', val.annotationFile, '--val-images', val.imageDir];
    writeFileSync(configFile, ['epochs: 2', 'batch_size: 16', 'adjust_interval: 1', 'neck_channels: 8', 'backend: wasm'].join('\n'));
    const r = await dyrep(['detect', 'train', '--config', configFile, ...layout, '--backbone', classifier, '--input-size', '48', '--out', out]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr)
      .to.match(/adapted to 3 channel\(s\)/)
      .and.match(/3 channel\(s\), input 48×48/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.backbone).to.include(classifier);
    // The generated set, used through COCO's own layout flags, scored by the exported files.
    const gt = val.annotationFile;
    const images = val.imageDir;
    const { model } = loadDetectionModel(out);
    const ds = await openCocoDataset({ annotationFile: gt, imageDir: images, channels: 3 });
    const loader = await createDetectionLoader(ds, { stride: model.stride, batchSize: 16, inputSize: [48, 48] });
    const expectedMap = summary.fusedMetrics?.mAP ?? summary.metrics.mAP;
    for (const [format, file] of [
      ['onnx', join(dir, 'det.onnx')],
      ['tfjs', join(dir, 'det-tfjs')],
    ] as const) {
      const e = await dyrep(['detect', 'export', '--run', out, '--format', format, '--out', file, '--backend', 'wasm']);
      expect(e.code, e.stderr).to.equal(0);
      const report = lastJson(e.stdout);
      expect(report.maxRelDiff).to.be.below(1e-4);
      const modelFile = format === 'onnx' ? file : join(file, 'model.json');
      const exported = await openExportedModel(modelFile);
      for await (const batch of loader.epoch()) {
        // The trained detector sees normalised pixels; the export normalises in-graph.
        const norm = exported.metadata!.normalization;
        const xn = tf.tidy(() => tf.div(tf.sub(batch.x, tf.tensor1d(norm.mean)), tf.tensor1d(norm.std)));
        const trained = tf.tidy(() => model.forward(xn));
        const raw = await exported.predict(batch.x);
        expect(compareOutputs(trained, raw).maxRelDiff, `${format} raw outputs`).to.be.at.most(1e-4);
        tf.dispose([xn, trained, raw]);
        disposeBatch(batch);
      }
      exported.dispose();
      const s = await dyrep(['detect', 'eval', '--model', modelFile, '--images', images, '--gt', gt, '--backend', 'wasm']);
      expect(s.code, s.stderr).to.equal(0);
      expect(lastJson(s.stdout).AP, `${format} mAP`).to.be.closeTo(expectedMap, 1e-3);
    }
    model.dispose();
    // --resume continues the run from its checkpoint: two more epochs, the first two kept.
    const again = await dyrep(['detect', 'train', '--config', configFile, ...layout, '--input-size', '48', '--out', out, '--epochs', '3', '--resume']);
    expect(again.code, again.stderr).to.equal(0);
    const resumed = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(resumed.history.map((h: { epoch: number }) => h.epoch)).to.deep.equal([0, 1, 2]);
    expect(resumed.history[1].val_mAP).to.equal(summary.history[1].val_mAP);
    const bad = await dyrep(['detect', 'train', '--config', configFile, '--backbone-structure', 'melted', '--out', join(dir, 'bad')]);
    expect(bad.code).to.equal(2); // a usage error
    expect(bad.stderr.trim()).to.match(/^dyrep: option --backbone-structure = "melted" is not allowed/);
  });
});
