// The `tensorflow` backend (tfjs-node built from a TensorFlow wheel) vs `wasm`, one machine, one run:
//   1. a ResNet-18 training step (CIFAR stem, width 0.25, batch 64, 32×32×3 synthetic input), plain
//      and fully DBB-expanded (every eligible conv grown with growAt(..., {branches: 'dbb'}));
//   2. the overhead of our Trainer with the saliency collector over a bare tfjs loop of the same
//      network (tf.variableGrads + hand-written SGD with the same momentum and weight decay), both
//      fed by the same DataLoader.
// Each backend runs in its own child process (a process has one tfjs engine). Prints markdown.
//
//   npx tsx --conditions=@dyrep/source tools/bench-tensorflow.ts
//
// Environment: BENCH_STEPS (timed steps per row, default 10), BENCH_ROUNDS (overhead rounds, default 3), BENCH_WIDTH (default 0.25),
// BENCH_BACKENDS (default "tensorflow,wasm"); for one child: BENCH_RECOMPUTE=1 (rep-blocks recompute their
// branches in the backward pass) and BENCH_PHASES (default "overhead,plain,dbb").
//
// oneDNN on vs off (tensorflow only; the plain and DBB training steps, no overhead part):
//   BENCH_ONEDNN=1,0 BENCH_ROUNDS=2 npx tsx --conditions=@dyrep/source tools/bench-tensorflow.ts
// runs one child per TF_ENABLE_ONEDNN_OPTS value per round, the order rotating each round, and
// reports the median over every timed step of every round (a crashed child is reported as such).
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { Plugin } from '@dyrep/core';
import { initBackend } from '@dyrep/backend';
import { DataLoader, createSyntheticDataset } from '@dyrep/data';
import { createModel } from '@dyrep/models';
import { manualSeed, countParams, type Module } from '@dyrep/nn';
import { growAt, listGrowableConvs, setBlockRecomputation } from '@dyrep/rep-blocks';
import { saliencyCollector } from '@dyrep/saliency';
import { Trainer, classificationTask, crossEntropy } from '@dyrep/trainer';

const STEPS = Number(process.env.BENCH_STEPS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WIDTH = Number(process.env.BENCH_WIDTH ?? 0.25);
const BATCH = Number(process.env.BENCH_BATCH ?? 64);
/** BENCH_RECOMPUTE=1: rep-blocks recompute their branches in the backward pass (setBlockRecomputation). */
const RECOMPUTE = process.env.BENCH_RECOMPUTE === '1';
/** Which phases a child runs (comma-separated; default all): overhead, plain, dbb. */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'overhead,plain,dbb').split(','));
const SIZE = 32;
const LR = 0.05;
const MOMENTUM = 0.9;
const WEIGHT_DECAY = 1e-4;

interface ChildResult {
  backend: string;
  package: string;
  rows: { variant: string; params: number; convs: number; medianMs: number; minMs: number; times?: number[]; error?: string }[];
  overhead: { bareMs: number; plainTrainerMs: number; trainerMs: number };
  /** Peak resident set size of the child process (MiB), taken after the DBB step (its largest phase). */
  peakRssMiB: number;
  /** wasm: XNNPACK threads. */
  threads?: number;
  /** 1-minute load average at each phase (the machine may be shared). */
  load: Record<string, number>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function makeModel(dbb: boolean): { model: Module; grown: number } {
  manualSeed(1);
  const model = createModel('resnet18', { width: WIDTH, numClasses: 10, stem: 'cifar', inputSize: SIZE });
  let grown = 0;
  if (dbb) {
    for (const { path } of listGrowableConvs(model)) {
      growAt(model, path, { branches: 'dbb' });
      grown++;
    }
  }
  model.train();
  return { model, grown };
}

/** Hand-written SGD with momentum and L2 weight decay, the Trainer's defaults. */
function sgdStep(params: tf.Variable[], grads: Record<string, tf.Tensor>, buffers: Map<string, tf.Tensor>): void {
  tf.tidy(() => {
    for (const p of params) {
      const g = tf.add(grads[p.name], tf.mul(p, WEIGHT_DECAY));
      const prev = buffers.get(p.name);
      const buf = prev ? tf.add(tf.mul(prev, MOMENTUM), g) : g;
      p.assign(tf.sub(p, tf.mul(buf, LR)));
      prev?.dispose();
      buffers.set(p.name, tf.keep(buf));
    }
  });
}

/** One bare training step on a batch: forward, cross-entropy, variableGrads, SGD; waits for the loss. */
function bareStep(model: Module, params: tf.Variable[], buffers: Map<string, tf.Tensor>, x: tf.Tensor4D, y: tf.Tensor1D): number {
  const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x) as tf.Tensor2D, y) as tf.Scalar, params);
  if (process.env.BENCH_DEBUG) console.error(`peak ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MiB after grads`);
  sgdStep(params, grads, buffers);
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

async function stepTimes(dbb: boolean) {
  const { model, grown } = makeModel(dbb);
  const params = model.parameters();
  const buffers = new Map<string, tf.Tensor>();
  const x = tf.randomNormal([BATCH, SIZE, SIZE, 3]) as tf.Tensor4D;
  const y = tf.tensor1d(
    Array.from({ length: BATCH }, (_, i) => i % 10),
    'int32',
  );
  for (let i = 0; i < 2; i++) bareStep(model, params, buffers, x, y);
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t = performance.now();
    bareStep(model, params, buffers, x, y);
    times.push(performance.now() - t);
  }
  const row = {
    variant: dbb ? `DBB everywhere${RECOMPUTE ? ', blocks recomputed' : ''}` : 'plain',
    params: countParams(model),
    convs: grown,
    medianMs: median(times),
    minMs: Math.min(...times),
    times,
  };
  tf.dispose([x, y, ...buffers.values()]);
  model.dispose();
  return row;
}

/** Median time between consecutive step ends, excluding the first two steps (warm-up). */
function stepClock(): Plugin & { times: number[] } {
  let last = 0;
  let seen = 0;
  const times: number[] = [];
  return {
    id: 'bench-step-clock',
    priority: 100,
    times,
    hooks: {
      onBatchEnd: () => {
        const now = performance.now();
        if (seen >= 2) times.push(now - last);
        last = now;
        seen++;
      },
    },
  };
}

async function overhead() {
  const steps = STEPS + 3;
  const data = createSyntheticDataset({ size: BATCH * steps, imageShape: [SIZE, SIZE, 3], seed: 5 });
  const loader = () => new DataLoader(data, { batchSize: BATCH, shuffle: false, dropLast: true });

  // Bare loop over the same batches.
  const bareRun = async () => {
    const bare = makeModel(false);
    const params = bare.model.parameters();
    const buffers = new Map<string, tf.Tensor>();
    const times: number[] = [];
    let last = 0;
    let seen = 0;
    for await (const b of loader()) {
      bareStep(bare.model, params, buffers, b.x, b.y);
      tf.dispose([b.x, b.y]);
      const now = performance.now();
      if (seen >= 2) times.push(now - last);
      last = now;
      seen++;
    }
    tf.dispose([...buffers.values()]);
    bare.model.dispose();
    return times;
  };

  // The Trainer without and with the saliency collector (synflow), no validation.
  const trainerRun = async (withSaliency: boolean) => {
    const { model } = makeModel(false);
    const clock = stepClock();
    const plugins: Plugin[] = withSaliency ? [saliencyCollector({ metric: 'synflow' }), clock] : [clock];
    const trainer = new Trainer({
      model,
      task: classificationTask(),
      train: loader(),
      epochs: 1,
      lr: LR,
      optimizer: { momentum: MOMENTUM, weightDecay: WEIGHT_DECAY },
      inputShape: [SIZE, SIZE, 3],
      plugins,
    });
    await trainer.fit();
    trainer.dispose();
    model.dispose();
    return clock.times;
  };
  // ROUNDS rounds in rotating order (bare → Trainer → Trainer + saliency, then shifted), so neither
  // warm-up nor drifting machine load favours one variant; medians over all rounds.
  const runs = [bareRun, () => trainerRun(false), () => trainerRun(true)];
  const times: number[][] = [[], [], []];
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < runs.length; k++) {
      const i = (k + round) % runs.length;
      times[i].push(...(await runs[i]()));
    }
  }
  return { bareMs: median(times[0]), plainTrainerMs: median(times[1]), trainerMs: median(times[2]) };
}

async function child(backend: 'tensorflow' | 'wasm'): Promise<void> {
  const choice = await initBackend(backend);
  const load: Record<string, number> = {};
  const phase = (s: string) => {
    load[s] = os.loadavg()[0];
    console.error(`[${backend}] ${s} (${tf.memory().numTensors} tensors, ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MiB, load ${load[s].toFixed(1)})`);
  };
  if (RECOMPUTE) setBlockRecomputation(true);
  // The DBB step last: on wasm at batch 64 without recomputation it exhausts the wasm heap and aborts the module.
  const none = { bareMs: NaN, plainTrainerMs: NaN, trainerMs: NaN };
  phase('Trainer overhead');
  const over = PHASES.has('overhead') ? await overhead() : none;
  phase('plain step');
  const rows: ChildResult['rows'] = PHASES.has('plain') ? [await stepTimes(false)] : [];
  phase('DBB step');
  if (PHASES.has('dbb')) {
    try {
      rows.push(await stepTimes(true));
    } catch (err) {
      rows.push({ variant: `DBB everywhere${RECOMPUTE ? ', blocks recomputed' : ''}`, params: 0, convs: 0, medianMs: NaN, minMs: NaN, error: String((err as Error).message ?? err).split('\n')[0] });
    }
  }
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const result: ChildResult = { backend: choice.backend, package: choice.package, rows, overhead: over, peakRssMiB, threads: choice.threads, load };
  phase('done');
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

/** Runs one child; its result, or why there is none (exit code or signal, last stderr lines). */
function runChild(backend: string, env: NodeJS.ProcessEnv): ChildResult | { failure: string } {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, ...env, BENCH_CHILD: backend, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' },
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (line) return JSON.parse(line.slice('BENCH_RESULT '.length)) as ChildResult;
  const lastLines = r.stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-15)
    .join('\n');
  return { failure: `${r.signal ? `killed by ${r.signal}` : `exit ${r.status}`}\n${lastLines}` };
}

/** BENCH_ONEDNN: the tensorflow training steps with each TF_ENABLE_ONEDNN_OPTS value, interleaved over rounds. */
function oneDnnParent(values: string[]): void {
  const times = new Map<string, number[]>();
  const failures: string[] = [];
  let params: Record<string, number> = {};
  const variants: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < values.length; k++) {
      const v = values[(k + round) % values.length];
      const t = Date.now();
      const r = runChild('tensorflow', { TF_ENABLE_ONEDNN_OPTS: v, BENCH_PHASES: 'plain,dbb' });
      if ('failure' in r) {
        failures.push(`round ${round + 1}, TF_ENABLE_ONEDNN_OPTS=${v}: ${r.failure.split('\n')[0]}`);
        console.error(`round ${round + 1}, oneDNN ${v}: no result (${r.failure})`);
        continue;
      }
      for (const row of r.rows) {
        const key = `${v}\t${row.variant}`;
        times.set(key, [...(times.get(key) ?? []), ...(row.times ?? [])]);
        if (row.error) failures.push(`round ${round + 1}, TF_ENABLE_ONEDNN_OPTS=${v}, ${row.variant}: ${row.error}`);
        params = { ...params, [row.variant]: row.params };
        if (!variants.includes(row.variant)) variants.push(row.variant);
      }
      console.error(`round ${round + 1}, oneDNN ${v}: done in ${((Date.now() - t) / 1000).toFixed(0)} s (load ${os.loadavg()[0].toFixed(1)})`);
    }
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`Machine: ${os.cpus().length} × ${cpu}, Node ${process.version}; ${ROUNDS} rounds × ${STEPS} timed steps per row, after 2 warm-up steps per child.\n`);
  console.log(`tensorflow backend, ResNet-18 (CIFAR stem, width ${WIDTH}), batch ${BATCH}, one training step, oneDNN on vs off:\n`);
  console.log('| model | TF_ENABLE_ONEDNN_OPTS | steps | median ms/step | min ms/step |');
  console.log('|---|---|---|---|---|');
  for (const variant of variants) {
    for (const v of values) {
      const ts = times.get(`${v}\t${variant}`) ?? [];
      const stats = ts.length ? `${median(ts).toFixed(0)} | ${Math.min(...ts).toFixed(0)}` : 'no result | ';
      console.log(`| ${variant} (${(params[variant] ?? 0).toLocaleString('en-US')} params) | ${v} | ${ts.length} | ${stats} |`);
    }
  }
  if (failures.length) {
    console.log(`\nFailures:\n${failures.map((f) => `- ${f}`).join('\n')}`);
    process.exitCode = 1;
  }
}

function parent(): void {
  const backends = (process.env.BENCH_BACKENDS ?? 'tensorflow,wasm').split(',');
  const results: ChildResult[] = [];
  for (const b of backends) {
    const t = Date.now();
    const r = runChild(b, {});
    if ('failure' in r) {
      console.error(`${b}: no result (${r.failure})`);
      process.exitCode = 1;
      continue;
    }
    results.push(r);
    console.error(`${b}: done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`Machine: ${os.cpus().length} × ${cpu}, Node ${process.version}; ${STEPS} timed steps per row (median, min), after 2 warm-up steps.\n`);
  console.log(`ResNet-18 (CIFAR stem, width ${WIDTH}), batch ${BATCH}, 32×32×3 synthetic input, one training step (forward + cross-entropy + variableGrads + SGD):\n`);
  console.log('| backend | model | params | median ms/step | min ms/step |');
  console.log('|---|---|---|---|---|');
  for (const r of results) {
    for (const row of r.rows) {
      const v = row.variant === 'plain' ? 'plain' : `${row.variant} (${row.convs} convs grown)`;
      if (row.error) {
        console.log(`| ${r.backend} | ${row.variant} | | failed: ${row.error} | |`);
        continue;
      }
      console.log(`| ${r.backend} | ${v} | ${row.params.toLocaleString('en-US')} | ${row.medianMs.toFixed(0)} | ${row.minMs.toFixed(0)} |`);
    }
  }
  const base = results.find((r) => r.backend === 'wasm');
  const tfr = results.find((r) => r.backend === 'tensorflow');
  if (base && tfr) {
    const sp = tfr.rows
      .map((row, i) => (row.error || base.rows[i].error ? '' : `${row.variant}: ${(base.rows[i].medianMs / row.medianMs).toFixed(2)}×`))
      .filter((x) => x !== '')
      .join(', ');
    console.log(`\nSpeed-up of tensorflow over wasm: ${sp}.`);
  }
  console.log('\nTrainer (with the saliency collector) vs a bare tfjs loop, plain network, same DataLoader batches (median ms between step ends):\n');
  console.log('| backend | bare loop | Trainer | Trainer + saliency | overhead (Trainer + saliency vs bare) |');
  console.log('|---|---|---|---|---|');
  const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)}%`;
  for (const r of results) {
    const o = r.overhead;
    console.log(`| ${r.backend} | ${o.bareMs.toFixed(0)} | ${o.plainTrainerMs.toFixed(0)} (${pct(o.plainTrainerMs, o.bareMs)}) | ${o.trainerMs.toFixed(0)} | ${pct(o.trainerMs, o.bareMs)} |`);
  }
}

const which = process.env.BENCH_CHILD;
if (which === 'tensorflow' || which === 'wasm') {
  child(which).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
} else if (process.env.BENCH_ONEDNN) {
  oneDnnParent(process.env.BENCH_ONEDNN.split(','));
} else {
  parent();
}
