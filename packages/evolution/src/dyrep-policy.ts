import type { CutOp, GrowOp, Plugin, TrainerContext } from '@dyrep/core';
import type { Conv2d } from '@dyrep/nn';
import { blockGeometryOf, listRepBlocks, presetBranches, selectBranchesToCut, type CutRuleOptions } from '@dyrep/rep-blocks';
import type { SaliencyCollector } from '@dyrep/saliency';

/** Options of {@link dyrepPolicy}; defaults follow the authors' CIFAR recipe where one exists. */
export interface DyrepPolicyOptions {
  /** The collector whose ranking decides which conv grows (its plugin must be registered too). */
  saliency: SaliencyCollector;
  /** Adjust after every this many epochs (default 15). */
  adjustInterval?: number;
  /** Adjust only while the (0-based) epoch is below this (default 500). */
  maxAdjustEpochs?: number;
  /** Convs grown per adjustment (default 1). */
  topK?: number;
  /** Re-estimate BN statistics of grown blocks on this many training batches (default 20; 0 disables). */
  recalBnBatches?: number;
  /** Cut thresholds (std 0.02, weight 0.1). */
  cut?: CutRuleOptions;
  /**
   * How a cut keeps the function: `fold` (default, ours: into the `kxk` conv, keeping its BN and
   * nested block) or `reset` (the authors': `kxk`'s BN reset, a nested block re-initialised).
   */
  cutMode?: 'fold' | 'reset';
  /** Plugin id (default `dyrep`). */
  id?: string;
}

/**
 * The DyRep evolution policy (spec §5) as a plugin: at the end of every `adjustInterval` epochs
 * while `epoch < maxAdjustEpochs`, it proposes one mutation plan that grows the `topK` most
 * salient eligible convs into rep-blocks with every valid branch, then cuts collapsed branches of
 * existing blocks. The trainer applies the plan function-preservingly after validation. Nothing is
 * proposed after the run's last epoch: new branches would never train, and the model that is
 * saved and deployed would differ from the one last validated.
 */
export function dyrepPolicy(options: DyrepPolicyOptions): Plugin {
  const adjustInterval = positiveInt('adjustInterval', options.adjustInterval ?? 15);
  const maxAdjustEpochs = nonNegativeInt('maxAdjustEpochs', options.maxAdjustEpochs ?? 500);
  const topK = positiveInt('topK', options.topK ?? 1);
  const recalBnBatches = nonNegativeInt('recalBnBatches', options.recalBnBatches ?? 20);
  const collector = options.saliency;
  const cutMode = options.cutMode ?? 'fold';
  if (cutMode !== 'fold' && cutMode !== 'reset') throw new Error(`dyrep policy: cutMode must be 'fold' or 'reset', got '${cutMode as string}'`);
  return {
    id: options.id ?? 'dyrep',
    priority: 60,
    dependsOn: [collector.id],
    hooks: {
      onEpochEnd(ctx, epoch) {
        if ((epoch + 1) % adjustInterval !== 0 || epoch >= maxAdjustEpochs || epoch + 1 >= ctx.epochs) return;
        const ops = [...growOps(ctx, collector, topK), ...cutOps(ctx, options.cut, cutMode)];
        if (ops.length) ctx.proposeMutation({ source: options.id ?? 'dyrep', ops, recalibrateBnBatches: recalBnBatches });
      },
    },
  };
}

function growOps(ctx: TrainerContext, collector: SaliencyCollector, topK: number): GrowOp[] {
  return collector
    .ranking(ctx.model)
    .slice(0, topK)
    .map(({ path }) => ({ type: 'grow', path, branches: fullBranches(ctx.model.getModule(path) as Conv2d) }));
}

function cutOps(ctx: TrainerContext, rule: CutRuleOptions | undefined, mode: 'fold' | 'reset'): CutOp[] {
  const ops: CutOp[] = [];
  for (const { path, block } of listRepBlocks(ctx.model)) {
    const cut = selectBranchesToCut(block.branchWeights(), rule);
    if (cut.length) ops.push({ type: 'cut', path, branches: cut, ...(mode === 'reset' ? { mode } : {}) });
  }
  return ops;
}

/** Every branch valid for the conv's geometry (the `full` preset, what DyRep grows). */
export function fullBranches(conv: Conv2d) {
  const geometry = blockGeometryOf(conv);
  if (typeof geometry === 'string') throw new Error(`cannot grow this conv: ${geometry}`);
  return presetBranches('full', geometry);
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`dyrep policy: ${name} must be a positive integer, got ${v}`);
  return v;
}

function nonNegativeInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new Error(`dyrep policy: ${name} must be a non-negative integer, got ${v}`);
  return v;
}
