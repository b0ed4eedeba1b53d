// Data-pipeline benchmark: time to read all 70,000 Fashion-MNIST images, and time per batch (128) of
// the training pipeline with augmentation. Run from the repo root:
//   npx tsx --conditions=@dyrep/source tools/bench-data.ts [--backend wasm|cpu] [--repeats 3]
import { cpus, loadavg } from 'node:os';
import { initBackend } from '@dyrep/backend';
import { createSyntheticDataset, DataLoader, evalTransforms, loadFashionMnist, resolveFashionMnistDir, trainTransforms, type Dataset, type PipelineName } from '@dyrep/data';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const backend = arg('backend', 'wasm') as 'wasm' | 'cpu';
const repeats = Number(arg('repeats', '3'));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeRead(): Promise<{ ms: number[]; n: number }> {
  const ms: number[] = [];
  let n = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const [train, test] = await Promise.all([loadFashionMnist({ split: 'train' }), loadFashionMnist({ split: 'test' })]);
    ms.push(performance.now() - t0);
    n = train.size + test.size;
  }
  return { ms, n };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * One epoch per run; returns the data pipeline's visible cost per batch (wall clock minus the time
 * spent in the simulated training step, tensors created and disposed). With `stepMs` > 0 the
 * consumer awaits a timer of that length per batch, standing in for an asynchronous training step
 * during which a prefetched batch can be prepared.
 */
async function timeEpoch(ds: Dataset, pipeline: PipelineName, train: boolean, prefetch: boolean, stepMs = 0): Promise<{ perBatch: number[]; batches: number }> {
  const perBatch: number[] = [];
  let batches = 0;
  for (let r = 0; r < repeats; r++) {
    const loader = new DataLoader(ds, {
      batchSize: 128,
      shuffle: train,
      seed: r,
      dropLast: train,
      prefetch,
      transforms: train ? trainTransforms(pipeline) : evalTransforms(pipeline),
    });
    const t0 = performance.now();
    batches = 0;
    let inStep = 0;
    for await (const b of loader.epoch()) {
      if (stepMs > 0) {
        const s0 = performance.now();
        await sleep(stepMs);
        inStep += performance.now() - s0;
      }
      b.x.dispose();
      b.y.dispose();
      batches++;
    }
    perBatch.push((performance.now() - t0 - inStep) / batches);
  }
  return { perBatch, batches };
}

const choice = await initBackend(backend);
const resolved = await resolveFashionMnistDir();
const cpu = cpus();
console.log(
  `machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown cpu'}, node ${process.version}, tfjs backend ${choice.backend}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(`fashion-mnist from ${resolved.dir} (${resolved.source}); ${repeats} repeats, median reported\n`);

const read = await timeRead();
console.log(`| measurement | median | runs |`);
console.log(`|---|---|---|`);
console.log(
  `| read all ${read.n.toLocaleString('en')} Fashion-MNIST images (gunzip + parse, train ∥ test) | ${(median(read.ms) / 1000).toFixed(2)} s | ${read.ms.map((m) => (m / 1000).toFixed(2)).join(', ')} s |`,
);

const fmnist = await loadFashionMnist();
// Per-batch cost does not depend on the dataset size; 10,000 examples keep generation short.
const cifarLike = createSyntheticDataset({ size: 10000, imageShape: [32, 32, 3], seed: 0 });
const cases: [string, Dataset, PipelineName, boolean, boolean, number?][] = [
  ['fashion-mnist train pipeline (crop pad 2, flip, normalise), shuffled, prefetch', fmnist, 'fashion-mnist', true, true],
  ['fashion-mnist train pipeline, no prefetch', fmnist, 'fashion-mnist', true, false],
  ['fashion-mnist train pipeline, prefetch, behind a simulated 10 ms async step (visible overhead)', fmnist, 'fashion-mnist', true, true, 10],
  ['fashion-mnist train pipeline, no prefetch, behind a simulated 10 ms async step (visible overhead)', fmnist, 'fashion-mnist', true, false, 10],
  ['fashion-mnist eval pipeline (normalise), in order', fmnist, 'fashion-mnist', false, true],
  ['synthetic 32×32×3 (CIFAR-sized), cifar10 train pipeline (crop pad 4, flip, normalise, cutout 16), prefetch', cifarLike, 'cifar10', true, true],
];
for (const [label, ds, pipe, train, prefetch, stepMs] of cases) {
  const r = await timeEpoch(ds, pipe, train, prefetch, stepMs);
  console.log(`| ${label}: time per batch of 128 (${r.batches} batches/epoch) | ${median(r.perBatch).toFixed(2)} ms | ${r.perBatch.map((m) => m.toFixed(2)).join(', ')} ms |`);
}
