import type { BenchEntry } from '../run/bench-run';
import { countStructureChanges, formatCount, formatPercent, mean } from './text-table';

/**
 * Column headers and rows of the benchmark table (shared by the terminal and the HTML report).
 * Training params and FLOPs are the peak over the run (DyRep's structure changes over time).
 */
export function benchTable(entries: readonly BenchEntry[]): { header: string[]; rows: string[][] } {
  const header = [
    'policy',
    'test acc',
    's/epoch',
    'data s/epoch',
    'peak RSS MB',
    'train params',
    'train MFLOPs',
    'deploy params',
    'deploy MFLOPs',
    'grow/cut',
    'latency b1 train→deploy (ms)',
    'latency b64 train→deploy (ms)',
  ];
  const rows = entries.map((e) => {
    const s = e.summary;
    const peakParams = Math.max(s.params.train, ...s.history.map((h) => h.params));
    const peakFlops = Math.max(s.flops.train, ...s.history.map((h) => h.flops));
    const { grows, cuts } = countStructureChanges(s.events);
    return [
      e.policy,
      formatPercent(s.testAccuracy),
      mean(s.secondsPerEpoch).toFixed(1),
      mean(s.history.map((h) => h.dataSeconds)).toFixed(2),
      s.peakRssMB.toFixed(0),
      formatCount(peakParams),
      (peakFlops / 1e6).toFixed(2),
      formatCount(s.params.deploy),
      (s.flops.deploy / 1e6).toFixed(2),
      `${grows}/${cuts}`,
      `${e.latencyMs.trainB1.toFixed(1)} → ${e.latencyMs.deployB1.toFixed(1)}`,
      `${e.latencyMs.trainB64.toFixed(0)} → ${e.latencyMs.deployB64.toFixed(0)}`,
    ];
  });
  return { header, rows };
}
