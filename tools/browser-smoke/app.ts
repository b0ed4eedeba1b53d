// The browser smoke app (bundled by tools/browser-smoke.mjs for `platform: 'browser'`, run in
// headless Chromium). With the packages' browser-safe main entries only: build a small net, train
// it with the Trainer and the `dyrep` policy (SynFlow saliency) until the policy has grown a conv
// into a rep-block, the checkpoint and metrics kept in a MemoryRunStorage; resume a fresh trainer
// from that checkpoint; fuse (deploy) and check the fused network computes what the trained one
// computes (max |Δ|); make ONNX bytes and tfjs artifacts in memory; no tensor leaked.
// The verdict goes to `window.smokeResult`.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { MemoryRunStorage, type BatchSource } from '@dyrep/core';
import { createPolicy } from '@dyrep/evolution';
import { deploy, readOnnxMetadata, toOnnxBytes, toTfjsArtifacts } from '@dyrep/exporter';
import { createModel } from '@dyrep/models';
import { countParams, manualSeed } from '@dyrep/nn';
import { listRepBlocks } from '@dyrep/rep-blocks';
import { saliencyCollector } from '@dyrep/saliency';
import { CHECKPOINT_NAME, METRICS_NAME, Trainer, classificationTask, type ClassificationBatch } from '@dyrep/trainer';

declare global {
  interface Window {
    smokeResult?: { ok: boolean; lines: string[] };
  }
}

const SIZE = 12;
const CLASSES = 3;
const BATCH = 8;
const BATCHES = 3;
const EPOCHS = 3;
const INPUT: [number, number, number] = [SIZE, SIZE, 1];

/** Synthetic batches whose label is the image's brightness tercile; the same batches every epoch. */
function syntheticBatches(seed: number): BatchSource<ClassificationBatch> {
  return {
    numBatches: BATCHES,
    async *epoch() {
      for (let b = 0; b < BATCHES; b++) {
        yield tf.tidy(() => {
          const x = tf.randomUniform([BATCH, ...INPUT], 0, 1, 'float32', seed + b) as tf.Tensor4D;
          const y = tf.cast(tf.floor(tf.mul(tf.mean(x, [1, 2, 3]), CLASSES * 0.999)), 'int32') as tf.Tensor1D;
          return { x, y, size: BATCH };
        });
      }
    },
  };
}

function trainer(model: ReturnType<typeof createModel>, storage: MemoryRunStorage, epochs: number): Trainer<ClassificationBatch> {
  const saliency = saliencyCollector({ metric: 'synflow', seed: 1 });
  return new Trainer({
    model,
    task: classificationTask(),
    train: syntheticBatches(100),
    validation: syntheticBatches(200),
    epochs,
    lr: 0.05,
    inputShape: INPUT,
    storage,
    plugins: [saliency, createPolicy('dyrep', { saliency, adjustInterval: 1, recalBnBatches: 2 })],
  });
}

async function run(): Promise<string[]> {
  await tf.setBackend('cpu');
  const lines: string[] = [`tfjs ${tf.version_core}, backend ${tf.getBackend()}`];
  const n0 = tf.memory().numTensors;
  manualSeed(3);
  const model = createModel('resnet18', { width: 0.0625, numClasses: CLASSES, inChannels: 1, stem: 'cifar' });
  const params0 = countParams(model);
  const storage = new MemoryRunStorage('browser');
  const t = trainer(model, storage, EPOCHS);
  const fit = await t.fit();
  t.dispose();
  const grows = fit.events.filter((e) => e.type === 'grow');
  if (!grows.length) throw new Error(`the dyrep policy grew nothing in ${EPOCHS} epochs (events: ${JSON.stringify(fit.events)})`);
  const blocks = listRepBlocks(model).length;
  lines.push(
    `Trainer + dyrep policy: ${EPOCHS} epochs × ${BATCHES} batches, loss ${fit.history.map((h) => h.trainLoss.toFixed(3)).join(' → ')}; ` +
      `grew ${grows.map((e) => e.path).join(', ')} (${blocks} rep-blocks, ${params0} → ${countParams(model)} params)`,
  );
  const stored = await storage.list();
  for (const name of [CHECKPOINT_NAME, METRICS_NAME]) if (!stored.includes(name)) throw new Error(`the run's storage has no ${name} (has ${stored.join(', ')})`);
  const sizes: string[] = [];
  for (const name of stored) sizes.push(`${name} (${(((await storage.read(name))?.byteLength ?? 0) / 1024).toFixed(1)} KiB)`);
  lines.push(`MemoryRunStorage holds ${sizes.join(', ')}`);

  // A fresh plain network resumed from the in-memory checkpoint gets the grown structure and the same weights.
  manualSeed(99);
  const resumedModel = createModel('resnet18', { width: 0.0625, numClasses: CLASSES, inChannels: 1, stem: 'cifar' });
  const resumed = trainer(resumedModel, storage, EPOCHS);
  const info = await resumed.resume();
  resumed.dispose();
  model.eval();
  resumedModel.eval();
  const x = tf.randomUniform([4, ...INPUT], 0, 1, 'float32', 7);
  const resumeDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(model.forward(x), resumedModel.forward(x)))).dataSync()[0]);
  if (resumeDiff !== 0 || listRepBlocks(resumedModel).length !== blocks) throw new Error(`the resumed network differs: max |Δ| ${resumeDiff}, ${listRepBlocks(resumedModel).length} rep-blocks`);
  lines.push(`resumed a fresh network from the in-memory checkpoint (epoch ${info.epoch}): same structure, max |Δ| 0`);
  resumedModel.dispose();

  const deployed = deploy(model, { inputShape: [1, ...INPUT] });
  const trainedOut = model.forward(x);
  const fusedOut = deployed.forward(x);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(trainedOut, fusedOut))).dataSync()[0]);
  const scale = tf.tidy(() => tf.max(tf.abs(trainedOut)).dataSync()[0]);
  tf.dispose([trainedOut, fusedOut]);
  if (!(diff <= 1e-4 * Math.max(1, scale))) throw new Error(`fused output differs from the trained one by ${diff} (outputs up to ${scale})`);
  if (listRepBlocks(deployed).length !== 0) throw new Error('the deployed network still has rep-blocks');
  lines.push(`fused: ${countParams(deployed)} params, no rep-blocks; max |Δ| ${diff.toExponential(2)} vs the trained network (outputs up to ${scale.toFixed(2)})`);

  const onnx = toOnnxBytes(deployed, { architecture: 'resnet18' });
  const meta = readOnnxMetadata(onnx.bytes);
  if (!(onnx.bytes.byteLength > 1000) || !onnx.nodes || meta?.architecture !== 'resnet18') throw new Error(`ONNX export produced ${onnx.bytes.byteLength} bytes, metadata ${JSON.stringify(meta)}`);
  const { artifacts } = await toTfjsArtifacts(deployed);
  if (!artifacts.weightSpecs?.length) throw new Error('tfjs export produced no weights');
  lines.push(`ONNX ${onnx.bytes.byteLength} bytes (${onnx.nodes} nodes), tfjs artifacts with ${artifacts.weightSpecs.length} weights, in memory`);
  deployed.dispose();
  model.dispose();
  x.dispose();
  const n1 = tf.memory().numTensors;
  if (n1 !== n0) throw new Error(`tensors leaked: ${n0} before the run, ${n1} after disposing everything`);
  lines.push(`tensors: ${n0} before, ${n1} after (no leak)`);
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
