import type { BranchKind } from './branches';

/** Thresholds of {@link selectBranchesToCut} (the authors' values are the defaults). */
export interface CutRuleOptions {
  /** Cut only when the sample standard deviation of the non-kxk weights exceeds this (default 0.02). */
  minStd?: number;
  /** A branch is cut only when its weight is below this (default 0.1) and below the mean. */
  maxWeight?: number;
}

/**
 * DyRep's de-parameterization rule (spec §5) on a block's branch weights (see
 * `RepBlock.branchWeights`): among the branches other than `kxk`, if the sample standard
 * deviation (n − 1) of their weights exceeds `minStd`, every branch whose weight is below both
 * their mean and `maxWeight` is returned. A single other branch is never cut; equal weights (a
 * freshly grown block) give standard deviation 0 and nothing is cut.
 */
export function selectBranchesToCut(weights: Partial<Record<BranchKind, number>>, options: CutRuleOptions = {}): BranchKind[] {
  const minStd = options.minStd ?? 0.02;
  const maxWeight = options.maxWeight ?? 0.1;
  const others = (Object.entries(weights) as [BranchKind, number][]).filter(([k]) => k !== 'kxk');
  if (others.length < 2) return [];
  const values = others.map(([, w]) => w);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  if (!(std > minStd)) return [];
  return others.filter(([, w]) => w < mean && w < maxWeight).map(([k]) => k);
}
