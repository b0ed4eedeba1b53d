// The browser smoke app (bundled by tools/browser-smoke.mjs for `platform: 'browser'`, run in
// headless Chromium): build a small net, train it a few SGD steps, grow the conv with the highest
// SynFlow saliency into a full rep-block (the dyrep policy's grow step), train on, fuse, produce
// ONNX bytes and tfjs artifacts in memory, and check the fused network computes what the trained
// one computes. The trainer (and so the dyrep policy plugin driving it) is not in the bundle yet:
// its checkpoint and progress code still imports Node built-ins (docs/releasing.md).
// The verdict goes to `window.smokeResult`.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { createPolicy } from '@dyrep/evolution';
import { deploy, toOnnxBytes, toTfjsArtifacts } from '@dyrep/exporter';
import { createModel } from '@dyrep/models';
import { Rng, type Module } from '@dyrep/nn';
import { growAt, listGrowableConvs } from '@dyrep/rep-blocks';
import { createMetric, saliencyCollector } from '@dyrep/saliency';

declare global {
  interface Window {
    smokeResult?: { ok: boolean; lines: string[] };
  }
}

const SIZE = 12;
const CLASSES = 3;
const BATCH = 8;

/** One fixed random batch (labels depend on the mean brightness). */
function batch(seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomUniform([BATCH, SIZE, SIZE, 1], 0, 1, 'float32', seed) as tf.Tensor4D;
    const labels = tf.cast(tf.floor(tf.mul(tf.mean(x, [1, 2, 3]), CLASSES * 0.999)), 'int32') as tf.Tensor1D;
    return { x, y: tf.oneHot(labels, CLASSES) as tf.Tensor2D };
  });
}

/** Plain SGD steps on the model's parameters; returns the last step's gradients by path (caller disposes). */
function trainSteps(model: Module, steps: number, lr: number): Map<string, tf.Tensor> {
  model.train();
  const named = model.namedParameters();
  let grads = new Map<string, tf.Tensor>();
  for (let step = 0; step < steps; step++) {
    const { x, y } = batch(100 + step);
    const { value, grads: byName } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar, named.map(([, v]) => v));
    tf.dispose([...grads.values()]);
    grads = new Map();
    for (const [path, v] of named) {
      const g = byName[v.name];
      if (!g) continue;
      v.assign(tf.tidy(() => tf.sub(v, tf.mul(g, lr))));
      grads.set(path, g);
    }
    tf.dispose([x, y, value]);
  }
  return grads;
}

async function run(): Promise<string[]> {
  await tf.setBackend('cpu');
  const lines: string[] = [`tfjs ${tf.version_core}, backend ${tf.getBackend()}`];
  const model = createModel('resnet18', { width: 0.0625, numClasses: CLASSES, inChannels: 1, stem: 'cifar' });
  if (typeof createPolicy('dyrep', { saliency: saliencyCollector() }).id !== 'string') throw new Error('the dyrep policy did not load');
  const grads = trainSteps(model, 3, 0.05);
  const synflow = createMetric('synflow');
  const rng = new Rng(1);
  const scored = listGrowableConvs(model).map(({ path, conv }) => {
    const g = grads.get(`${path}.weight`);
    const score = g ? tf.tidy(() => synflow(conv.weight, g, rng).dataSync()[0]) : -Infinity;
    return { path, score };
  });
  tf.dispose([...grads.values()]);
  const best = scored.reduce((a, b) => (b.score > a.score ? b : a));
  growAt(model, best.path, { branches: 'full' });
  lines.push(`trained 3 steps; grew ${best.path} (highest SynFlow of ${scored.length} convs) into a full rep-block`);
  tf.dispose([...trainSteps(model, 2, 0.05).values()]);
  lines.push('trained 2 more steps with the new branches');
  model.eval();
  const x = tf.randomUniform([4, SIZE, SIZE, 1], 0, 1, 'float32', 7);
  const before = tf.memory().numTensors;
  const deployed = deploy(model, { inputShape: [1, SIZE, SIZE, 1] });
  const trainedOut = model.forward(x);
  const fusedOut = deployed.forward(x);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(trainedOut, fusedOut))).dataSync()[0]);
  if (!(diff < 1e-4)) throw new Error(`fused output differs from the trained one by ${diff}`);
  lines.push(`fused: max |Δ| ${diff.toExponential(2)} vs the trained network`);
  tf.dispose([trainedOut, fusedOut]);
  const onnx = toOnnxBytes(deployed);
  if (!(onnx.bytes.byteLength > 1000) || !onnx.nodes) throw new Error(`ONNX export produced ${onnx.bytes.byteLength} bytes`);
  const { artifacts } = await toTfjsArtifacts(deployed);
  if (!artifacts.weightSpecs?.length) throw new Error('tfjs export produced no weights');
  lines.push(`ONNX ${onnx.bytes.byteLength} bytes (${onnx.nodes} nodes), tfjs artifacts with ${artifacts.weightSpecs.length} weights, in memory`);
  deployed.dispose();
  x.dispose();
  const after = tf.memory().numTensors;
  if (after !== before - 1) throw new Error(`deploy/export leaked tensors: ${before} before, ${after} after disposing the deployed copy and the input`);
  lines.push(`tensors: ${before} before deploy, ${after} after disposing the deployed copy and the input (no leak)`);
  return lines;
}

run().then(
  (lines) => {
    window.smokeResult = { ok: true, lines };
  },
  (e: Error) => {
    window.smokeResult = { ok: false, lines: [String(e?.stack ?? e)] };
  },
);
