// Detection benchmark: a CenterNet-style detector (ResNet-18 backbone at a width multiplier, FPN
// neck, CenterNet head) fine-tuned on the generated Fashion-MNIST detection set, plain vs `dyrep`,
// same epochs, data and seed; then the dyrep model is fused and re-evaluated. Run from the repo root:
//   npx tsx --conditions=@dyrep/source tools/bench-detection.ts [--backend wasm|cpu] [--epochs 16]
//     [--train 600] [--val 150] [--canvas 96] [--width 0.125] [--channels 32] [--batch 16] [--lr 0.1]
//     [--adjust 2] [--extra-sets 4] [--out /tmp/bench-detection]
// Each run keeps its checkpoint and metrics.jsonl in <out>/runs/<policy>. Prints a markdown report: per-epoch table, structure timeline, and fused vs trained mAP on the
// validation set and `--extra-sets` more held-out sets, next to the same trained model on cpu
// instead of wasm (the size of plain float32 evaluation noise).
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dyrep/backend';
import { loadFashionMnist } from '@dyrep/data';
import {
  boxIou, createCenterNet, createDetectionLoader, detectionTask, evaluateCoco, generateFashionMnistDetection, openCocoDataset, type CenterNetOptions,
  type CocoAnnotation, type CocoDataset, type DetectionResults, type DetectOutput,
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
/** The other embedded backend: the trained model evaluated there measures plain float32 noise. */
const yardstick = backend === 'cpu' ? 'wasm' : 'cpu';
const epochs = Number(arg('epochs', '16'));
const nTrain = Number(arg('train', '600'));
const nVal = Number(arg('val', '150'));
const canvas = Number(arg('canvas', '96'));
const width = Number(arg('width', '0.125'));
const channels = Number(arg('channels', '32'));
const batchSize = Number(arg('batch', '16'));
const baseLr = Number(arg('lr', '0.1'));
const adjustInterval = Number(arg('adjust', '2'));
const extraSets = Number(arg('extra-sets', '4'));
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
const extraVal: CocoDataset[] = [];
for (let i = 1; i <= extraSets; i++) {
  const g = await generateFashionMnistDetection({ outDir: join(out, `val-extra-${i}`), count: nVal, canvas, seed: 2 + i, source: heldOut, split: 'test' });
  extraVal.push(await openCocoDataset({ annotationFile: g.annotationFile, imageDir: g.imageDir, channels: 1 }));
}
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
    model, task, train, validation: val, epochs, inputShape: [canvas, canvas, 1], plugins, outDir: join(out, 'runs', policy),
    lr: withWarmup(cosineSchedule(baseLr, steps, 1e-4), 2 * train.numBatches),
    progress: { start() {}, update() {}, stop(m: string) { console.error(`[${policy}] ${m}`); }, log(m: string) { console.error(`[${policy}] ${m}`); } } as never,
  });
  const fit = await trainer.fit();
  trainer.dispose();
  let fusedMetrics: Record<string, number> | null = null;
  let fusedParams = 0;
  let fusedFlops = 0;
  const checks: FusionCheck[] = [];
  if (listRepBlocks(model).length) {
    const fused = fuseModel(model, { factory: () => createCenterNet(model.options) });
    model.eval();
    fused.eval();
    for (const [i, set] of [valDs, ...extraVal].entries()) {
      const loader = await createDetectionLoader(set, { stride: model.stride, batchSize: 50 });
      const trained = await task.detect(model, loader.epoch());
      const deployed = await task.detect(fused, loader.epoch());
      const onOther = await onBackend(yardstick, () => task.detect(model, loader.epoch()));
      const score = (d: DetectOutput) => evaluateCoco(d.groundTruth!, d.detections, { imageIds: d.imageIds });
      const [rt, rf, rc] = [score(trained), score(deployed), score(onOther)];
      if (i === 0) fusedMetrics = { mAP: rf.AP, AP50: rf.AP50, AP75: rf.AP75, AR100: rf.AR100 };
      checks.push({
        set: i === 0 ? 'validation (seed 2)' : `extra ${i} (seed ${2 + i})`,
        trained: rt.AP, fused: rf.AP, onOtherBackend: rc.AP,
        fusedVsTrained: compareDetections(trained.detections, deployed.detections),
        crossings: iouThresholdCrossings(trained, deployed, rt.params.iouThresholds),
        otherBackend: compareDetections(trained.detections, onOther.detections),
      });
    }
    fusedParams = countParams(fused);
    fusedFlops = countFlops(fused, [canvas, canvas, 1]);
    fused.dispose();
  }
  const result = { policy, history: fit.history, events: fit.events, final: fit.finalMetrics, fusedMetrics, fusedParams, fusedFlops, checks };
  model.dispose();
  return result;
}

/** One set's fused-vs-trained check: mAP of the training structure, of the fused model, and of the training structure on the yardstick backend. */
interface FusionCheck {
  set: string;
  trained: number;
  fused: number;
  onOtherBackend: number;
  fusedVsTrained: DetectionDiff;
  /** Training structure on the yardstick backend vs on the main one. */
  otherBackend: DetectionDiff;
  crossings: string[];
}

/** Detections present in only one of two lists, and the largest differences of those found in both. */
interface DetectionDiff {
  unmatched: number;
  box: number;
  score: number;
}

type Detection = DetectionResults[number];
const imageAndClass = (d: { image_id: number; category_id: number }) => `${d.image_id}/${d.category_id}`;

/** Detections found in both lists (same image and class, every box coordinate within 0.01 px), and how many are in one list only. */
function pairDetections(a: DetectionResults, b: DetectionResults): { pairs: [Detection, Detection][]; unmatched: number } {
  const pools = new Map<string, Detection[]>();
  for (const e of b) pools.set(imageAndClass(e), [...(pools.get(imageAndClass(e)) ?? []), e]);
  const pairs: [Detection, Detection][] = [];
  for (const d of a) {
    const pool = pools.get(imageAndClass(d)) ?? [];
    const j = pool.findIndex((e) => e.bbox.every((v, c) => Math.abs(v - d.bbox[c]) < 1e-2));
    if (j >= 0) pairs.push([d, pool.splice(j, 1)[0]]);
  }
  return { pairs, unmatched: a.length + b.length - 2 * pairs.length };
}

function compareDetections(a: DetectionResults, b: DetectionResults): DetectionDiff {
  const { pairs, unmatched } = pairDetections(a, b);
  let box = 0;
  let score = 0;
  for (const [d, e] of pairs) {
    box = Math.max(box, ...d.bbox.map((v, c) => Math.abs(v - e.bbox[c])));
    score = Math.max(score, Math.abs(d.score - e.score));
  }
  return { unmatched, box, score };
}

/**
 * Detections found by both runs whose IoU with a same-class ground-truth box lies on different
 * sides of one of the COCO IoU thresholds: what can change mAP when the detections themselves agree
 * to float32 rounding.
 */
function iouThresholdCrossings(a: DetectOutput, b: DetectOutput, thresholds: readonly number[]): string[] {
  const truths = new Map<string, CocoAnnotation[]>();
  for (const g of a.groundTruth!.annotations) truths.set(imageAndClass(g), [...(truths.get(imageAndClass(g)) ?? []), g]);
  const out: string[] = [];
  for (const [d, e] of pairDetections(a.detections, b.detections).pairs) {
    for (const g of truths.get(imageAndClass(d)) ?? []) {
      const [u, v] = [boxIou(d.bbox, g.bbox), boxIou(e.bbox, g.bbox)];
      const t = thresholds.find((th) => u >= th !== v >= th);
      if (t !== undefined) out.push(`image ${d.image_id}, class ${d.category_id}: IoU ${u.toFixed(8)} vs ${v.toFixed(8)} at threshold ${t.toFixed(2)}`);
    }
  }
  return out;
}

/** Runs `fn` with the tfjs backend switched to `name`, then switches back. */
async function onBackend<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  await tf.setBackend(name);
  try {
    return await fn();
  } finally {
    await tf.setBackend(previous);
  }
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
lines.push(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, tfjs 4.22.0 ${backend}; load average at the end ${loadavg().map((v) => v.toFixed(1)).join(', ')}; whole run ${((performance.now() - t0) / 60000).toFixed(1)} min.`);
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
lines.push(`Fused dyrep detector: ${dyrep.fusedParams} params, ${(dyrep.fusedFlops / 1e6).toFixed(2)} M multiply-adds (plain: ${plainParams}, ${(plainFlops / 1e6).toFixed(2)} M).`);
lines.push('');
lines.push(`| held-out set | mAP trained (${backend}) | mAP fused (${backend}) | fused − trained | detections differing, fused vs trained | mAP trained on ${yardstick} | ${yardstick} − ${backend} | detections differing, ${yardstick} vs ${backend} |`);
lines.push('|---|---|---|---|---|---|---|---|');
const exp = (v: number) => (v === 0 ? '0' : v.toExponential(1));
for (const c of dyrep.checks) {
  const f = c.fusedVsTrained;
  const g = c.otherBackend;
  lines.push(`| ${c.set} | ${c.trained.toFixed(6)} | ${c.fused.toFixed(6)} | ${exp(c.fused - c.trained)} | ${f.unmatched} (matched: box ≤ ${exp(f.box)} px, score ≤ ${exp(f.score)}) | ${c.onOtherBackend.toFixed(6)} | ${exp(c.onOtherBackend - c.trained)} | ${g.unmatched} (box ≤ ${exp(g.box)} px, score ≤ ${exp(g.score)}) |`);
}
const crossings = dyrep.checks.flatMap((c) => c.crossings.map((x) => `- ${c.set}, fused vs trained: ${x}`));
if (crossings.length) lines.push('IoU-threshold crossings:', '', ...crossings, '');
lines.push('Structure timeline (dyrep):');
lines.push('');
for (const e of dyrep.events as StructureEvent[]) lines.push(`- epoch ${e.epoch + 1}: ${e.type} \`${e.path}\` [${e.branches.join(', ')}]`);
console.log(lines.join('\n'));
