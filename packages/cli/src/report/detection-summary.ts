import type { DetectionSummary } from '../run/detection-run';
import { formatCount, formatStructureChanges, mean } from './text-table';

/** The end-of-run rows of `dyrep detect train` (label, value), shared by the terminal table and `report.html`. */
export function detectionSummaryRows(s: DetectionSummary): string[][] {
  const ap = (v: number | undefined) => (typeof v === 'number' && v >= 0 ? `${(v * 100).toFixed(2)}` : 'n/a');
  return [
    ['mAP @[.50:.95] (%)', ap(s.metrics.mAP)],
    ['AP50 (%)', ap(s.metrics.AP50)],
    ['AP75 (%)', ap(s.metrics.AP75)],
    ['AR100 (%)', ap(s.metrics.AR100)],
    ...(s.fusedMetrics ? [['mAP of the fused detector (%)', ap(s.fusedMetrics.mAP)]] : []),
    ['epochs', String(s.epochs)],
    ['seconds per epoch (mean)', mean(s.secondsPerEpoch).toFixed(1)],
    ['params: training structure', formatCount(s.params.train)],
    ['params: deployed', formatCount(s.params.deploy)],
    ['structure changes', formatStructureChanges(s.events)],
    ['backbone', s.backbone],
    ['backend', s.backend],
    ['detections (COCO results JSON)', s.detections],
    ['ground truth', s.groundTruth],
  ];
}
