/** Names of the branches a rep-block can hold (see the spec, section 2). */
export type BranchKind = 'kxk' | '1x1' | '1x1_kxk' | '1x1_avg' | '1xk' | 'kx1' | 'id';

/** Every branch kind, in canonical order. */
export const BRANCH_KINDS: readonly BranchKind[] = ['kxk', '1x1', '1x1_kxk', '1x1_avg', '1xk', 'kx1', 'id'];

/**
 * Replace the conv at `path` by a rep-block with `branches` (which must include `kxk`). The new
 * branches' last BN starts at γ = `gate` (default 0.01) and `kxk` takes the difference, so the
 * block computes what the conv computed. `dropFollowingBn` (static DBB baselines) also replaces
 * the BatchNorm that followed the conv by an identity, as each branch has its own. `init: 'fresh'`
 * (the authors' static DBB baseline) builds the block with PyTorch's default initialisation and
 * unit BN scales instead: not function-preserving, for before training.
 */
export interface GrowOp {
  type: 'grow';
  path: string;
  branches: readonly BranchKind[];
  gate?: number;
  dropFollowingBn?: boolean;
  init?: 'preserving' | 'fresh';
}

/**
 * Remove `branches` from the rep-block at `path`, keeping its eval-mode function: `mode: 'fold'`
 * (default) folds them into the `kxk` conv, keeping `kxk`'s BN and nested block; `'reset'` is the
 * authors' cut, "as in growing": `kxk`'s BN is reset (γ = 1, β = 0, fresh statistics), a block
 * nested in `kxk` is re-initialised, and the `kxk` conv takes the difference.
 */
export interface CutOp {
  type: 'cut';
  path: string;
  branches: readonly BranchKind[];
  mode?: 'fold' | 'reset';
}

/**
 * A structure change proposed by a policy and applied by the trainer between steps. Grows are
 * applied before cuts. `recalibrateBnBatches` asks the trainer to re-estimate the BN statistics of
 * grown blocks on that many training batches before fixing their `kxk` branch.
 */
export interface MutationPlan {
  /** The policy that proposed it. */
  source: string;
  ops: readonly (GrowOp | CutOp)[];
  recalibrateBnBatches?: number;
}

/** What applying a plan changed, in parameter paths. */
export interface MutationResult {
  plan: MutationPlan;
  /** Parameter and buffer paths that did not exist before. */
  added: string[];
  /** Parameter and buffer paths that no longer exist (their variables are disposed). */
  removed: string[];
  /** Trainable parameter count and multiply-adds per example after the change. */
  params: number;
  flops: number;
}
