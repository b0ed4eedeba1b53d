import { join } from 'node:path';
import { deploy } from '@dyrep/exporter';
import type { TrainConfig } from '../config/schema';
import type { TrainSummary } from './training-run';
import { trainInChild } from './train-in-child';
import { loadCheckpointModel } from './checkpoint-model';
import { medianLatencyMs } from './latency';
import { writeFileAtomic, writeJsonAtomic } from '@dyrep/core/node';
import { renderReport } from '../report/report-html';
import { describeTraining } from '../report/train-summary';
import { benchTable } from '../report/bench-table';

/** Policies that set the structure before training: their "timeline" would be one column of grows. */
const STATIC_POLICIES = new Set(['dbb', 'repvgg', 'acb']);

/** One policy's results in a benchmark. */
export interface BenchEntry {
  policy: string;
  summary: TrainSummary;
  /** Median eval forward latency (ms) of the final training structure and of the deployed network, at batch 1 and 64. */
  latencyMs: { trainB1: number; trainB64: number; deployB1: number; deployB64: number };
}

/** Everything `dyrep bench` measured. */
export interface BenchResult {
  config: TrainConfig;
  entries: BenchEntry[];
  /** Where the HTML report and JSON results were written. */
  report: string;
  json: string;
}

/** Options of {@link runBench}. */
export interface BenchOptions {
  policies: string[];
  overwrite?: boolean;
  /** `--plugin` module specifiers each child run imports first (a registered policy or metric). */
  plugins?: readonly string[];
  /** Seconds between the children's progress lines when stderr is not a terminal. */
  logIntervalSeconds?: number;
}

/**
 * `dyrep bench`: trains each policy on the same data, seed and epochs, each in its own process
 * (so peak memory and time are its own) with its own run directory under `config.out`; then
 * measures inference latency of the final training structure and of the deployed network, and
 * writes `bench.json` and a self-contained `report.html`.
 */
export async function runBench(config: TrainConfig, options: BenchOptions): Promise<BenchResult> {
  const entries: BenchEntry[] = [];
  for (const policy of options.policies) {
    const runConfig: TrainConfig = { ...config, policy, out: join(config.out, policy), resume: false, export: [] };
    const summary = await trainInChild(runConfig, { overwrite: options.overwrite, plugins: options.plugins, logIntervalSeconds: options.logIntervalSeconds });
    entries.push({ policy, summary, latencyMs: await measureLatency(runConfig.out) });
  }
  const json = join(config.out, 'bench.json');
  const report = join(config.out, 'report.html');
  await writeJsonAtomic(json, { config, entries });
  await writeFileAtomic(
    report,
    renderReport({
      title: `dyrep bench: ${config.model} (width ${config.width}) on ${config.dataset}`,
      description: `${entries.length} policies, ${config.epochs} epochs each; ${describeTraining(config, entries[0]?.summary.backend ?? '')}`,
      table: benchTable(entries),
      runs: entries.map((e) => ({ name: e.policy, history: e.summary.history, events: e.summary.events, epochs: e.summary.epochs })),
      metric: { key: 'val_top1', label: 'Test accuracy (top-1)' },
      skipTimeline: (run) => STATIC_POLICIES.has(run.name),
    }),
  );
  return { config, entries, report, json };
}

async function measureLatency(runDir: string): Promise<BenchEntry['latencyMs']> {
  const { model, inputShape } = loadCheckpointModel(runDir);
  const deployed = deploy(model, { inputShape: [1, ...inputShape] });
  try {
    return {
      trainB1: await medianLatencyMs(model, inputShape, 1),
      trainB64: await medianLatencyMs(model, inputShape, 64),
      deployB1: await medianLatencyMs(deployed, inputShape, 1),
      deployB64: await medianLatencyMs(deployed, inputShape, 64),
    };
  } finally {
    deployed.dispose();
    model.dispose();
  }
}
