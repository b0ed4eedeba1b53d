// Detection benchmark through the CLI's own run code (what `dyrep train`, `dyrep detect train`,
// `dyrep detect export` and `dyrep detect eval --model` run): a DyRep classification run on
// Fashion-MNIST, then four detectors on the RGB generated detection set — backbone from that run vs
// from scratch, policy `none` vs `dyrep`, same data, epochs and seed — each exported to ONNX and the
// exported file scored by ONNX Runtime. Run from the repo root:
//   npx tsx --conditions=@dyrep/source tools/bench-detection.ts [--backend wasm] [--epochs 6]
//     [--train 300] [--val 100] [--canvas 64] [--classifier-epochs 3] [--classifier-limit 2000]
//     [--out /tmp/bench-detection]
// Prints a markdown report: the summary table, per-epoch mAP, and each run's structure timeline.
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { generateFashionMnistDetection } from '@dyrep/detection';
import { DETECT_CONFIG, evaluateExportedDetector, exportDetector, resolveConfig, resolveTrainConfig, runDetectionTraining, runTraining, type DetectionSummary } from '@dyrep/cli';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const backend = arg('backend', 'wasm');
const epochs = Number(arg('epochs', '6'));
const out = arg('out', '/tmp/bench-detection');
const seed = 0;
const load0 = loadavg()[0];

const classifierOut = join(out, 'classifier');
const t0 = performance.now();
const cls = await runTraining(
  resolveTrainConfig({
    model: 'resnet18',
    width: 0.125,
    stem: 'imagenet',
    dataset: 'fashion-mnist',
    trainLimit: Number(arg('classifier-limit', '2000')),
    testLimit: 1000,
    epochs: Number(arg('classifier-epochs', '3')),
    batchSize: 64,
    lr: 0.1,
    policy: 'dyrep',
    adjustInterval: 1,
    topK: 2,
    recalBnBatches: 5,
    backend,
    seed,
    out: classifierOut,
    export: [],
  }),
  { overwrite: true, progress: false },
);
const classifierMinutes = (performance.now() - t0) / 60000;
console.error(`classifier: top-1 ${(cls.testAccuracy * 100).toFixed(2)}%, ${cls.events.length} structure changes, ${classifierMinutes.toFixed(1)} min`);

interface Row {
  name: string;
  summary: DetectionSummary;
  exportedMap: number;
  exportedAp50: number;
}
const rows: Row[] = [];
const data = join(out, 'data');
const canvas = Number(arg('canvas', '64'));
const train = await generateFashionMnistDetection({ outDir: join(data, 'train'), count: Number(arg('train', '300')), canvas, seed: 1, color: 'rgb' });
const val = await generateFashionMnistDetection({ outDir: join(data, 'val'), count: Number(arg('val', '100')), canvas, seed: 2, split: 'test', color: 'rgb' });
const layout = { trainAnn: train.annotationFile, trainImages: train.imageDir, valAnn: val.annotationFile, valImages: val.imageDir };
for (const from of ['scratch', 'classifier'] as const) {
  for (const policy of ['none', 'dyrep'] as const) {
    const name = `${from} · ${policy}`;
    const runOut = join(out, `${from}-${policy}`);
    const config = resolveConfig(DETECT_CONFIG, {
      ...layout,
      out: runOut,
      ...(from === 'classifier' ? { backbone: classifierOut } : {}),
      width: 0.125,
      stem: 'imagenet',
      epochs,
      batchSize: 16,
      lr: 0.1,
      policy,
      adjustInterval: 2,
      seed,
      backend,
    });
    const summary = await runDetectionTraining(config, { overwrite: true, progress: false });
    const onnx = join(runOut, 'detector.onnx');
    await exportDetector(runOut, 'onnx', onnx, true);
    const scored = await evaluateExportedDetector({ model: onnx, images: val.imageDir, gt: val.annotationFile });
    rows.push({ name, summary, exportedMap: scored.metrics.AP, exportedAp50: scored.metrics.AP50 });
    console.error(`${name}: mAP ${(summary.metrics.mAP * 100).toFixed(2)}%, exported ${(scored.metrics.AP * 100).toFixed(2)}%`);
  }
}

const pct = (v: number | undefined) => (typeof v === 'number' && v >= 0 ? (v * 100).toFixed(2) : 'n/a');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const lines: string[] = [];
lines.push(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, backend ${backend}, load average ${load0.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at the end (shared with other jobs).`);
lines.push(
  `Classifier: resnet18 width 0.125, imagenet stem, DyRep, Fashion-MNIST: top-1 ${pct(cls.testAccuracy)}%, ${cls.events.filter((e) => e.type === 'grow').length} grows / ${cls.events.filter((e) => e.type === 'cut').length} cuts, ${classifierMinutes.toFixed(1)} min.`,
  '',
);
lines.push('| backbone · policy | mAP (%) | AP50 (%) | fused mAP (%) | exported ONNX mAP (%) | exported AP50 (%) | s/epoch | params train → deploy | structure changes |');
lines.push('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const s = r.summary;
  lines.push(
    `| ${r.name} | ${pct(s.metrics.mAP)} | ${pct(s.metrics.AP50)} | ${s.fusedMetrics ? pct(s.fusedMetrics.mAP) : '—'} | ${pct(r.exportedMap)} | ${pct(r.exportedAp50)} | ${mean(s.secondsPerEpoch).toFixed(1)} | ${s.params.train} → ${s.params.deploy} | ${s.events.length} |`,
  );
}
lines.push('', '| epoch | ' + rows.map((r) => r.name).join(' | ') + ' |', '|---|' + rows.map(() => '---|').join(''));
for (let e = 0; e < epochs; e++) lines.push(`| ${e + 1} | ${rows.map((r) => pct(r.summary.history[e]?.val_mAP as number | undefined)).join(' | ')} |`);
lines.push('', 'Structure timeline (epoch: change at path):', '');
for (const r of rows) {
  const ev = r.summary.events;
  lines.push(`- ${r.name}: ${ev.length ? ev.map((e) => `${e.epoch + 1}: ${e.type} ${e.path}`).join('; ') : 'none'}`);
}
console.log(lines.join('\n'));
