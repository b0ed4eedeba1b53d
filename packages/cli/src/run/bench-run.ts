import { join } from 'node:path';
import type { TrainConfig } from '../config/schema';
import { runTraining, type TrainSummary } from './training-run';
import { peakMemoryProbe } from './peak-memory';
import { medianLatencyMs } from './latency';
import { writeFileAtomic, writeJsonAtomic } from './fs-utils';
import { renderReport } from '../report/report-html';
import { benchTable } from '../report/bench-table';

/** One policy's results in a benchmark. */
export interface BenchEntry {
  policy: string;
  summary: TrainSummary;
  peakTensorMB: number;
  peakRssMB: number;
  /** Median forward latency (ms) of the training structure and the deployed network at batch 1 and 64. */
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
  progress?: boolean;
  overwrite?: boolean;
}

/**
 * `dyrep bench`: trains each policy on the same data, seed and epochs (one run directory each
 * under `config.out`), measures peak memory and inference latency of the training structure and
 * the deployed network, and writes `bench.json` and a self-contained `report.html`.
 */
export async function runBench(config: TrainConfig, options: BenchOptions): Promise<BenchResult> {
  const entries: BenchEntry[] = [];
  for (const policy of options.policies) {
    const memory = peakMemoryProbe();
    let latencyMs: BenchEntry['latencyMs'] | undefined;
    const summary = await runTraining(
      { ...config, policy, out: join(config.out, policy), resume: false },
      {
        progress: options.progress,
        overwrite: options.overwrite,
        plugins: [memory],
        onTrained: async (trained, deployed, data) => {
          latencyMs = {
            trainB1: await medianLatencyMs(trained, data.inputShape, 1),
            trainB64: await medianLatencyMs(trained, data.inputShape, 64),
            deployB1: await medianLatencyMs(deployed, data.inputShape, 1),
            deployB64: await medianLatencyMs(deployed, data.inputShape, 64),
          };
        },
      },
    );
    entries.push({ policy, summary, peakTensorMB: memory.peakTensorBytes / 2 ** 20, peakRssMB: memory.peakRssBytes / 2 ** 20, latencyMs: latencyMs! });
  }
  const json = join(config.out, 'bench.json');
  const report = join(config.out, 'report.html');
  writeJsonAtomic(json, { config, entries });
  writeFileAtomic(report, renderReport(config, entries, benchTable(entries)));
  return { config, entries, report, json };
}
