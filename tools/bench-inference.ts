// Inference latency on the wasm backend for a small ResNet-18 (width 0.25, CIFAR stem, 32×32×3, 10
// classes): the multi-branch training structure (every 3×3 conv grown into a rep-block) vs the
// deployed model (@dyrep/exporter's deploy: blocks fused, BN folded) vs the plain model (conv → BN,
// never grown). Prints a markdown table of median milliseconds per forward pass.
//
//   npx tsx --conditions=@dyrep/source tools/bench-inference.ts
//
// Environment: BENCH_REPS (timed runs per row and batch, default 15), BENCH_BATCHES (default "1,64"),
// BENCH_PRESET (branch preset of the grown blocks, default "full"), BENCH_WIDTH (default 0.25).
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dyrep/backend';
import { Rng, countFlops, countParams, type Module } from '@dyrep/nn';
import { createModel } from '@dyrep/models';
import { growAt, listGrowableConvs, type PresetName } from '@dyrep/rep-blocks';
import { deployWithReport } from '@dyrep/exporter';

const REPS = Number(process.env.BENCH_REPS ?? 15);
const BATCHES = (process.env.BENCH_BATCHES ?? '1,64').split(',').map(Number);
const PRESET = (process.env.BENCH_PRESET ?? 'full') as PresetName;
const WIDTH = Number(process.env.BENCH_WIDTH ?? 0.25);
const SIZE = 32;
const OPTIONS = { width: WIDTH, numClasses: 10, stem: 'cifar' as const, inputSize: SIZE };

function randomiseBn(model: Module, rng: Rng): void {
  model.train();
  for (let i = 0; i < 2; i++) tf.tidy(() => void model.forward(tf.tensor(rng.normalArray(8 * SIZE * SIZE * 3), [8, SIZE, SIZE, 3])));
  model.eval();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  await initBackend('wasm');
  const rng = new Rng(0);
  const plain = createModel('resnet18', OPTIONS);
  randomiseBn(plain, rng);
  const trained = createModel('resnet18', OPTIONS);
  const grown = listGrowableConvs(trained).length;
  for (const g of listGrowableConvs(trained)) growAt(trained, g.path, { branches: PRESET, rng });
  randomiseBn(trained, rng);
  const { model: deployed, equivalence } = deployWithReport(trained);
  const rows: [string, Module][] = [
    [`training structure (${grown} convs grown, preset \`${PRESET}\`)`, trained],
    ['deployed (blocks fused, BN folded)', deployed],
    ['plain (conv → BN, never grown)', plain],
  ];
  const times = new Map<string, Map<number, number[]>>(rows.map(([n]) => [n, new Map(BATCHES.map((b) => [b, []]))]));
  for (const batch of BATCHES) {
    const x = tf.tensor(rng.normalArray(batch * SIZE * SIZE * 3), [batch, SIZE, SIZE, 3]);
    for (const [, m] of rows) for (let i = 0; i < 2; i++) tf.tidy(() => void m.forward(x).dataSync());
    // Rows take turns so that load changes on a shared machine hit all of them alike.
    for (let r = 0; r < REPS; r++) {
      for (const [name, m] of rows) {
        const t0 = process.hrtime.bigint();
        tf.tidy(() => void m.forward(x).dataSync());
        times
          .get(name)!
          .get(batch)!
          .push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
    x.dispose();
  }
  const flops = (m: Module) => (countFlops(m, [SIZE, SIZE, 3]) / 1e6).toFixed(1);
  console.log(`ResNet-18 width ${WIDTH}, ${SIZE}×${SIZE}×3, wasm, ${os.cpus().length} CPUs, Node ${process.version}, median of ${REPS} runs`);
  console.log(`deployed vs training structure: relative max |Δ| ${equivalence!.maxRelDiff.toExponential(2)}, top-1 agreement ${equivalence!.top1Agreement * 100}%\n`);
  console.log(`| model | params | MFLOPs | ${BATCHES.map((b) => `batch ${b} (ms) [min–max]`).join(' | ')} |`);
  console.log(`|---|---|---|${BATCHES.map(() => '---').join('|')}|`);
  for (const [name, m] of rows) {
    const cells = BATCHES.map((b) => {
      const t = times.get(name)!.get(b)!;
      return `${median(t).toFixed(1)} [${Math.min(...t).toFixed(1)}–${Math.max(...t).toFixed(1)}]`;
    });
    console.log(`| ${name} | ${countParams(m).toLocaleString('en-US')} | ${flops(m)} | ${cells.join(' | ')} |`);
  }
  for (const [, m] of rows) m.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
