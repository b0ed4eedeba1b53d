import type { TrainConfig } from '../config/schema';
import type { TrainSummary } from '../run/training-run';
import { formatCount, formatPercent, formatStructureChanges, mean } from './text-table';

/** The end-of-run rows of `dyrep train` (label, value), shared by the terminal table and `report.html`. */
export function trainSummaryRows(s: TrainSummary): string[][] {
  return [
    ['test accuracy (top-1)', formatPercent(s.testAccuracy)],
    ['test accuracy (top-5)', formatPercent(s.testTop5)],
    ['epochs', String(s.epochs)],
    ['seconds per epoch (mean)', mean(s.secondsPerEpoch).toFixed(1)],
    ['params: training structure', formatCount(s.params.train)],
    ['params: deployed', formatCount(s.params.deploy)],
    ['MFLOPs: training structure', (s.flops.train / 1e6).toFixed(2)],
    ['MFLOPs: deployed', (s.flops.deploy / 1e6).toFixed(2)],
    ['structure changes', formatStructureChanges(s.events)],
    ['deploy max rel |Δ|', s.deployMaxRelDiff.toExponential(2)],
    ['backend', s.backend],
    ...Object.entries(s.exports).map(([k, v]) => [`export (${k})`, v]),
  ];
}

/** One sentence of a classification run's settings for a report: batch, lr, seed, data limits, backend. */
export function describeTraining(config: TrainConfig, backend: string): string {
  const limits = `${config.trainLimit ? `, first ${config.trainLimit} training images` : ''}${config.testLimit ? `, first ${config.testLimit} test images` : ''}`;
  return `batch ${config.batchSize}, lr ${config.lr}, seed ${config.seed}${limits}; backend ${backend}.`;
}
