// The fixed parameters of COCO bbox evaluation, bit-identical to pycocotools' Params.setDetParams.

/** Evenly spaced values computed like numpy.linspace(start, stop, num) (same floating-point result). */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

/** IoU thresholds .50:.05:.95 (T = 10). */
export const IOU_THRESHOLDS: readonly number[] = linspace(0.5, 0.95, 10);
/** Recall thresholds 0:.01:1 (R = 101). */
export const RECALL_THRESHOLDS: readonly number[] = linspace(0, 1, 101);
/** Max detections per image (M = 3); the last one also truncates detections before matching. */
export const MAX_DETS: readonly number[] = [1, 10, 100];
/** Area ranges all/small/medium/large (A = 4); both bounds inclusive, as in pycocotools. */
export const AREA_RANGES: readonly (readonly [number, number])[] = [
  [0, 1e10],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e10],
];
/** Labels of {@link AREA_RANGES}. */
export const AREA_LABELS: readonly string[] = ['all', 'small', 'medium', 'large'];
/** numpy's np.spacing(1), added to the precision denominator. */
export const EPS = 2.220446049250313e-16;
