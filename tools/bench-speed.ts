// Issue #17's targets, measured side by side in ONE run on this machine (each engine in its own
// child process, one after the other; the 1-minute load average is recorded with each):
//   1. PyTorch (CPU, 2 threads) reference: tools/bench-torch-reference.py — a ResNet-18 (CIFAR
//      stem, width 0.25) training step at batch 64, plain and fully DBB-expanded, and its peak RSS.
//      Skipped with a note when `python3 -c "import torch"` fails (install: pip install torch).
//   2. Our backends (BENCH_BACKENDS, default "wasm" plus "tensorflow" when tfjs-node resolves):
//      tools/bench-tensorflow.ts's child — the same step plain and DBB-expanded, peak RSS, and the
//      Trainer + saliency overhead over a bare loop.
//      2b. The DBB-expanded step again with rep-blocks recomputed in the backward pass
//      (setBlockRecomputation), alone in its own wasm child: its step time and peak RSS.
//   3. A grown block's share of step time vs its share of FLOPs (wasm): the plain step against the
//      same network with BENCH_GROW convs grown (default three, preset full, like the main job).
//   4. With BENCH_MAIN_JOB=1: the README's main job (`dyrep train --config
//      packages/cli/configs/fashion-mnist-small.yaml`, into a temporary --out), wall time and accuracy.
// Prints markdown: the measurements and each target met or missed by how much.
//
//   npx tsx --conditions=@dyrep/source tools/bench-speed.ts
//
// Environment: BENCH_STEPS (default 10), BENCH_BATCH (default 64), BENCH_MAIN_JOB, BENCH_GROW.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dyrep/backend';
import { createModel } from '@dyrep/models';
import { countFlops, manualSeed } from '@dyrep/nn';
import { growAt } from '@dyrep/rep-blocks';
import { crossEntropy } from '@dyrep/trainer';

const STEPS = Number(process.env.BENCH_STEPS ?? 10);
const BATCH = Number(process.env.BENCH_BATCH ?? 64);
const GROW = (process.env.BENCH_GROW ?? 'layer1.0.conv1,layer2.0.conv2,layer3.1.conv1').split(',');
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const load = () => os.loadavg()[0].toFixed(1);

interface Row {
  variant: string;
  params: number;
  medianMs: number;
  minMs: number;
  error?: string;
}
interface OursResult {
  backend: string;
  threads?: number;
  rows: Row[];
  overhead: { bareMs: number; trainerMs: number };
  peakRssMiB: number;
  load: Record<string, number>;
}
interface TorchResult {
  torch: string;
  threads: number;
  plain: Row;
  dbb: Row;
  peakRssMiB: number;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const t = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { ...r, seconds: (Date.now() - t) / 1000 };
}

/** Child: plain step vs the same network with GROW convs grown; step times and FLOPs. */
async function grownChild(): Promise<void> {
  const choice = await initBackend('wasm');
  const times = async (grow: boolean) => {
    manualSeed(1);
    const model = createModel('resnet18', { width: 0.25, numClasses: 10, stem: 'cifar', inputSize: 32 });
    if (grow) for (const p of GROW) growAt(model, p, { branches: 'full' });
    model.train();
    const flops = countFlops(model, [32, 32, 3]);
    const params = model.parameters();
    const x = tf.randomNormal([BATCH, 32, 32, 3]);
    const y = tf.tensor1d(
      Array.from({ length: BATCH }, (_, i) => i % 10),
      'int32',
    );
    const ts: number[] = [];
    for (let i = 0; i < STEPS + 1; i++) {
      const t = performance.now();
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x) as tf.Tensor2D, y) as tf.Scalar, params);
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
      if (i > 0) ts.push(performance.now() - t);
    }
    tf.dispose([x, y]);
    model.dispose();
    return { flops, ms: [...ts].sort((a, b) => a - b)[Math.floor(ts.length / 2)] };
  };
  const plain = await times(false);
  const grown = await times(true);
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ threads: choice.threads, plain, grown, load: load() })}\n`);
}

function parent(): void {
  const lines: string[] = [];
  const out = (s = '') => {
    lines.push(s);
    console.error(s);
  };
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  out(
    `Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average at start ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}.`,
  );
  out(`ResNet-18 (CIFAR stem, width 0.25), batch ${BATCH}, ${STEPS} timed steps per row (median).`);
  out();

  // 1. PyTorch.
  let torch: TorchResult | undefined;
  const probe = run('python3', ['-c', 'import torch']);
  if (probe.status !== 0) {
    out(`PyTorch row skipped: \`python3 -c "import torch"\` failed (${(probe.stderr || String(probe.error)).trim().split('\n').pop()}); install it with \`pip install torch\`.`);
  } else {
    const lt = load();
    const r = run('python3', ['tools/bench-torch-reference.py', '--threads', '2', '--batch', String(BATCH), '--steps', String(STEPS)]);
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status === 0) torch = JSON.parse(line) as TorchResult;
    else out(`PyTorch failed (exit ${r.status}): ${r.stderr.trim().split('\n').pop()}`);
    if (torch)
      out(
        `PyTorch ${torch.torch}, ${torch.threads} threads (load ${lt}, ${r.seconds.toFixed(0)} s): plain ${torch.plain.medianMs.toFixed(0)} ms/step, DBB ${torch.dbb.medianMs.toFixed(0)} ms/step, peak RSS ${torch.peakRssMiB.toFixed(0)} MiB.`,
      );
  }

  // 2. Our backends.
  const backends = (process.env.BENCH_BACKENDS ?? 'wasm').split(',');
  const ours = new Map<string, OursResult>();
  for (const b of backends) {
    // wasm: no DBB step with the recorded tape — at batch 64 it needs ~4.5 GiB of tensors, past the 4 GiB
    // wasm heap (tools/bench-step-memory.ts), and the threaded build stalls there; 2b measures it recomputed.
    const phases = b === 'wasm' ? 'overhead,plain' : 'overhead,plain,dbb';
    const r = run(process.execPath, [...process.execArgv, 'tools/bench-tensorflow.ts'], {
      BENCH_CHILD: b,
      BENCH_STEPS: String(STEPS),
      BENCH_BATCH: String(BATCH),
      BENCH_ROUNDS: '1',
      BENCH_PHASES: phases,
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    if (!line) {
      out(`${b}: no result (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
      continue;
    }
    const res = JSON.parse(line.slice('BENCH_RESULT '.length)) as OursResult;
    ours.set(b, res);
    const rowText = res.rows.map((row) => (row.error ? `${row.variant}: failed (${row.error})` : `${row.variant} ${row.medianMs.toFixed(0)} ms/step`)).join(', ');
    out(
      `${b}${res.threads ? ` (${res.threads} threads)` : ''} (load ${Object.values(res.load)
        .map((l) => l.toFixed(1))
        .join(
          '/',
        )}, ${r.seconds.toFixed(0)} s): ${rowText}; peak RSS ${res.peakRssMiB.toFixed(0)} MiB; bare loop ${res.overhead.bareMs.toFixed(0)} ms, Trainer + saliency ${res.overhead.trainerMs.toFixed(0)} ms.`,
    );
  }

  // 2b. The DBB-expanded step with rep-blocks recomputed in the backward pass (setBlockRecomputation),
  // alone in its own wasm child so its peak RSS is its own.
  let recomputed: OursResult | undefined;
  {
    const r = run(process.execPath, [...process.execArgv, 'tools/bench-tensorflow.ts'], {
      BENCH_CHILD: 'wasm',
      BENCH_PHASES: 'dbb',
      BENCH_RECOMPUTE: '1',
      BENCH_STEPS: String(STEPS),
      BENCH_BATCH: String(BATCH),
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    if (line) recomputed = JSON.parse(line.slice('BENCH_RESULT '.length)) as OursResult;
    else out(`wasm, blocks recomputed: no result (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    const row = recomputed?.rows[0];
    if (recomputed && row)
      out(
        `wasm (${recomputed.threads} threads), ${row.variant} (load ${Object.values(recomputed.load)
          .map((l) => l.toFixed(1))
          .join('/')}, ${r.seconds.toFixed(0)} s): ${row.error ? `failed (${row.error})` : `${row.medianMs.toFixed(0)} ms/step`}; peak RSS ${recomputed.peakRssMiB.toFixed(0)} MiB.`,
      );
  }

  // 3. Grown blocks.
  let grown: { plain: { flops: number; ms: number }; grown: { flops: number; ms: number }; load: string } | undefined;
  {
    const r = run(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], { BENCH_SPEED_CHILD: 'grown' });
    const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    if (line) grown = JSON.parse(line.slice('BENCH_RESULT '.length));
    else out(`grown-block child: no result (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    if (grown)
      out(
        `wasm grown (${GROW.join(', ')}; load ${grown.load}): plain ${grown.plain.ms.toFixed(0)} ms at ${(grown.plain.flops / 1e6).toFixed(1)} MFLOPs, grown ${grown.grown.ms.toFixed(0)} ms at ${(grown.grown.flops / 1e6).toFixed(1)} MFLOPs.`,
      );
  }

  // 4. Main job.
  let mainJob: { seconds: number; accuracy: number } | undefined;
  if (process.env.BENCH_MAIN_JOB === '1') {
    const dir = mkdtempSync(join(os.tmpdir(), 'dyrep-bench-main-'));
    const lm = load();
    const r = run(process.execPath, ['packages/cli/bin/dyrep.js', 'train', '--config', 'packages/cli/configs/fashion-mnist-small.yaml', '--out', join(dir, 'run')]);
    try {
      const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as { testAccuracy: number };
      mainJob = { seconds: r.seconds, accuracy: summary.testAccuracy };
      out(`main job (load ${lm} at start, ${load()} at end): ${r.seconds.toFixed(0)} s, test accuracy ${(summary.testAccuracy * 100).toFixed(2)}%.`);
    } catch {
      out(`main job failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    }
    rmSync(dir, { recursive: true, force: true });
  }

  // Targets.
  out();
  out('| target | measured | result |');
  out('|---|---|---|');
  const verdict = (ratio: number, limit: number) => (ratio <= limit ? 'met' : `missed by ${((ratio / limit - 1) * 100).toFixed(0)}%`);
  const wasm = ours.get('wasm');
  const tfb = ours.get('tensorflow');
  const plainOf = (r?: OursResult) => r?.rows.find((x) => x.variant === 'plain');
  const dbbOf = (r?: OursResult) => r?.rows.find((x) => x.variant !== 'plain');
  if (torch && plainOf(wasm)) {
    const ratio = plainOf(wasm)!.medianMs / torch.plain.medianMs;
    out(`| wasm plain step ≤ 4× PyTorch (2 threads) | ${plainOf(wasm)!.medianMs.toFixed(0)} / ${torch.plain.medianMs.toFixed(0)} ms = ${ratio.toFixed(2)}× | ${verdict(ratio, 4)} |`);
  } else out('| wasm plain step ≤ 4× PyTorch (2 threads) | not measured (see above) | — |');
  if (torch && plainOf(tfb)) {
    const ratio = plainOf(tfb)!.medianMs / torch.plain.medianMs;
    out(`| tensorflow plain step ≤ 2.5× PyTorch | ${ratio.toFixed(2)}× | ${verdict(ratio, 2.5)} |`);
  } else out('| tensorflow plain step ≤ 2.5× PyTorch | not measured: tfjs-node not installed in this run | — |');
  if (grown) {
    const timeShare = (grown.grown.ms - grown.plain.ms) / grown.plain.ms;
    const flopShare = (grown.grown.flops - grown.plain.flops) / grown.plain.flops;
    const ratio = timeShare / flopShare;
    out(
      `| grown blocks' step-time increase ≤ 1.5× their FLOP increase | +${(timeShare * 100).toFixed(0)}% time for +${(flopShare * 100).toFixed(0)}% FLOPs = ${ratio.toFixed(2)}× | ${verdict(ratio, 1.5)} |`,
    );
  }
  const dbb = dbbOf(wasm);
  const target = `DBB-expanded trains at batch ${BATCH} on wasm, peak RSS ≤ 2× PyTorch's`;
  const recomputedRow = recomputed?.rows[0];
  const recorded = dbb
    ? dbb.error
      ? `recorded tape: fails (${dbb.error})`
      : `recorded tape: trains, ${dbb.medianMs.toFixed(0)} ms/step`
    : 'recorded tape: not run (~4.5 GiB of tensors at batch 64, past the 4 GiB wasm heap)';
  if (recomputedRow && !recomputedRow.error && recomputed && torch) {
    const ratio = recomputed.peakRssMiB / torch.peakRssMiB;
    out(
      `| ${target} | ${recorded}; blocks recomputed: trains, ${recomputedRow.medianMs.toFixed(0)} ms/step (PyTorch ${torch.dbb.medianMs.toFixed(0)}), peak RSS ${recomputed.peakRssMiB.toFixed(0)} / ${torch.peakRssMiB.toFixed(0)} MiB = ${ratio.toFixed(2)}× | ${verdict(ratio, 2)} |`,
    );
  } else if (recomputedRow?.error) out(`| ${target} | ${recorded}; blocks recomputed: fails (${recomputedRow.error}) | missed |`);
  else out(`| ${target} | ${recorded}; blocks recomputed: not measured (see above) | — |`);
  if (mainJob) {
    const ok = mainJob.seconds <= 110 && mainJob.accuracy >= 0.7955;
    out(
      `| main job ≤ 110 s at ≥ 79.55% | ${mainJob.seconds.toFixed(0)} s, ${(mainJob.accuracy * 100).toFixed(2)}% | ${ok ? 'met' : `missed (${mainJob.seconds > 110 ? `time ${((mainJob.seconds / 110 - 1) * 100).toFixed(0)}% over` : 'time met'}${mainJob.accuracy < 0.7955 ? ', accuracy below' : ''})`} |`,
    );
  } else out('| main job ≤ 110 s at ≥ 79.55% | not run (BENCH_MAIN_JOB=1) | — |');
  if (wasm) {
    const ratio = wasm.overhead.trainerMs / wasm.overhead.bareMs;
    out(
      `| Trainer + saliency ≤ 5% over a bare loop (wasm) | ${wasm.overhead.trainerMs.toFixed(0)} / ${wasm.overhead.bareMs.toFixed(0)} ms = ${((ratio - 1) * 100).toFixed(1)}% | ${ratio <= 1.05 ? 'met' : `missed by ${((ratio - 1.05) * 100).toFixed(1)} points`} |`,
    );
  }
  console.log(lines.join('\n'));
}

if (process.env.BENCH_SPEED_CHILD === 'grown') {
  grownChild().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  parent();
}
