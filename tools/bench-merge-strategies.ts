// Which rep-block merge strategy (setMergeStrategy) trains fastest on this backend: one process,
// the strategies interleaved round by round, a ResNet-18 (CIFAR stem) with every eligible conv
// grown (preset from BENCH_PRESET, default full), median ms per training step (forward +
// cross-entropy + variableGrads; no optimizer, identical for all strategies).
//
//   npx tsx --conditions=@dyrep/source tools/bench-merge-strategies.ts
//
// Environment: BENCH_BACKEND (default wasm), BENCH_BATCH (default 32), BENCH_WIDTH (default 0.25),
// BENCH_ROUNDS (default 3), BENCH_PRESET (default full).
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dyrep/backend';
import { createModel } from '@dyrep/models';
import { manualSeed } from '@dyrep/nn';
import { MERGE_STRATEGIES, growAt, listGrowableConvs, setMergeStrategy, type PresetName } from '@dyrep/rep-blocks';
import { crossEntropy } from '@dyrep/trainer';

const BATCH = Number(process.env.BENCH_BATCH ?? 32);
const WIDTH = Number(process.env.BENCH_WIDTH ?? 0.25);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PRESET = (process.env.BENCH_PRESET ?? 'full') as PresetName;

const choice = await initBackend((process.env.BENCH_BACKEND ?? 'wasm') as 'wasm');
manualSeed(1);
const model = createModel('resnet18', { width: WIDTH, numClasses: 10, stem: 'cifar', inputSize: 32 });
for (const { path } of listGrowableConvs(model)) growAt(model, path, { branches: PRESET });
model.train();
const params = model.parameters();
const x = tf.randomNormal([BATCH, 32, 32, 3]);
const y = tf.tensor1d(
  Array.from({ length: BATCH }, (_, i) => i % 10),
  'int32',
);
const step = () => {
  const t = performance.now();
  const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x) as tf.Tensor2D, y) as tf.Scalar, params);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
  return performance.now() - t;
};
const times = new Map<string, number[]>(MERGE_STRATEGIES.map((s) => [s, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < MERGE_STRATEGIES.length; k++) {
    const s = MERGE_STRATEGIES[(k + round) % MERGE_STRATEGIES.length];
    setMergeStrategy(s);
    step(); // warm-up of this strategy's kernels
    times.get(s)!.push(step(), step());
    console.error(
      `round ${round + 1}/${ROUNDS} ${s}: ${times
        .get(s)!
        .slice(-2)
        .map((t) => t.toFixed(0))
        .join(', ')} ms (load ${os.loadavg()[0].toFixed(1)})`,
    );
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times.get('separate')!);
console.log(
  `${choice.backend} (${choice.threads ?? '-'} threads), ResNet-18 width ${WIDTH}, every conv grown (${PRESET}), batch ${BATCH}, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}:\n`,
);
console.log('| strategy | median ms/step | vs separate |');
console.log('|---|---|---|');
for (const [s, ts] of times) console.log(`| ${s} | ${median(ts).toFixed(0)} | ${(median(ts) / base).toFixed(2)}× |`);
