import type { Plugin } from '@dyrep/core';
import type { Conv2d } from '@dyrep/nn';
import { blockGeometryOf, presetBranches, type BlockGeometry } from '@dyrep/rep-blocks';

/**
 * A scripted policy for trainer tests: grows `features.0` with every valid branch at the end of
 * epoch 0 (recalibrating BN on `recalibrateBnBatches` batches), and at the end of epoch 1 cuts
 * `1x1` and `1x1_avg` from it, or with `cutAll` every branch but `kxk` (it becomes a plain conv).
 */
export function scriptedPolicy(recalibrateBnBatches = 0, cutAll = false): Plugin {
  return {
    id: 'scripted',
    hooks: {
      onEpochEnd(ctx, epoch) {
        if (epoch === 0) {
          const conv = ctx.model.getModule('features.0') as Conv2d;
          const branches = presetBranches('full', blockGeometryOf(conv) as BlockGeometry);
          ctx.proposeMutation({ source: 'scripted', ops: [{ type: 'grow', path: 'features.0', branches }], recalibrateBnBatches });
        } else if (epoch === 1) {
          const branches = cutAll ? (['1x1', '1x1_kxk', '1x1_avg', '1xk', 'kx1'] as const) : (['1x1', '1x1_avg'] as const);
          ctx.proposeMutation({ source: 'scripted', ops: [{ type: 'cut', path: 'features.0', branches }] });
        }
      },
    },
  };
}
