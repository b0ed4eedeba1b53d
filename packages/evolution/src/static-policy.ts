import type { Plugin } from '@dyrep/core';
import { blockGeometryOf, listGrowableConvs, listRepBlocks, presetBranches, type BlockGeometry, type PresetName } from '@dyrep/rep-blocks';

/** Options of {@link staticPolicy}. */
export interface StaticPolicyOptions {
  /** Branch preset every eligible conv becomes (`dbb`, `repvgg`, `acb`, `full`). */
  preset: PresetName;
  /**
   * `preserving` (default, this project's): every eligible square k > 1 conv becomes a block
   * that computes what the conv computed (branch gates γ = 1). `authors`: the authors' static DBB
   * converter: only 3×3 convs, blocks newly initialised with PyTorch's defaults and unit BN scales
   * (not function-preserving, which does not matter before the first step).
   */
  variant?: StaticVariant;
  /** Plugin id (default `static-<preset>`). */
  id?: string;
}

/** The two static baselines of {@link StaticPolicyOptions.variant}. */
export type StaticVariant = 'preserving' | 'authors';

/**
 * The static re-parameterization baselines (DBB, RepVGG, ACB): before the first epoch, every
 * eligible conv (square k > 1, not inside a block) becomes a rep-block of the preset whose branches
 * all start with BN γ = 1, and the BN that followed the conv is dropped (each branch has its own),
 * as in the DBB and RepVGG papers. With `variant: 'authors'` only 3×3 convs are converted, into
 * freshly initialised blocks (the authors' baseline). On resume the structure comes from the
 * checkpoint, so nothing is proposed when blocks exist already.
 */
export function staticPolicy(options: StaticPolicyOptions): Plugin {
  const id = options.id ?? `static-${options.preset}`;
  const variant = options.variant ?? 'preserving';
  if (variant !== 'preserving' && variant !== 'authors') throw new Error(`static policy: variant must be 'preserving' or 'authors', got '${variant as string}'`);
  return {
    id,
    priority: 60,
    hooks: {
      onTrainBegin(ctx) {
        if (listRepBlocks(ctx.model).length) return;
        const convs = listGrowableConvs(ctx.model, { maxDepth: 1 }).filter(({ conv }) => variant === 'preserving' || conv.kernelSize[0] === 3);
        const ops = convs.map(({ path, conv }) => ({
          type: 'grow' as const,
          path,
          branches: presetBranches(options.preset, blockGeometryOf(conv) as BlockGeometry),
          gate: 1,
          dropFollowingBn: true,
          ...(variant === 'authors' ? { init: 'fresh' as const } : {}),
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
