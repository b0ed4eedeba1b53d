// Detection benchmark: a CenterNet-style detector (ResNet-18 backbone at a width multiplier, FPN
// neck, CenterNet head) fine-tuned on the generated Fashion-MNIST detection set, plain vs `dyrep`,
// same epochs, data and seed; then the dyrep model is fused and re-evaluated. Run from the repo root:
//   npx tsx --conditions=@dyrep/source tools/bench-detection.ts [--backend wasm|cpu] [--epochs 16]
//     [--train 600] [--val 150] [--canvas 96] [--width 0.125] [--channels 32] [--batch 16] [--lr 0.1]
//     [--adjust 2] [--out /tmp/bench-detection]
// Prints a markdown report (per-epoch table, structure timeline, fused vs trained mAP).
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@dyrep/backend';
import { loadFashionMnist } from '@dyrep/data';
import {
  createCenterNet, createDetectionLoader, detectionTask, generateFashionMnistDetection, openCocoDataset, type CenterNetOptions,
} from '@dyrep/detection';
import { dyrepPolicy } from '@dyrep/evolution';
import { countFlops, countParams, manualSeed } from '@dyrep/nn';
import { fuseModel, listRepBlocks } from '@dyrep/rep-blocks';
import { saliencyCollector } from '@dyrep/saliency';
import { Trainer, cosineSchedule, withWarmup, type EpochRecord, type StructureEvent } from '@dyrep/trainer';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const backend = arg('backend', 'wasm') as 'wasm' | 'cpu';
const epochs = Number(arg('epochs', '16'));
const nTrain = Number(arg('train', '600'));
const nVal = Number(arg('val', '150'));
const canvas = Number(arg('canvas', '96'));
const width = Number(arg('width', '0.125'));
const channels = Number(arg('channels', '32'));
const batchSize = Number(arg('batch', '16'));
const baseLr = Number(arg('lr', '0.1'));
const adjustInterval = Number(arg('adjust', '2'));
const out = arg('out', '/tmp/bench-detection');
const seed = 0;

await initBackend(backend);
const t0 = performance.now();
const source = await loadFashionMnist({ split: 'train' });
const heldOut = await loadFashionMnist({ split: 'test' });
const tr = await generateFashionMnistDetection({ outDir: join(out, 'train'), count: nTrain, canvas, seed: 1, source });
const va = await generateFashionMnistDetection({ outDir: join(out, 'val'), count: nVal, canvas, seed: 2, source: heldOut, split: 'test' });
const genSeconds = (performance.now() - t0) / 1000;
const trainDs = await openCocoDataset({ annotationFile: tr.annotationFile, imageDir: tr.imageDir, channels: 1 });
const valDs = await openCocoDataset({ annotationFile: va.annotationFile, imageDir: va.imageDir, channels: 1 });
const detector: CenterNetOptions = { numClasses: 10, backboneOptions: { width, inChannels: 1 }, channels };

async function run(policy: 'plain' | 'dyrep') {
  manualSeed(seed);
  const model = createCenterNet(detector);
  const train = await createDetectionLoader(trainDs, { stride: model.stride, batchSize, shuffle: true, seed, hflip: true });
  const val = await createDetectionLoader(valDs, { stride: model.stride, batchSize: 50 });
  const task = detectionTask({ numClasses: 10, stride: model.stride });
  const saliency = saliencyCollector();
  const plugins = policy === 'dyrep' ? [saliency, dyrepPolicy({ saliency, adjustInterval, recalBnBatches: 5 })] : [];
  const steps = epochs * train.numBatches;
  const trainer = new Trainer({
    model, task, train, validation: val, epochs, inputShape: [canvas, canvas, 1], plugins,
    lr: withWarmup(cosineSchedule(baseLr, steps, 1e-4), 2 * train.numBatches),
    progress: { start() {}, update() {}, stop(m: string) { console.error(`[${policy}] ${m}`); }, log(m: string) { console.error(`[${policy}] ${m}`); } } as never,
  });
  const fit = await trainer.fit();
  trainer.dispose();
  let fusedMetrics: Record<string, number> | null = null;
  let fusedParams = 0;
  let fusedFlops = 0;
  if (listRepBlocks(model).length) {
    const fused = fuseModel(model, { factory: () => createCenterNet(model.options) });
    fused.eval();
    fusedMetrics = await task.evaluate(fused, val.epoch());
    fusedParams = countParams(fused);
    fusedFlops = countFlops(fused, [canvas, canvas, 1]);
    fused.dispose();
  }
  const result = { policy, history: fit.history, events: fit.events, final: fit.finalMetrics, fusedMetrics, fusedParams, fusedFlops, plainParams: 0 };
  model.dispose();
  return result;
}

const plain = await run('plain');
const dyrep = await run('dyrep');
manualSeed(seed);
const probe = createCenterNet(detector);
const plainParams = countParams(probe);
const plainFlops = countFlops(probe, [canvas, canvas, 1]);
probe.dispose();

const pct = (v: number | undefined) => (typeof v === 'number' && v >= 0 ? (v * 100).toFixed(2) : 'n/a');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const lines: string[] = [];
lines.push(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, tfjs 4.22.0 ${backend}; load average at the end ${loadavg().map((v) => v.toFixed(1)).join(', ')}.`);
lines.push(`Data: ${nTrain} train canvases (Fashion-MNIST train items, seed 1) and ${nVal} validation canvases (Fashion-MNIST test items, seed 2), ${canvas}×${canvas}, 1–6 objects, 5% empty; generated in ${genSeconds.toFixed(1)} s (${tr.annotations} / ${va.annotations} boxes).`);
lines.push(`Model: resnet18 width ${width} (imagenet stem, stages at strides 4/8/16), FPN neck and CenterNet head with ${channels} channels, output stride 4; ${plainParams} params, ${(plainFlops / 1e6).toFixed(2)} M multiply-adds per image.`);
lines.push(`Training: ${epochs} epochs, batch ${batchSize}, SGD momentum 0.9, wd 1e-4, lr ${baseLr} (2-epoch linear warmup, cosine to 1e-4), random horizontal flips, seed ${seed}. dyrep: synflow saliency, adjustInterval ${adjustInterval}, topK 1, 5 BN-recalibration batches.`);
lines.push('');
lines.push('| epoch | plain loss | plain mAP | plain AP50 | plain s | dyrep loss | dyrep mAP | dyrep AP50 | dyrep s | dyrep params |');
lines.push('|---|---|---|---|---|---|---|---|---|---|');
plain.history.forEach((p: EpochRecord, i: number) => {
  const d = dyrep.history[i];
  lines.push(`| ${i + 1} | ${p.trainLoss.toFixed(3)} | ${pct(p.val_mAP as number)} | ${pct(p.val_AP50 as number)} | ${p.seconds.toFixed(1)} | ${d.trainLoss.toFixed(3)} | ${pct(d.val_mAP as number)} | ${pct(d.val_AP50 as number)} | ${d.seconds.toFixed(1)} | ${d.params} |`);
});
lines.push('');
lines.push(`| run | final mAP | final AP50 | final AP75 | AR100 | mean s/epoch |`);
lines.push('|---|---|---|---|---|---|');
for (const r of [plain, dyrep]) {
  lines.push(`| ${r.policy} | ${pct(r.final.mAP)} | ${pct(r.final.AP50)} | ${pct(r.final.AP75)} | ${pct(r.final.AR100)} | ${mean(r.history.map((h: EpochRecord) => h.seconds)).toFixed(1)} |`);
}
if (dyrep.fusedMetrics) {
  lines.push(`| dyrep, fused | ${pct(dyrep.fusedMetrics.mAP)} | ${pct(dyrep.fusedMetrics.AP50)} | ${pct(dyrep.fusedMetrics.AP75)} | ${pct(dyrep.fusedMetrics.AR100)} | — |`);
}
lines.push('');
lines.push(`Fused dyrep detector: mAP ${dyrep.fusedMetrics?.mAP} vs trained ${dyrep.final.mAP} (AP50 ${dyrep.fusedMetrics?.AP50} vs ${dyrep.final.AP50}); ${dyrep.fusedParams} params, ${(dyrep.fusedFlops / 1e6).toFixed(2)} M multiply-adds (plain: ${plainParams}, ${(plainFlops / 1e6).toFixed(2)} M).`);
lines.push('');
lines.push('Structure timeline (dyrep):');
lines.push('');
for (const e of dyrep.events as StructureEvent[]) lines.push(`- epoch ${e.epoch + 1}: ${e.type} \`${e.path}\` [${e.branches.join(', ')}]`);
console.log(lines.join('\n'));
