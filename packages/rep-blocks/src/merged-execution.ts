import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, batchNormTrain, conv2dGrouped } from '@dyrep/nn';
import type { BlockGeometry, BranchKind } from './branches';
import { ConvBnBranch, OneByOneAvgBranch, OneByOneKxkBranch, type Branch } from './branch-modules';
import { padKernelToKxk } from './transforms/pad-to-kxk';

/**
 * How a rep-block computes its branches in training mode. An execution strategy only: the module
 * tree, parameters, state dicts and fusion are the same whatever is chosen, and forward values and
 * gradients equal the branch-by-branch computation to float rounding.
 *
 * - `separate`: every branch on its own (conv, BN, …), summed.
 * - `same-input`: the branches whose plain conv reads the block input at the block's stride with
 *   padding ⌊k/2⌋ (`kxk`, `1x1`, `1xk`, `kx1`) run as ONE k×k conv over their zero-padded kernels
 *   concatenated along output channels (interleaved per group), ONE training-mode BN over the
 *   concatenation (batch statistics are per channel, so each branch gets its own), and a sum of
 *   the slices; the other branches run separately.
 * - `heads`: the stride-1 1×1 convs that read the block input (the heads of `1x1_kxk` and
 *   `1x1_avg`, and the `1x1` branch when the stride is 1) run as ONE 1×1 conv whose output is split
 *   back to their BNs; the rest run separately.
 * - `both`: `same-input` for `kxk`, `1xk`, `kx1` (and `1x1` at stride > 1) plus `heads`.
 */
export type MergeStrategy = 'separate' | 'same-input' | 'heads' | 'both';

/** The strategies, in the order of {@link MergeStrategy}'s description. */
export const MERGE_STRATEGIES: readonly MergeStrategy[] = ['separate', 'same-input', 'heads', 'both'];

let activeStrategy: MergeStrategy = 'separate';

/**
 * Sets how every rep-block computes its branches in training mode. Default `separate`: on wasm
 * the merged strategies measured slower (`tools/bench-merge-strategies.ts`, docs/benchmarks.md):
 * the zero-padded kernels add multiply-adds and the concatenations and splits add copies that
 * outweigh the saved kernel launches. Returns the previous strategy.
 */
export function setMergeStrategy(strategy: MergeStrategy): MergeStrategy {
  if (!MERGE_STRATEGIES.includes(strategy)) throw new Error(`setMergeStrategy: unknown strategy '${String(strategy)}'; expected ${MERGE_STRATEGIES.join(', ')}`);
  const previous = activeStrategy;
  activeStrategy = strategy;
  return previous;
}

/** The strategy rep-blocks use in training mode now. */
export function mergeStrategy(): MergeStrategy {
  return activeStrategy;
}

/** A plain conv of a same-input branch whose geometry lets it join the block's k×k conv. */
function sameInputConv(branch: Branch, g: BlockGeometry): Conv2d | null {
  if (!(branch instanceof ConvBnBranch)) return null;
  const conv = branch.conv;
  if (!(conv instanceof Conv2d) || (conv.bias !== null && branch.kind !== 'kxk')) return null;
  const [kh, kw] = conv.kernelSize;
  const ph = g.padding - (g.kernelSize - kh) / 2;
  const pw = g.padding - (g.kernelSize - kw) / 2;
  const pad = conv.padding;
  const padOk = Array.isArray(pad) && pad[0][0] === ph && pad[0][1] === ph && pad[1][0] === pw && pad[1][1] === pw;
  const ok = padOk && conv.stride.every((s) => s === g.stride) && conv.dilation.every((d) => d === 1) && conv.groups === g.groups;
  return ok ? conv : null;
}

/** A 1×1, stride-1, unpadded conv reading the block input (a head), or null. */
function headConv(conv: unknown, g: BlockGeometry): Conv2d | null {
  if (!(conv instanceof Conv2d) || conv.bias !== null) return null;
  const pad = conv.padding;
  const unpadded = Array.isArray(pad) && pad.every(([a, b]) => a === 0 && b === 0);
  const ok = unpadded && conv.kernelSize.every((s) => s === 1) && conv.stride.every((s) => s === 1) && conv.dilation.every((d) => d === 1) && conv.groups === g.groups;
  return ok ? conv : null;
}

/**
 * Concatenates per-group slices along the last axis: tensors `[..., c_i]` with `groups` groups each
 * become `[..., Σ c_i]` ordered group by group, so a grouped conv over the result keeps every
 * part's output channels in their own group.
 */
function concatPerGroup(parts: tf.Tensor[], groups: number): tf.Tensor {
  if (groups === 1) return tf.concat(parts, -1);
  const lead = parts[0].shape.slice(0, -1);
  const split = parts.map((t) => tf.reshape(t, [...lead, groups, t.shape[t.rank - 1] / groups]));
  const joined = tf.concat(split, -1);
  return tf.reshape(joined, [...lead, joined.shape[joined.rank - 1] * groups]);
}

/** Inverse of {@link concatPerGroup} on the last axis: splits `[..., Σ c_i]` into `[..., c_i]`. */
function splitPerGroup(t: tf.Tensor, sizes: number[], groups: number): tf.Tensor[] {
  if (groups === 1) return tf.split(t, sizes, -1);
  const lead = t.shape.slice(0, -1);
  const grouped = tf.reshape(t, [...lead, groups, t.shape[t.rank - 1] / groups]);
  return tf
    .split(
      grouped,
      sizes.map((c) => c / groups),
      -1,
    )
    .map((p, i) => tf.reshape(p, [...lead, sizes[i]]));
}

/**
 * `Σ BN_i(conv_i(x))` over same-input branches as one k×k conv, one BN over the concatenation and
 * a sum of the slices (see {@link MergeStrategy}). Each branch's running statistics are updated
 * from its own channels with its own momentum.
 */
function sameInputSum(entries: { branch: ConvBnBranch; conv: Conv2d }[], x: tf.Tensor, g: BlockGeometry): tf.Tensor {
  const { kernelSize: k, groups, outChannels: cout, stride, padding: p } = g;
  const n = entries.length;
  const kernel = concatPerGroup(
    entries.map(({ conv }) => padKernelToKxk(conv.weight as tf.Tensor4D, k)),
    groups,
  ) as tf.Tensor4D;
  let y = conv2dGrouped(x as tf.Tensor4D, kernel, null, {
    stride: [stride, stride],
    padding: [
      [p, p],
      [p, p],
    ],
    dilation: [1, 1],
    groups,
  });
  const biases = entries.map(({ conv }) => conv.bias ?? tf.zeros([cout]));
  if (entries.some(({ conv }) => conv.bias !== null)) y = tf.add(y, concatPerGroup(biases, groups)) as tf.Tensor4D;
  const bns = entries.map(({ branch }) => branch.bn);
  const gamma = concatPerGroup(
    bns.map((bn) => bn.weight),
    groups,
  );
  const beta = concatPerGroup(
    bns.map((bn) => bn.bias),
    groups,
  );
  const z = batchNormTrain(y, gamma, beta, bns[0].eps, (mean, variance, count) => {
    if (count < 2) return;
    tf.tidy(() => {
      const means = splitPerGroup(
        mean,
        bns.map(() => cout),
        groups,
      );
      const variances = splitPerGroup(
        variance,
        bns.map(() => cout),
        groups,
      );
      bns.forEach((bn, i) => updateRunningStats(bn, means[i], variances[i], count));
    });
  });
  const [b, h, w] = z.shape;
  return tf.reshape(tf.sum(tf.reshape(z, [b, h, w, groups, n, cout / groups]), 4), [b, h, w, cout]);
}

/** PyTorch's running-statistics update of a training BN (unbiased variance), as {@link BatchNorm2d} does it. */
function updateRunningStats(bn: BatchNorm2d, mean: tf.Tensor, variance: tf.Tensor, count: number): void {
  const m = bn.momentum;
  bn.runningMean.assign(tf.add(tf.mul(bn.runningMean, 1 - m), tf.mul(mean, m)));
  bn.runningVar.assign(tf.add(tf.mul(bn.runningVar, 1 - m), tf.mul(tf.mul(variance, count / (count - 1)), m)));
}

/** A head: a 1×1 conv on the block input and what follows it in its branch. */
interface Head {
  kind: BranchKind;
  conv: Conv2d;
  /** The branch's remaining computation on the head conv's output. */
  rest: (y: tf.Tensor) => tf.Tensor;
}

function headOf(branch: Branch, g: BlockGeometry, withOneByOne: boolean): Head | null {
  if (branch instanceof OneByOneKxkBranch) {
    const conv = headConv(branch.getModule('conv1'), g);
    if (!conv) return null;
    return { kind: branch.kind, conv, rest: (y) => branch.lastBn.forward(branch.getModule('conv2').forward(branch.getModule('bn1').forward(y))) };
  }
  if (branch instanceof OneByOneAvgBranch && !branch.direct) {
    const conv = headConv(branch.getModule('conv'), g);
    if (!conv) return null;
    return { kind: branch.kind, conv, rest: (y) => branch.lastBn.forward(branch.getModule('avg').forward(branch.getModule('bn1').forward(y))) };
  }
  if (withOneByOne && branch instanceof ConvBnBranch && branch.kind === '1x1' && g.stride === 1) {
    const conv = headConv(branch.conv, g);
    if (!conv) return null;
    return { kind: branch.kind, conv, rest: (y) => branch.bn.forward(y) };
  }
  return null;
}

/** The heads' 1×1 convs as one conv; each head's output continues through its own branch. */
function headsOutputs(heads: Head[], x: tf.Tensor, g: BlockGeometry): tf.Tensor[] {
  const kernel = concatPerGroup(
    heads.map((h) => h.conv.weight),
    g.groups,
  ) as tf.Tensor4D;
  const y = conv2dGrouped(x as tf.Tensor4D, kernel, null, {
    stride: [1, 1],
    padding: [
      [0, 0],
      [0, 0],
    ],
    dilation: [1, 1],
    groups: g.groups,
  });
  const parts = splitPerGroup(
    y,
    heads.map((h) => h.conv.outChannels),
    g.groups,
  );
  return heads.map((h, i) => h.rest(parts[i]));
}

/**
 * The training-mode forward of a block's branches under `strategy`: the sum over `branches` (in
 * canonical order) of their outputs on `x`. Call inside a tidy.
 */
export function mergedBranchSum(branches: Branch[], x: tf.Tensor, g: BlockGeometry, strategy: MergeStrategy): tf.Tensor {
  const outputs: tf.Tensor[] = [];
  let rest = branches;
  if (strategy === 'heads' || strategy === 'both') {
    const heads = branches.map((b) => headOf(b, g, true)).filter((h): h is Head => h !== null);
    if (heads.length >= 2) {
      outputs.push(...headsOutputs(heads, x, g));
      const merged = new Set(heads.map((h) => h.kind));
      rest = rest.filter((b) => !merged.has(b.kind));
    }
  }
  if (strategy === 'same-input' || strategy === 'both') {
    const entries = rest.map((branch) => ({ branch: branch as ConvBnBranch, conv: sameInputConv(branch, g) })).filter((e): e is { branch: ConvBnBranch; conv: Conv2d } => e.conv !== null);
    const eps = new Set(entries.map((e) => e.branch.bn.eps));
    if (entries.length >= 2 && eps.size === 1) {
      outputs.push(sameInputSum(entries, x, g));
      const merged = new Set(entries.map((e) => e.branch.kind));
      rest = rest.filter((b) => !merged.has(b.kind));
    }
  }
  outputs.push(...rest.map((b) => b.forward(x)));
  return outputs.length === 1 ? outputs[0] : tf.addN(outputs);
}
