import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'chai';
import { join } from 'node:path';
import { BatchNorm2d, Conv2d, Identity, Rng, countFlops, countParams } from '@dyrep/nn';
import { createModel, listModels } from '@dyrep/models';
import { listRepBlocks, type PresetName } from '@dyrep/rep-blocks';
import { useBackend } from '@dyrep/test-utils';
import { compareOutputs, deployWithReport, toOnnxBytes, type EquivalenceReport } from '../src/index';
import { exportTfjs, fileSystemHandler } from '../src/node/index';
import { NORM, growModel, normalize, runOnnx, settleBatchNorms, tempDir } from './helpers';

const SIZE = 32;
const OPTIONS = { width: 0.125, numClasses: 10, inputSize: SIZE };
const TOL = 1e-4;

function expectAgree(r: EquivalenceReport, what: string): void {
  expect(r.maxRelDiff, `${what}: relative max |Δ| (max |Δ| ${r.maxAbsDiff})`).to.be.at.most(TOL);
  expect(r.top1Agreement, `${what}: top-1 agreement`).to.equal(1);
}

/** Every registry model, plain and grown (dbb; full nested with cuts), deployed and exported to both formats. */
describe('registry models: deploy, tfjs LayersModel and ONNX agree with the trained model', function () {
  useBackend('wasm');
  const variants: { name: string; preset: PresetName | null; nested: boolean }[] = [
    { name: 'plain', preset: null, nested: false },
    { name: 'dbb', preset: 'dbb', nested: false },
    { name: 'full nested, cut', preset: 'full', nested: true },
  ];

  for (const name of listModels()) {
    for (const v of variants) {
      it(`${name} (${v.name})`, async function () {
        const rng = new Rng(7);
        const model = createModel(name, OPTIONS);
        const plain = createModel(name, OPTIONS);
        const inChannels = model.inChannels;
        if (v.preset) growModel(model, v.preset, v.nested, rng);
        if (v.preset) expect(listRepBlocks(model).length, 'blocks grown').to.be.greaterThan(0);
        settleBatchNorms(model, rng, [8, SIZE, SIZE, inChannels]);
        const { dir, cleanup } = await tempDir();
        const x01 = tf.tensor(rng.uniformArray(8 * SIZE * SIZE * inChannels, 0, 1), [8, SIZE, SIZE, inChannels]);
        const norm = inChannels === 3 ? NORM : { mean: [0.5], std: [0.25] };
        const xn = normalize(x01, norm);
        const ref = model.forward(xn);
        const { model: deployed, foldedBatchNorms } = deployWithReport(model);
        try {
          // Deployed: plain architecture, BN folded; params = plain − 2C per folded BN + C per conv that gains a bias.
          const channels = (p: { bn: string }) => (plain.getModule(p.bn) as BatchNorm2d).numFeatures;
          const bnParams = foldedBatchNorms.reduce((n, p) => n + 2 * channels(p), 0);
          const newBiases = foldedBatchNorms.reduce((n, p) => n + ((plain.getModule(p.conv) as Conv2d).bias ? 0 : channels(p)), 0);
          expect(foldedBatchNorms.length).to.equal(plain.namedModules().filter(([, m]) => m instanceof BatchNorm2d).length);
          expect(countParams(deployed)).to.equal(countParams(plain) - bnParams + newBiases);
          expect(countFlops(deployed, [SIZE, SIZE, inChannels])).to.equal(countFlops(plain, [SIZE, SIZE, inChannels]));
          const kinds = (m: typeof plain) => m.namedModules().map(([p, mod]) => `${p}:${mod instanceof BatchNorm2d || mod instanceof Identity ? 'bn|id' : mod.constructor.name}`);
          expect(kinds(deployed)).to.deep.equal(kinds(plain));
          expect(
            deployed
              .namedModules()
              .filter(([, m]) => m instanceof Conv2d)
              .every(([, m]) => (m as Conv2d).bias !== null),
          ).to.equal(true);

          const yd = deployed.forward(xn);
          expectAgree(compareOutputs(ref, yd), 'deployed');

          await exportTfjs(deployed, join(dir, 'tfjs'), { normalization: norm, architecture: name });
          const layers = await tfl.loadLayersModel(fileSystemHandler(join(dir, 'tfjs')));
          const yt = layers.predict(x01) as tf.Tensor;
          expectAgree(compareOutputs(ref, yt), 'tfjs LayersModel');
          layers.dispose();

          const { bytes } = toOnnxBytes(deployed, { normalization: norm, architecture: name });
          const yo = await runOnnx(bytes, x01);
          expectAgree(compareOutputs(ref, yo), 'ONNX');
          if (process.env.EXPORTER_REPORT) {
            console.log(
              `${name} (${v.name}): rel Δ deployed ${compareOutputs(ref, yd).maxRelDiff.toExponential(2)}, tfjs ${compareOutputs(ref, yt).maxRelDiff.toExponential(2)}, onnx ${compareOutputs(ref, yo).maxRelDiff.toExponential(2)}`,
            );
          }
          tf.dispose([yd, yt, yo]);
        } finally {
          tf.dispose([x01, xn, ref]);
          deployed.dispose();
          model.dispose();
          plain.dispose();
          await cleanup();
        }
      });
    }
  }
});
