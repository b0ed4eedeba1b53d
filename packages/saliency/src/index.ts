// Public API of @dyrep/saliency.
export { registerMetric, listMetrics, createMetric, synflow, snip, gradNorm, randomMetric } from './metrics';
export type { SaliencyMetric } from './metrics';
export { saliencyCollector } from './saliency-collector';
export type { SaliencyCollector, SaliencyCollectorOptions, SaliencyScore } from './saliency-collector';
