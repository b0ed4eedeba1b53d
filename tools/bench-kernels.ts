// Benchmarks conv kernels (forward, dx, dw) for the conv layers of a CIFAR-style ResNet-18:
// wasm with @dyrep/backend's training kernels vs tfjs-backend-wasm's built-in Conv2DBackpropInput
// vs the cpu backend. Prints a markdown table of GFLOP/s.
//
//   npx tsx --conditions=@dyrep/source tools/bench-kernels.ts
//
// Environment: BENCH_BATCH (default 64), BENCH_REPS (timed reps per wasm kernel, default 3),
// BENCH_CPU_BATCH (batch for the slow cpu backend, default 1, one run, no warm-up; its GFLOP/s is as measured,
// i.e. per-batch throughput, which is what scaling to batch 64 assumes), BENCH_SKIP_BUILTIN=1.
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { KernelBackend, KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { initBackend, wasmTrainingKernelConfigs } from '@dyrep/backend';

interface Layer {
  name: string;
  /** Input spatial size (square). */
  size: number;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  /** How many times the shape occurs in ResNet-18. */
  count: number;
}

const LAYERS: Layer[] = [
  { name: 'stem 3x3', size: 32, cin: 3, cout: 64, k: 3, stride: 1, count: 1 },
  { name: 'layer1 3x3', size: 32, cin: 64, cout: 64, k: 3, stride: 1, count: 4 },
  { name: 'layer2 3x3/2', size: 32, cin: 64, cout: 128, k: 3, stride: 2, count: 1 },
  { name: 'layer2 1x1/2', size: 32, cin: 64, cout: 128, k: 1, stride: 2, count: 1 },
  { name: 'layer2 3x3', size: 16, cin: 128, cout: 128, k: 3, stride: 1, count: 3 },
  { name: 'layer3 3x3/2', size: 16, cin: 128, cout: 256, k: 3, stride: 2, count: 1 },
  { name: 'layer3 1x1/2', size: 16, cin: 128, cout: 256, k: 1, stride: 2, count: 1 },
  { name: 'layer3 3x3', size: 8, cin: 256, cout: 256, k: 3, stride: 1, count: 3 },
  { name: 'layer4 3x3/2', size: 8, cin: 256, cout: 512, k: 3, stride: 2, count: 1 },
  { name: 'layer4 1x1/2', size: 8, cin: 256, cout: 512, k: 1, stride: 2, count: 1 },
  { name: 'layer4 3x3', size: 4, cin: 512, cout: 512, k: 3, stride: 1, count: 3 },
];

const BATCH = Number(process.env.BENCH_BATCH ?? 64);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const CPU_BATCH = Number(process.env.BENCH_CPU_BATCH ?? 1);
const SKIP_BUILTIN = process.env.BENCH_SKIP_BUILTIN === '1';

/** Multiply-adds x2 of one conv (the same count for forward, dx and dw). */
function flops(l: Layer, batch: number): number {
  const out = Math.ceil(l.size / l.stride);
  return 2 * batch * out * out * l.k * l.k * l.cin * l.cout;
}

/** Median seconds of `reps` runs of `fn`, after one warm-up run when `warmUp`. */
function time(fn: () => void, reps: number, warmUp = true): number {
  if (warmUp) fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

/** Runs a kernel config directly on the active backend and frees its output. */
function runner(config: KernelConfig, inputs: Record<string, TensorInfo>, attrs: object): () => void {
  const backend = tf.backend() as KernelBackend;
  return () => {
    const out = config.kernelFunc({ inputs, attrs: attrs as NamedAttrMap, backend }) as TensorInfo;
    backend.readSync(out.dataId); // forces completion on backends that defer work
    backend.disposeData(out.dataId);
  };
}

interface Tensors {
  x: tf.Tensor4D;
  w: tf.Tensor4D;
  dy: tf.Tensor4D;
}

function makeTensors(l: Layer, batch: number): Tensors {
  const out = Math.ceil(l.size / l.stride);
  return {
    x: tf.randomNormal([batch, l.size, l.size, l.cin]) as tf.Tensor4D,
    w: tf.randomNormal([l.k, l.k, l.cin, l.cout]) as tf.Tensor4D,
    dy: tf.randomNormal([batch, out, out, l.cout]) as tf.Tensor4D,
  };
}

function kernelsFor(backendName: string) {
  const get = (name: string) => {
    const k = tf.getKernel(name, backendName);
    if (k == null) throw new Error(`no ${name} kernel for ${backendName}`);
    return k;
  };
  return { fwd: get('Conv2D'), dx: get('Conv2DBackpropInput'), dw: get('Conv2DBackpropFilter') };
}

function measure(l: Layer, batch: number, reps: number, k: { fwd: KernelConfig; dx: KernelConfig; dw?: KernelConfig }, warmUp = true) {
  const t = makeTensors(l, batch);
  const common = { strides: l.stride, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  const gf = flops(l, batch) / 1e9;
  const fwd = gf / time(runner(k.fwd, { x: t.x, filter: t.w }, common), reps, warmUp);
  const dx = gf / time(runner(k.dx, { dy: t.dy, filter: t.w }, { ...common, inputShape: t.x.shape }), reps, warmUp);
  const dw = k.dw ? gf / time(runner(k.dw, { x: t.x, dy: t.dy }, { ...common, filterShape: t.w.shape }), reps, warmUp) : NaN;
  tf.dispose([t.x, t.w, t.dy]);
  return { fwd, dx, dw };
}

const fmt = (v: number) => (Number.isNaN(v) ? '—' : v.toFixed(v < 1 ? 2 : 1));

async function main(): Promise<void> {
  // tfjs-backend-wasm's own Conv2DBackpropInput, captured before ours replaces it.
  const builtinDx = tf.getKernel('Conv2DBackpropInput', 'wasm');
  await initBackend('wasm');
  // The wasm backend sets kernels up when it initialises; by then ours had replaced this one.
  builtinDx?.setupFunc?.(tf.backend());
  const ours = kernelsFor('wasm');
  if (!wasmTrainingKernelConfigs.includes(ours.dx)) throw new Error('our Conv2DBackpropInput is not registered');
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');

  const rows: string[] = [];
  const totals = { ours: 0, builtin: 0, cpu: 0 };
  for (const l of LAYERS) {
    await tf.setBackend('wasm');
    const w = measure(l, BATCH, REPS, ours);
    const b = SKIP_BUILTIN || builtinDx == null ? NaN : measure(l, BATCH, 1, { fwd: ours.fwd, dx: builtinDx }).dx;
    await tf.setBackend('cpu');
    const c = measure(l, CPU_BATCH, 1, kernelsFor('cpu'), false);
    const gf = flops(l, BATCH) / 1e9;
    const step = (r: { fwd: number; dx: number; dw: number }) => l.count * gf * (1 / r.fwd + 1 / r.dx + 1 / r.dw);
    totals.ours += step(w);
    totals.builtin += Number.isNaN(b) ? NaN : l.count * gf * (1 / w.fwd + 1 / b);
    totals.cpu += step(c);
    rows.push(
      `| ${l.name} | ${l.size}x${l.size} ${l.cin}→${l.cout} | ${gf.toFixed(2)} | ${fmt(w.fwd)} | ${fmt(w.dx)} | ${fmt(b)} | ` +
        `${Number.isNaN(b) ? '—' : (w.dx / b).toFixed(1) + 'x'} | ${fmt(w.dw)} | ${fmt(c.fwd)} | ${fmt(c.dx)} | ${fmt(c.dw)} |`,
    );
    process.stderr.write(`done ${l.name}\n`);
  }
  const cpuModel = os.cpus()[0]?.model ?? 'unknown cpu';
  console.log(`Machine: ${os.cpus().length} cores (${cpuModel}), Node ${process.version}, tfjs ${tf.version.tfjs}, ` + `wasm SIMD ${simd ? 'on' : 'off'}, wasm threads ${threads ? 'on' : 'off'}`);
  console.log(
    `wasm: batch ${BATCH}, median of ${REPS} reps after 1 warm-up (tfjs built-in dx: 1 rep after 1 warm-up); ` +
      `cpu: batch ${CPU_BATCH}, 1 run without warm-up (GFLOP/s does not depend on batch much; times below scale it to batch ${BATCH}).`,
  );
  console.log('');
  console.log('| layer | input, channels | GFLOP per pass (batch ' + BATCH + ') | fwd wasm | dx wasm (ours) | dx wasm (tfjs) | dx speed-up | dw wasm (ours) | fwd cpu | dx cpu | dw cpu |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log('');
  console.log(
    `Conv time of one ResNet-18 training step at batch ${BATCH} (fwd + dx + dw over all ${LAYERS.reduce((a, l) => a + l.count, 0)} convs): ` +
      `wasm ours ${totals.ours.toFixed(2)} s, cpu ${totals.cpu.toFixed(1)} s (scaled from batch ${CPU_BATCH}); ` +
      `fwd + dx with tfjs' built-in dx ${Number.isNaN(totals.builtin) ? '—' : totals.builtin.toFixed(2) + ' s'} (it has no dw at all).`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
