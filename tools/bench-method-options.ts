// The comparison of docs/benchmarks.md "Method options": this project's defaults against the
// authors' variants. First, without training, what each static DBB variant (--dbb-variant
// preserving|authors) does to a fresh model with an ImageNet stem (convs converted, parameters,
// FLOPs, change of the eval output); then training runs on the same data, seed and epochs of
// `dyrep` with --cut-mode fold|reset (and of `dbb` with each variant when --policies includes it),
// each a child process of `dyrep bench` (runBench). Prints Markdown tables.
// Usage: npx tsx --conditions=@dyrep/source tools/bench-method-options.ts [--config FILE] [--out DIR] [--policies dyrep|dbb,dyrep]
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '@dyrep/backend';
import * as tf from '@tensorflow/tfjs-core';
import { readConfigFile, resolveTrainConfig, runBench } from '@dyrep/cli';
import { createPolicy } from '@dyrep/evolution';
import { createModel } from '@dyrep/models';
import { manualSeed } from '@dyrep/nn';
import { applyMutationPlan } from '@dyrep/rep-blocks';
import { fakeTrainerContext } from '@dyrep/testing';

/** Converts a fresh model with each static DBB variant: what changes, before any training. */
async function staticDbbRows(model: string, width: number): Promise<string[]> {
  const rows: string[] = [];
  for (const dbbVariant of ['preserving', 'authors'] as const) {
    manualSeed(0);
    const net = createModel(model, { width, numClasses: 10, inChannels: 1, stem: 'imagenet', inputSize: 64 }).eval();
    const x = tf.randomUniform([8, 64, 64, 1], 0, 1, 'float32', 1);
    const y0 = net.forward(x);
    const ctx = fakeTrainerContext({ model: net });
    createPolicy('dbb', { dbbVariant }).hooks.onTrainBegin!(ctx);
    const plans = ctx.proposed;
    const result = await applyMutationPlan(net, plans[0], { inputShape: [64, 64, 1] });
    net.eval();
    const y1 = net.forward(x);
    const change = tf.tidy(() => tf.max(tf.abs(tf.sub(y1, y0))).dataSync()[0] / tf.max(tf.abs(y0)).dataSync()[0]);
    const kernels = [...new Set(plans[0].ops.map((o) => (net.getModule(o.path) as unknown as { geometry: { kernelSize: number } }).geometry.kernelSize))];
    rows.push(
      `| \`--dbb-variant ${dbbVariant}\` | ${plans[0].ops.length} (${kernels.map((k) => `${k}×${k}`).join(', ')}) | ${result.params.toLocaleString('en-US')} | ${(result.flops / 1e6).toFixed(1)} | ${change.toExponential(1)} |`,
    );
    tf.dispose([x, y0, y1]);
    net.dispose();
  }
  return rows;
}

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: 'packages/cli/configs/fashion-mnist-method-options.yaml' },
    out: { type: 'string', default: 'runs/bench-method-options' },
    backend: { type: 'string', default: 'wasm' },
    policies: { type: 'string', default: 'dbb,dyrep' },
  },
});
const variants = [
  { name: 'ours (default)', dbbVariant: 'preserving', cutMode: 'fold', dir: 'ours' },
  { name: "authors'", dbbVariant: 'authors', cutMode: 'reset', dir: 'authors' },
] as const;
const file = readConfigFile(values.config!);
const started = Date.now();
const rows: string[] = [];
let config = resolveTrainConfig(file, { backend: values.backend });
await initBackend(config.backend);
const staticRows = await staticDbbRows(config.model, config.width);
for (const v of variants) {
  config = resolveTrainConfig(file, { backend: values.backend, out: join(values.out!, v.dir), dbbVariant: v.dbbVariant, cutMode: v.cutMode });
  const result = await runBench(config, { policies: values.policies!.split(','), overwrite: true });
  for (const e of result.entries) {
    const s = e.summary;
    const option = e.policy === 'dbb' ? `--dbb-variant ${v.dbbVariant}` : `--cut-mode ${v.cutMode}`;
    const grows = s.events.filter((x) => x.type === 'grow').length;
    const cuts = s.events.filter((x) => x.type === 'cut').length;
    const mean = s.secondsPerEpoch.reduce((a, b) => a + b, 0) / s.secondsPerEpoch.length;
    const curve = s.history.map((h) => `${(Number(h.val_top1) * 100).toFixed(1)}`).join(' → ');
    rows.push(
      `| ${e.policy} | ${v.name}: \`${option}\` | ${(s.testAccuracy * 100).toFixed(2)}% | ${curve} | ${grows} / ${cuts} | ${Math.max(...s.history.map((h) => h.params)).toLocaleString('en-US')} | ${mean.toFixed(1)} | ${s.deployMaxRelDiff.toExponential(1)} |`,
    );
  }
}
const minutes = (Date.now() - started) / 60000;
console.log(
  [
    `Command: \`npx tsx --conditions=@dyrep/source tools/bench-method-options.ts --config ${values.config} --policies ${values.policies}\``,
    '',
    `Static DBB on a fresh ${config.model} (width ${config.width}, ImageNet stem with its 7×7 conv, 64×64 input), before training:`,
    '',
    '| variant | convs converted | train params | train MFLOPs | eval output change (max rel. Δ) |',
    '|---|---|---|---|---|',
    ...staticRows,
    '',
    `(${minutes.toFixed(0)} min; ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, backend ${config.backend}; ${config.model} width ${config.width}, ${config.epochs} epochs, batch ${config.batchSize}, lr ${config.lr}, seed ${config.seed}, ${config.trainLimit ?? 'all'} training / ${config.testLimit ?? 'all'} test images).`,
    '',
    '| policy | variant | test top-1 | val top-1 by epoch (%) | grows / cuts | peak train params | s/epoch | deploy max rel. Δ |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n'),
);
