import type { Plugin } from '@dyrep/core';
import { blockGeometryOf, listGrowableConvs, listRepBlocks, presetBranches, type BlockGeometry, type PresetName } from '@dyrep/rep-blocks';

/** Options of {@link staticPolicy}. */
export interface StaticPolicyOptions {
  /** Branch preset every eligible conv becomes (`dbb`, `repvgg`, `acb`, `full`). */
  preset: PresetName;
  /** Plugin id (default `static-<preset>`). */
  id?: string;
}

/**
 * The static re-parameterization baselines (DBB, RepVGG, ACB): before the first epoch, every
 * eligible conv (square k > 1, not inside a block) becomes a rep-block of the preset whose branches
 * all start with BN γ = 1, and the BN that followed the conv is dropped (each branch has its own),
 * as in the DBB and RepVGG papers. On resume
 * the structure comes from the checkpoint, so nothing is proposed when blocks exist already.
 */
export function staticPolicy(options: StaticPolicyOptions): Plugin {
  const id = options.id ?? `static-${options.preset}`;
  return {
    id,
    priority: 60,
    hooks: {
      onTrainBegin(ctx) {
        if (listRepBlocks(ctx.model).length) return;
        const ops = listGrowableConvs(ctx.model, { maxDepth: 1 }).map(({ path, conv }) => ({
          type: 'grow' as const,
          path,
          branches: presetBranches(options.preset, blockGeometryOf(conv) as BlockGeometry),
          gate: 1,
          dropFollowingBn: true,
        }));
        if (ops.length) ctx.proposeMutation({ source: id, ops });
      },
    },
  };
}

/** The plain network: a policy that never changes the structure. */
export function nonePolicy(): Plugin {
  return { id: 'none', hooks: {} };
}
