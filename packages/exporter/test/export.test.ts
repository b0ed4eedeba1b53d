import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'chai';
import onnxProto from 'onnx-proto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BatchNorm2d, Conv2d, GlobalAvgPool, Linear, MaxPool2d, Module, ReLU, Rng, Sequential } from '@dyrep/nn';
import { createModel } from '@dyrep/models';
import { useBackend } from '@dyrep/test-utils';
import { UnsupportedKernelError, compareOutputs, deploy, toOnnxBytes, toTfjsArtifacts, traceGraph } from '../src/index';
import { exportOnnx, exportTfjs, fileSystemHandler } from '../src/node/index';
import { NORM, normalize, runOnnx, settleBatchNorms, tempDir } from './helpers';

class SineHead extends Module {
  override forward(x: tf.Tensor): tf.Tensor {
    return tf.sin(x);
  }
}

describe('export', function () {
  useBackend('wasm');
  let dir = '';
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  function tinyResNet() {
    const rng = new Rng(11);
    const model = createModel('resnet18', { width: 0.125, numClasses: 4, inputSize: 32 });
    settleBatchNorms(model, rng, [4, 32, 32, 3]);
    const deployed = deploy(model);
    return { model, deployed };
  }

  it('writes model.json with metadata and refuses an existing directory unless overwrite', async function () {
    const { model, deployed } = tinyResNet();
    try {
      const target = join(dir, 'out');
      const n0 = tf.memory().numTensors;
      const res = await exportTfjs(deployed, target, { normalization: NORM, classNames: ['a', 'b', 'c', 'd'], architecture: 'resnet18' });
      expect(res.dir).to.equal(target);
      expect(tf.memory().numTensors, 'tensors left by exportTfjs').to.equal(n0);
      toOnnxBytes(deployed);
      expect(tf.memory().numTensors, 'tensors left by toOnnxBytes').to.equal(n0);
      const json = JSON.parse(await readFile(join(target, 'model.json'), 'utf8'));
      expect(json.format).to.equal('layers-model');
      const meta = json.userDefinedMetadata.dyrep;
      expect(meta).to.include({ architecture: 'resnet18', inputLayout: 'NHWC' });
      expect(meta.classNames).to.deep.equal(['a', 'b', 'c', 'd']);
      expect(meta.inputSize).to.deep.equal([32, 32, 3]);
      expect(meta.normalization).to.deep.equal(NORM);
      expect(meta.producer).to.match(/^@dyrep\/exporter@\d+\.\d+\.\d+/);
      await writeFile(join(target, 'marker'), 'keep');
      let err: Error | null = null;
      await exportTfjs(deployed, target).catch((e: Error) => (err = e));
      expect(err, 'second export without overwrite').to.be.instanceOf(Error);
      expect(err!.message).to.match(/exists already; pass overwrite: true/);
      expect(existsSync(join(target, 'marker')), 'existing directory untouched').to.equal(true);
      await exportTfjs(deployed, target, { overwrite: true });
      expect(existsSync(join(target, 'marker')), 'replaced with overwrite').to.equal(false);
      expect(
        (await readdir(dir)).filter((f) => f.startsWith('.')),
        'no temporary leftovers',
      ).to.deep.equal([]);
      expect(await readdir(target)).to.include('.dyrep-export');

      // overwrite replaces only a previous export of ours: never a foreign directory or file
      const foreign = join(dir, 'photos');
      await mkdir(join(foreign, 'album'), { recursive: true });
      await writeFile(join(foreign, 'album', 'a.jpg'), 'x');
      let foreignErr: Error | null = null;
      await exportTfjs(deployed, foreign, { overwrite: true }).catch((e: Error) => (foreignErr = e));
      expect(foreignErr!.message).to.equal(
        `exportTfjs: '${foreign}' is not a previous export of ours (it has no .dyrep-export marker file), so it is left alone; remove it yourself or choose another path`,
      );
      await exportOnnx(deployed, foreign, { overwrite: true }).catch((e: Error) => (foreignErr = e));
      expect(foreignErr!.message).to.contain('is not a previous export of ours (it is not a file)');
      expect(existsSync(join(foreign, 'album', 'a.jpg')), 'foreign directory untouched').to.equal(true);
      const notes = join(dir, 'notes.onnx');
      await writeFile(notes, 'my notes');
      await exportOnnx(deployed, notes, { overwrite: true }).catch((e: Error) => (foreignErr = e));
      expect(foreignErr!.message).to.contain('(it is not an ONNX model)');
      expect(await readFile(notes, 'utf8')).to.equal('my notes');

      // issue #13 case 3: a diverged model exported to an ONNX file that gave NaN logits
      const weight = deployed.stateDict()['fc.weight'] as tf.Variable;
      const saved = weight.clone();
      weight.assign(tf.fill(weight.shape, NaN));
      let nanErr: Error | null = null;
      await exportOnnx(deployed, join(dir, 'nan.onnx')).catch((e: Error) => (nanErr = e));
      expect(nanErr!.message).to.match(/^exportOnnx: the model has \d[\d,]* non-finite values in 1 tensor \(first: fc\.weight\), so its outputs would be NaN; refusing to export a diverged model$/);
      await exportTfjs(deployed, join(dir, 'nan-tfjs')).catch((e: Error) => (nanErr = e));
      expect(nanErr!.message).to.match(/^exportTfjs: the model has/);
      expect(existsSync(join(dir, 'nan.onnx')) || existsSync(join(dir, 'nan-tfjs'))).to.equal(false);
      weight.assign(saved);
      saved.dispose();

      const file = join(dir, 'm.onnx');
      await exportOnnx(deployed, file, { normalization: NORM, classNames: ['a', 'b', 'c', 'd'] });
      let onnxErr: Error | null = null;
      await exportOnnx(deployed, file).catch((e: Error) => (onnxErr = e));
      expect(onnxErr!.message).to.match(/exists already/);
      await exportOnnx(deployed, file, { normalization: NORM, classNames: ['a', 'b', 'c', 'd'], overwrite: true });
      const decoded = onnxProto.onnx.ModelProto.decode(await readFile(file));
      expect(Number(decoded.opsetImport[0].version)).to.be.at.least(13);
      const props = Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value]));
      expect(JSON.parse(props['dyrep.classNames'])).to.deep.equal(['a', 'b', 'c', 'd']);
      expect(props['dyrep.inputLayout']).to.equal('NCHW');
      expect(JSON.parse(props['dyrep.normalization'])).to.deep.equal(NORM);
    } finally {
      model.dispose();
      deployed.dispose();
    }
  });

  it('fails clearly on an unsupported kernel, restoring the engine and leaking nothing', async function () {
    const m = new Sequential({ conv: new Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 3, padding: 1 }), head: new SineHead() });
    const n0 = tf.memory().numTensors;
    const headForward = m.getModule('head').forward;
    for (const run of [() => exportTfjs(m, join(dir, 'x'), { inputSize: [8, 8, 3] }), () => exportOnnx(m, join(dir, 'x.onnx'), { inputSize: [8, 8, 3] })]) {
      let err: unknown = null;
      await run().catch((e) => (err = e));
      expect(err).to.be.instanceOf(UnsupportedKernelError);
      expect((err as Error).message).to.match(/unsupported kernel 'Sin' in module 'head'/);
    }
    expect(Object.hasOwn(tf.engine(), 'runKernel'), 'engine restored').to.equal(false);
    expect(m.getModule('head').forward, 'forward untouched').to.equal(headForward);
    expect(m.training, 'training mode restored').to.equal(true);
    expect(tf.memory().numTensors).to.equal(n0);
    expect(existsSync(join(dir, 'x')) || existsSync(join(dir, 'x.onnx'))).to.equal(false);
    m.dispose();
  });

  it('restores the engine when the traced forward throws', function () {
    class Broken extends Module {
      override forward(x: tf.Tensor): tf.Tensor {
        tf.relu(x);
        throw new Error('boom');
      }
    }
    const m = new Sequential(new Broken());
    const n0 = tf.memory().numTensors;
    expect(() => traceGraph(m, [1, 2, 2, 1])).to.throw('boom');
    expect(Object.hasOwn(tf.engine(), 'runKernel')).to.equal(false);
    expect(tf.memory().numTensors).to.equal(n0);
  });

  it('exports grouped convs, max-pool after ReLU, and a live BatchNorm in both formats', async function () {
    const rng = new Rng(2);
    const m = new Sequential({
      conv1: new Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1, stride: 2 }),
      relu1: new ReLU(),
      pool: new MaxPool2d(3, { stride: 2, padding: 1 }),
      grouped: new Conv2d({
        inChannels: 8,
        outChannels: 12,
        kernelSize: 3,
        padding: [
          [0, 1],
          [1, 2],
        ],
        groups: 4,
        bias: true,
      }),
      bn: new BatchNorm2d(12),
      relu2: new ReLU(),
      gap: new GlobalAvgPool(),
      fc: new Linear(12, 5),
    });
    settleBatchNorms(m, rng, [4, 16, 16, 3]);
    const x01 = tf.tensor(rng.uniformArray(4 * 16 * 16 * 3, 0, 1), [4, 16, 16, 3]);
    const xn = normalize(x01);
    const ref = m.forward(xn);
    try {
      await exportTfjs(m, join(dir, 't'), { inputSize: [16, 16, 3], normalization: NORM });
      const loaded = await tfl.loadLayersModel(fileSystemHandler(join(dir, 't')));
      const yt = loaded.predict(x01) as tf.Tensor;
      expect(compareOutputs(ref, yt).maxRelDiff).to.be.at.most(1e-5);
      loaded.dispose();
      const yo = await runOnnx(toOnnxBytes(m, { inputSize: [16, 16, 3], normalization: NORM }).bytes, x01);
      expect(compareOutputs(ref, yo).maxRelDiff).to.be.at.most(1e-5);
      tf.dispose([yt, yo]);
    } finally {
      tf.dispose([x01, xn, ref]);
      m.dispose();
    }
  });

  it('lowers nearest upsampling (whole factors, then crops) to ONNX Resize and Keras UpSampling2D', async function () {
    /** A conv, then repeat-by-(fy, fx) with ResizeNearestNeighbor and a crop back to (oh, ow), then a conv. */
    class Upsample extends Module {
      constructor(
        private readonly f: [number, number],
        private readonly crop: [number, number],
      ) {
        super();
      }
      override forward(x: tf.Tensor): tf.Tensor {
        const [n, h, w, c] = x.shape;
        const y = tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [h * this.f[0], w * this.f[1]]);
        return this.crop[0] || this.crop[1] ? tf.slice(y, [0, 0, 0, 0], [n, h * this.f[0] - this.crop[0], w * this.f[1] - this.crop[1], c]) : y;
      }
    }
    const rng = new Rng(5);
    for (const [f, crop, size] of [
      [
        [2, 2],
        [0, 0],
        [5, 7],
      ],
      [
        [3, 2],
        [1, 0],
        [4, 3],
      ],
      [
        [1, 4],
        [0, 3],
        [6, 2],
      ],
    ] as [[number, number], [number, number], [number, number]][]) {
      const m = new Sequential({
        conv1: new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, bias: true }),
        up: new Upsample(f, crop),
        conv2: new Conv2d({ inChannels: 4, outChannels: 2, kernelSize: 3, padding: 1, bias: true }),
      });
      m.eval();
      const x01 = tf.tensor(rng.uniformArray(2 * size[0] * size[1] * 3, 0, 1), [2, size[0], size[1], 3]);
      const ref = tf.tidy(() => m.forward(normalize(x01)));
      try {
        expect(ref.shape.slice(1, 3)).to.deep.equal([size[0] * f[0] - crop[0], size[1] * f[1] - crop[1]]);
        const target = join(dir, `up${f.join('x')}`);
        await exportTfjs(m, target, { inputSize: [size[0], size[1], 3], normalization: NORM });
        const loaded = await tfl.loadLayersModel(fileSystemHandler(target));
        expect(
          loaded.layers.some((l) => l.getClassName() === 'UpSampling2D'),
          'UpSampling2D layer',
        ).to.equal(true);
        const yt = loaded.predict(x01) as tf.Tensor;
        expect(compareOutputs(ref, yt).maxRelDiff, `tfjs ${f} crop ${crop}`).to.be.at.most(1e-5);
        loaded.dispose();
        const { bytes } = toOnnxBytes(m, { inputSize: [size[0], size[1], 3], normalization: NORM });
        const ops = onnxProto.onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType);
        expect(ops, 'ONNX Resize').to.include('Resize');
        const nchw = await runOnnx(bytes, x01);
        const yo = tf.transpose(nchw, [0, 2, 3, 1]);
        expect(compareOutputs(ref, yo).maxRelDiff, `onnx ${f} crop ${crop}`).to.be.at.most(1e-5);
        tf.dispose([yt, yo, nchw]);
      } finally {
        tf.dispose([x01, ref]);
        m.dispose();
      }
    }
  });

  it('toTfjsArtifacts makes in memory the same LayersModel exportTfjs writes, leaking no tensors', async function () {
    const { model, deployed } = tinyResNet();
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 3);
    try {
      const n0 = tf.memory().numTensors;
      const { artifacts, metadata, layers } = await toTfjsArtifacts(deployed, { normalization: NORM, architecture: 'resnet18' });
      expect(tf.memory().numTensors, 'tensors left by toTfjsArtifacts').to.equal(n0);
      expect(metadata.inputLayout).to.equal('NHWC');
      expect(layers).to.be.greaterThan(10);
      expect((artifacts.userDefinedMetadata as { dyrep: unknown }).dyrep).to.deep.equal(metadata);
      await exportTfjs(deployed, join(dir, 'mem-vs-file'), { normalization: NORM, architecture: 'resnet18' });
      const fromMemory = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
      const fromFile = await tfl.loadLayersModel(fileSystemHandler(join(dir, 'mem-vs-file')));
      const a = fromMemory.predict(x) as tf.Tensor;
      const b = fromFile.predict(x) as tf.Tensor;
      expect(compareOutputs(a, b).maxAbsDiff).to.equal(0);
      tf.dispose([a, b]);
      fromMemory.dispose();
      fromFile.dispose();
    } finally {
      x.dispose();
      model.dispose();
      deployed.dispose();
    }
  });

  it('fileSystemHandler round-trips a LayersModel across several weight shards', async function () {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 64, inputShape: [32] }), tfl.layers.dense({ units: 3 })] });
    await mkdir(join(dir, 's'));
    await model.save(fileSystemHandler(join(dir, 's'), { shardBytes: 1000 }));
    const files = (await readdir(join(dir, 's'))).filter((f) => f.endsWith('.bin'));
    expect(files.length).to.be.greaterThan(5);
    const loaded = await tfl.loadLayersModel(fileSystemHandler(join(dir, 's')));
    const x = tf.ones([2, 32]);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(compareOutputs(a, b).maxAbsDiff).to.equal(0);
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
