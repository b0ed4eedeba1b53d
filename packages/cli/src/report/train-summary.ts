import type { TrainSummary } from '../run/training-run';
import { formatCount, formatPercent } from './text-table';

/** The end-of-run rows of `dyrep train` (label, value), shared by the terminal table and `report.html`. */
export function trainSummaryRows(s: TrainSummary): string[][] {
  const grows = s.events.filter((e) => e.type === 'grow').length;
  const cuts = s.events.filter((e) => e.type === 'cut').length;
  return [
    ['test accuracy (top-1)', formatPercent(s.testAccuracy)],
    ['test accuracy (top-5)', formatPercent(s.testTop5)],
    ['epochs', String(s.epochs)],
    ['seconds per epoch (mean)', mean(s.secondsPerEpoch).toFixed(1)],
    ['params: training structure', formatCount(s.params.train)],
    ['params: deployed', formatCount(s.params.deploy)],
    ['MFLOPs: training structure', (s.flops.train / 1e6).toFixed(2)],
    ['MFLOPs: deployed', (s.flops.deploy / 1e6).toFixed(2)],
    ['structure changes', `${grows} grow, ${cuts} cut`],
    ['deploy max rel |Δ|', s.deployMaxRelDiff.toExponential(2)],
    ['backend', s.backend],
    ...Object.entries(s.exports).map(([k, v]) => [`export (${k})`, v]),
  ];
}

/** Mean of a list (0 when empty). */
export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}
