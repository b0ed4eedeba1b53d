import type { Plugin } from '@dyrep/core';

/**
 * Drops the gradients of every parameter under `backbone.` for the first `epochs` epochs (priority 100: after saliency, before
 * the optimizer), so only neck and head train; BN statistics still follow the data.
 */
export function freezeBackbone(epochs: number): Plugin {
  let frozen = false;
  return {
    id: 'freeze-backbone',
    priority: 100,
    hooks: {
      onEpochBegin: (_, epoch) => {
        frozen = epoch < epochs;
      },
      onAfterBackward: (_, __, info) => {
        if (!frozen) return;
        const grads = info.grads as Map<string, unknown>;
        for (const path of [...grads.keys()]) if (path.startsWith('backbone.')) grads.delete(path);
      },
    },
  };
}
