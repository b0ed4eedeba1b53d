import type { BenchEntry } from '../run/bench-run';
import { formatCount, formatPercent } from './text-table';

/**
 * Column headers and rows of the benchmark table (shared by the terminal and the HTML report).
 * Training params and FLOPs are the peak over the run (DyRep's structure changes over time).
 */
export function benchTable(entries: readonly BenchEntry[]): { header: string[]; rows: string[][] } {
  const header = [
    'policy', 'test acc', 's/epoch', 'data s/epoch', 'peak RSS MB', 'train params', 'train MFLOPs', 'deploy params', 'deploy MFLOPs',
    'grow/cut', 'latency b1 train→deploy (ms)', 'latency b64 train→deploy (ms)',
  ];
  const rows = entries.map((e) => {
    const s = e.summary;
    const mean = s.secondsPerEpoch.reduce((a, b) => a + b, 0) / Math.max(1, s.secondsPerEpoch.length);
    const peakParams = Math.max(s.params.train, ...s.history.map((h) => h.params));
    const peakFlops = Math.max(s.flops.train, ...s.history.map((h) => h.flops));
    const grows = s.events.filter((x) => x.type === 'grow').length;
    const cuts = s.events.filter((x) => x.type === 'cut').length;
    return [
      e.policy,
      formatPercent(s.testAccuracy),
      mean.toFixed(1),
      (s.history.reduce((a, h) => a + h.dataSeconds, 0) / Math.max(1, s.history.length)).toFixed(2),
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
