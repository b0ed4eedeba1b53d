// Builds a small VGG-like network, grows its convs into rep-blocks of every preset (with nesting),
// randomises every BatchNorm, fuses it and prints max |Δ| between the multi-branch and the fused
// network's eval outputs, then times the forward pass of the multi-branch, fused and plain networks.
//
// Usage (from the repo root):
//   npx tsx --conditions=@dyrep/source tools/verify-fusion.ts [--backend wasm|cpu] [--batch 64] [--runs 5] [--seed 0]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dyrep/backend';
import { BatchNorm2d, Conv2d, GlobalAvgPool, Linear, MaxPool2d, ReLU, Rng, Sequential, countFlops, countParams, manualSeed, type Module } from '@dyrep/nn';
import { fuseModel, growAt, listRepBlocks, type PresetName } from '@dyrep/rep-blocks';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const backend = arg('backend', 'wasm') as 'wasm' | 'cpu';
const batch = Number(arg('batch', '64'));
const runs = Number(arg('runs', '5'));
const seed = Number(arg('seed', '0'));
const size = 32;

/** VGG-like: [16, 16, M, 32, 32(depthwise), 32(stride 2, 5×5), 64, 64(groups 2)] on 32×32×3, then a classifier. */
function plainNet(): Sequential {
  const net = new Sequential();
  const stage = (cin: number, cout: number, extra: Partial<ConstructorParameters<typeof Conv2d>[0]> = {}) => {
    net.append(new Conv2d({ inChannels: cin, outChannels: cout, kernelSize: 3, padding: 1, bias: true, ...extra }));
    net.append(new BatchNorm2d(cout));
    net.append(new ReLU());
  };
  stage(3, 16);
  stage(16, 16);
  net.append(new MaxPool2d(2));
  stage(16, 32);
  stage(32, 32, { groups: 32 });
  stage(32, 32, { kernelSize: 5, padding: 2, stride: 2 });
  stage(32, 64);
  stage(64, 64, { groups: 2, padding: 0 });
  net.append(new GlobalAvgPool());
  net.append(new Linear(64, 10));
  return net;
}

function randomizeAll(model: Module, rng: Rng): void {
  tf.tidy(() => {
    for (const [, m] of model.namedModules()) {
      if (m instanceof BatchNorm2d) {
        const c = m.numFeatures;
        m.weight.assign(tf.tensor1d(rng.uniformArray(c, 0.5, 1.5)));
        m.bias.assign(tf.tensor1d(rng.normalArray(c, 0.5)));
        m.runningMean.assign(tf.tensor1d(rng.normalArray(c, 0.5)));
        m.runningVar.assign(tf.tensor1d(rng.uniformArray(c, 0.3, 2)));
      } else if (m instanceof Conv2d && m.bias) {
        m.bias.assign(tf.tensor1d(rng.normalArray(m.outChannels, 0.5)));
      }
    }
  });
}

/** Median forward time (ms) of each model, measured in interleaved rounds after two warm-up passes. */
function timeForwards(models: Module[], x: tf.Tensor): number[] {
  for (const m of models) m.eval();
  for (let i = 0; i < 2; i++) for (const m of models) tf.tidy(() => m.forward(x).dataSync());
  const times: number[][] = models.map(() => []);
  for (let r = 0; r < runs; r++) {
    models.forEach((m, i) => {
      const t0 = performance.now();
      tf.tidy(() => m.forward(x).dataSync());
      times[i].push(performance.now() - t0);
    });
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

async function main(): Promise<void> {
  await initBackend(backend);
  const start = tf.memory().numTensors;
  manualSeed(seed);
  const rng = new Rng(seed + 1);
  const model = plainNet();
  const convPaths = model
    .namedModules()
    .filter(([, m]) => m instanceof Conv2d)
    .map(([p]) => p);
  // one preset per conv, chosen so that every branch kind occurs (id needs cin = cout, 1x1/1xk/kx1 need padding ⌊k/2⌋)
  const presets: PresetName[] = ['full', 'repvgg', 'dbb', 'full', 'acb', 'repvgg', 'dbb'];
  convPaths.forEach((path, i) => {
    const block = growAt(model, path, { branches: presets[i % presets.length] });
    if (i % 2 === 0) growAt(model, `${path}.kxk.conv`, { branches: presets[(i + 1) % presets.length] });
    if (block.has('1x1_kxk')) growAt(model, `${path}.1x1_kxk.conv2`, { branches: 'full' });
  });
  randomizeAll(model, rng);
  model.eval();
  const blocks = listRepBlocks(model);
  const x = tf.tensor4d(rng.normalArray(batch * size * size * 3), [batch, size, size, 3]);
  const fused = fuseModel(model);
  const [y, z] = [model.forward(x), fused.forward(x)];
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(y, z))).dataSync()[0]);
  const scale = tf.tidy(() => tf.max(tf.abs(y)).dataSync()[0]);
  tf.dispose([y, z]);
  const plain = plainNet();
  const inShape = [size, size, 3];
  console.log(`backend ${tf.getBackend()}, batch ${batch}, input ${size}×${size}×3, seed ${seed}`);
  console.log(`rep-blocks: ${blocks.length} (${blocks.filter((b) => b.block.depth === 0).length} top-level, ${blocks.filter((b) => b.block.depth === 1).length} nested)`);
  console.log(`  ${blocks.map((b) => `${b.path}[${b.block.branchKinds.join(',')}]`).join('\n  ')}`);
  console.log(`max |Δ| multi-branch vs fused: ${diff.toExponential(3)} (max |y| ${scale.toFixed(3)}, ratio ${(diff / scale).toExponential(3)})`);
  console.log(`params: multi-branch ${countParams(model)}, fused ${countParams(fused)}, plain ${countParams(plain)}`);
  console.log(`FLOPs/example: multi-branch ${countFlops(model, inShape)}, fused ${countFlops(fused, inShape)}, plain ${countFlops(plain, inShape)}`);
  const [tMulti, tFused, tPlain] = timeForwards([model, fused, plain], x);
  console.log(`forward at batch ${batch} (median of ${runs} interleaved runs): multi-branch ${tMulti.toFixed(1)} ms, fused ${tFused.toFixed(1)} ms, plain ${tPlain.toFixed(1)} ms`);
  fused.dispose();
  plain.dispose();
  model.dispose();
  x.dispose();
  const leaked = tf.memory().numTensors - start;
  console.log(`tensors left behind: ${leaked}`);
  if (diff / scale > 1e-4 || leaked !== 0) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
