import type { Plugin } from '@dyrep/core';
import { createPolicy } from '@dyrep/evolution';
import { saliencyCollector } from '@dyrep/saliency';
import type { TrainConfig } from '../config/schema';

/** The saliency collector (when the policy ranks convs) and the policy plugin of a run. */
export function buildPlugins(config: TrainConfig): Plugin[] {
  const saliency = config.policy === 'dyrep' ? saliencyCollector({ metric: config.metric, seed: config.seed }) : undefined;
  const policy = createPolicy(config.policy, {
    saliency,
    adjustInterval: config.adjustInterval,
    maxAdjustEpochs: config.maxAdjustEpochs,
    topK: config.topK,
    recalBnBatches: config.recalBnBatches,
    cut: { minStd: config.cutMinStd, maxWeight: config.cutMaxWeight },
    cutMode: config.cutMode,
    dbbVariant: config.dbbVariant,
  });
  return saliency ? [saliency, policy] : [policy];
}
