// The browser smoke app (bundled by tools/browser-smoke.mjs for `platform: 'browser'`, run in
// headless Chromium): build a small net, train a few steps with the dyrep policy until it grows
// a conv, fuse it, produce ONNX bytes and tfjs artifacts in memory, and check the fused network
// computes what the trained one computes. The verdict goes to `window.smokeResult`.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { createPolicy } from '@dyrep/evolution';
import { deploy, toOnnxBytes, toTfjsArtifacts } from '@dyrep/exporter';
import { createModel } from '@dyrep/models';
import { saliencyCollector } from '@dyrep/saliency';
import { classificationTask, Trainer, type BatchSource, type ClassificationBatch } from '@dyrep/trainer';

declare global {
  interface Window {
    smokeResult?: { ok: boolean; lines: string[] };
  }
}

const SIZE = 12;
const CLASSES = 3;
const BATCH = 8;

/** A few fixed random batches, the same every epoch (labels depend on the mean brightness). */
function syntheticBatches(count: number): BatchSource<ClassificationBatch> {
  return {
    numBatches: count,
    async *epoch() {
      for (let i = 0; i < count; i++) {
        const x = tf.randomUniform([BATCH, SIZE, SIZE, 1], 0, 1, 'float32', 100 + i) as tf.Tensor4D;
        const y = tf.tidy(() => tf.cast(tf.floor(tf.mul(tf.mean(x, [1, 2, 3]), CLASSES * 0.999)), 'int32')) as tf.Tensor1D;
        yield { x, y };
      }
    },
  };
}

async function run(): Promise<string[]> {
  await tf.setBackend('cpu');
  const lines: string[] = [`tfjs ${tf.version_core}, backend ${tf.getBackend()}`];
  const model = createModel('resnet18', { width: 0.0625, numClasses: CLASSES, inChannels: 1, stem: 'cifar' });
  const saliency = saliencyCollector();
  const trainer = new Trainer({
    model,
    task: classificationTask(),
    train: syntheticBatches(2),
    epochs: 2,
    inputShape: [SIZE, SIZE, 1],
    plugins: [saliency, createPolicy('dyrep', { saliency, adjustInterval: 1, topK: 2, recalBnBatches: 1 })],
  });
  const { events } = await trainer.fit();
  const grown = events.filter((e) => e.type === 'grow');
  if (!grown.length) throw new Error(`the dyrep policy grew nothing: ${JSON.stringify(events)}`);
  lines.push(`trained 2 epochs; dyrep grew ${grown.map((e) => e.path).join(', ')}`);
  model.eval();
  const x = tf.randomUniform([4, SIZE, SIZE, 1], 0, 1, 'float32', 7);
  const before = tf.memory().numTensors;
  const deployed = deploy(model, { inputShape: [1, SIZE, SIZE, 1] });
  const trainedOut = model.forward(x);
  const fusedOut = deployed.forward(x);
  const diff = tf.max(tf.abs(tf.sub(trainedOut, fusedOut))).dataSync()[0];
  if (!(diff < 1e-4)) throw new Error(`fused output differs from the trained one by ${diff}`);
  lines.push(`fused: max |Δ| ${diff.toExponential(2)} vs the trained network`);
  tf.dispose([trainedOut, fusedOut]);
  const onnx = toOnnxBytes(deployed);
  if (!(onnx.bytes.byteLength > 1000) || !onnx.nodes) throw new Error(`ONNX export produced ${onnx.bytes.byteLength} bytes`);
  const artifacts = await toTfjsArtifacts(deployed);
  if (!artifacts.weightSpecs?.length) throw new Error('tfjs export produced no weights');
  lines.push(`ONNX ${onnx.bytes.byteLength} bytes (${onnx.nodes} nodes), tfjs artifacts with ${artifacts.weightSpecs.length} weights, in memory`);
  deployed.dispose();
  x.dispose();
  lines.push(`tensors: ${before} before deploy, ${tf.memory().numTensors} after disposing the deployed copy`);
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
