/**
 * Branch kinds of a rep-block and the rules that say which exist for which conv geometry
 * (spec §2). A block's branches are a typed set of these names, never a positional bit vector.
 */

import type { BranchKind } from '@dyrep/core';
import { BRANCH_KINDS } from '@dyrep/core';

export type { BranchKind };
export { BRANCH_KINDS };

/** The conv interface a rep-block replaces: square k×k kernel (k > 1), square stride, symmetric padding, dilation 1. */
export interface BlockGeometry {
  inChannels: number;
  outChannels: number;
  /** Kernel size k (> 1). */
  kernelSize: number;
  stride: number;
  /** Same padding on every side. */
  padding: number;
  groups: number;
}

/** {@link BlockGeometry} with stride 1, padding ⌊k/2⌋ and groups 1 as defaults. */
export type BlockGeometryInput = Omit<BlockGeometry, 'stride' | 'padding' | 'groups'> & Partial<Pick<BlockGeometry, 'stride' | 'padding' | 'groups'>>;

/** Fills defaults and checks a geometry; throws a clear error for an impossible one. */
export function normalizeGeometry(g: BlockGeometryInput): BlockGeometry {
  const out: BlockGeometry = {
    inChannels: g.inChannels,
    outChannels: g.outChannels,
    kernelSize: g.kernelSize,
    stride: g.stride ?? 1,
    padding: g.padding ?? Math.floor(g.kernelSize / 2),
    groups: g.groups ?? 1,
  };
  for (const key of ['inChannels', 'outChannels', 'kernelSize', 'stride', 'groups'] as const) {
    if (!Number.isInteger(out[key]) || out[key] < 1) throw new Error(`rep-block: ${key} must be a positive integer, got ${out[key]}`);
  }
  if (out.kernelSize < 2) throw new Error(`rep-block: kernel size must be > 1, got ${out.kernelSize}`);
  if (!Number.isInteger(out.padding) || out.padding < 0) throw new Error(`rep-block: padding must be a non-negative integer, got ${out.padding}`);
  if (out.inChannels % out.groups || out.outChannels % out.groups) {
    throw new Error(`rep-block: channels ${out.inChannels}→${out.outChannels} are not divisible by groups ${out.groups}`);
  }
  return out;
}

/** True when padding keeps the kernel centre on the output pixel: odd k and p = ⌊k/2⌋ (needed by 1x1, 1xk, kx1, id). */
export function isCentred(g: BlockGeometry): boolean {
  return g.kernelSize % 2 === 1 && g.padding === Math.floor(g.kernelSize / 2);
}

/** Why `kind` is not valid for `g`, or null when it is. */
export function branchInvalidReason(kind: BranchKind, g: BlockGeometry): string | null {
  switch (kind) {
    case 'kxk':
    case '1x1_kxk':
    case '1x1_avg':
      return null;
    case '1x1':
    case '1xk':
    case 'kx1':
      return isCentred(g) ? null : `needs an odd kernel and padding ⌊k/2⌋ (k ${g.kernelSize}, padding ${g.padding})`;
    case 'id':
      if (!isCentred(g)) return `needs an odd kernel and padding ⌊k/2⌋ (k ${g.kernelSize}, padding ${g.padding})`;
      if (g.stride !== 1) return `needs stride 1 (stride ${g.stride})`;
      if (g.inChannels !== g.outChannels) return `needs inChannels = outChannels (${g.inChannels}→${g.outChannels})`;
      return null;
    default:
      return `unknown branch kind (known: ${BRANCH_KINDS.join(', ')})`;
  }
}

/**
 * The branches valid for a conv geometry, in canonical order (spec §2): `kxk`, `1x1_kxk`,
 * `1x1_avg` always; `1x1`, `1xk`, `kx1` when k is odd and p = ⌊k/2⌋; `id` when additionally
 * stride is 1 and inChannels = outChannels.
 */
export function validBranches(geometry: BlockGeometryInput): BranchKind[] {
  const g = normalizeGeometry(geometry);
  return BRANCH_KINDS.filter((k) => branchInvalidReason(k, g) === null);
}

/**
 * Checks a requested branch set against a geometry and returns it deduplicated in canonical
 * order; throws naming every invalid branch. `kxk` is always required.
 */
export function checkBranches(requested: Iterable<BranchKind>, geometry: BlockGeometryInput): BranchKind[] {
  const g = normalizeGeometry(geometry);
  const set = new Set(requested);
  const problems: string[] = [];
  for (const kind of set) {
    const why = branchInvalidReason(kind, g);
    if (why) problems.push(`'${kind}' ${why}`);
  }
  if (!set.has('kxk')) problems.push(`'kxk' is required in every rep-block`);
  if (problems.length) {
    const desc = `${g.inChannels}→${g.outChannels}, k ${g.kernelSize}, stride ${g.stride}, padding ${g.padding}, groups ${g.groups}`;
    throw new Error(`invalid rep-block branches for conv (${desc}): ${problems.join('; ')}. Valid: ${validBranches(g).join(', ')}`);
  }
  return BRANCH_KINDS.filter((k) => set.has(k));
}
