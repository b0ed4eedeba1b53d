// What one training step keeps alive: peak tensor bytes (tfjs' own accounting, `tf.profile`) of a
// ResNet-18 (CIFAR stem, width 0.25) forward + backward, plain, fully DBB-expanded with the
// gradient tape recorded, and fully DBB-expanded with rep-blocks recomputed in the backward pass
// (setBlockRecomputation), with the bytes the largest kernel kinds allocated. Prints markdown.
//
//   npx tsx --conditions=@dyrep/source tools/bench-step-memory.ts        # BATCH=16, BACKEND=wasm
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dyrep/backend';
import { createModel } from '@dyrep/models';
import { manualSeed } from '@dyrep/nn';
import { growAt, listGrowableConvs, setBlockRecomputation } from '@dyrep/rep-blocks';
import { crossEntropy } from '@dyrep/trainer';

const BATCH = Number(process.env.BATCH ?? 16);
const MiB = (b: number) => (b / 2 ** 20).toFixed(0);

await initBackend((process.env.BACKEND ?? 'wasm') as 'wasm' | 'cpu');
console.log(`ResNet-18 (CIFAR stem, width 0.25), batch ${BATCH}, backend ${tf.getBackend()}: one forward + backward (variableGrads).\n`);
console.log('| network | tape | tensor bytes after forward | peak tensor bytes | kernels run | largest allocations by kernel (MiB) |');
console.log('|---|---|---|---|---|---|');
for (const [dbb, recompute] of [
  [false, false],
  [true, false],
  [true, true],
] as const) {
  manualSeed(1);
  const model = createModel('resnet18', { width: 0.25, numClasses: 10, stem: 'cifar', inputSize: 32 });
  if (dbb) for (const { path } of listGrowableConvs(model)) growAt(model, path, { branches: 'dbb' });
  model.train();
  setBlockRecomputation(recompute);
  const params = model.parameters();
  const x = tf.randomNormal([BATCH, 32, 32, 3]);
  const y = tf.tensor1d(
    Array.from({ length: BATCH }, (_, i) => i % 10),
    'int32',
  );
  const base = tf.memory().numBytes;
  let afterForward = 0;
  const profile = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => {
      const loss = crossEntropy(model.forward(x) as tf.Tensor2D, y) as tf.Scalar;
      afterForward = tf.memory().numBytes;
      return loss;
    }, params);
    tf.dispose([value, ...Object.values(grads)]);
  });
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Math.max(0, k.bytesAdded));
  const top = [...byKernel.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([n, b]) => `${n} ${MiB(b)}`)
    .join(', ');
  console.log(
    `| ${dbb ? 'DBB everywhere' : 'plain'} | ${recompute ? 'blocks recomputed' : 'recorded'} | ${MiB(afterForward - base)} MiB | ${MiB(profile.peakBytes - base)} MiB | ${profile.kernels.length} | ${top} |`,
  );
  setBlockRecomputation(false);
  tf.dispose([x, y]);
  model.dispose();
}
