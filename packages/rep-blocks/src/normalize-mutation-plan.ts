import { BRANCH_KINDS, type BranchKind, type CutOp, type GrowOp, type MutationPlan } from '@dyrep/core';
import type { Module } from '@dyrep/nn';
import { checkBranches } from './branches';
import { blockGeometryOf, listGrowableConvs } from './grow';
import { isRepBlock } from './rep-block';

/** A mutation plan that cannot be applied to the model; nothing has been changed. */
export class MutationPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MutationPlanError';
  }
}

/** An op that {@link normalizeMutationPlan} removed, and why. */
export interface DroppedOp {
  op: GrowOp | CutOp;
  reason: string;
}

/** What {@link normalizeMutationPlan} returns: the plan that will be applied and what was dropped from it. */
export interface NormalizedPlan {
  plan: MutationPlan;
  dropped: DroppedOp[];
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`);

function findModule(model: Module, path: string): Module | undefined {
  try {
    return model.getModule(path);
  } catch {
    return undefined;
  }
}

/**
 * Validates `plan` against `model` and normalises it, before anything is changed. Invalid ops —
 * unknown branch names, growing what is not a growable conv (or beyond the nesting limit), branches
 * the conv's geometry does not allow, cutting `kxk` or a branch a block does not have — are a
 * {@link MutationPlanError} naming the plan's source and the op. Ops made moot by the plan itself
 * are dropped, in application order (grows, then cuts): a repeated grow; any op under a branch
 * that a cut of the same plan removes (e.g. a cut of `conv1`'s `1x1_kxk` and of a block nested in
 * it), or under a block that a cut reduces to a plain conv; branches already cut by an earlier op.
 */
export function normalizeMutationPlan(model: Module, plan: MutationPlan): NormalizedPlan {
  const fail = (op: GrowOp | CutOp, i: number, why: string) => new MutationPlanError(`mutation plan from '${plan.source}': op ${i + 1} (${op?.type} '${op?.path}'): ${why}`);
  if (!Array.isArray(plan.ops)) throw new MutationPlanError(`mutation plan from '${plan.source}' has no ops array`);
  plan.ops.forEach((op, i) => {
    if (op?.type !== 'grow' && op?.type !== 'cut') throw fail(op, i, `unknown op type ${JSON.stringify(op?.type)}`);
    if (typeof op.path !== 'string' || !op.path) throw fail(op, i, 'the path must be a non-empty string');
    if (!Array.isArray(op.branches) || !op.branches.length) throw fail(op, i, 'branches must be a non-empty list');
    const unknown = op.branches.filter((b: BranchKind) => !BRANCH_KINDS.includes(b));
    if (unknown.length) throw fail(op, i, `unknown branch ${unknown.map((b: BranchKind) => `'${b}'`).join(', ')} (known: ${BRANCH_KINDS.join(', ')})`);
    if (new Set(op.branches).size !== op.branches.length) throw fail(op, i, `branch listed twice in [${op.branches.join(', ')}]`);
  });
  // Everything a cut of this plan removes: `path.branch` for every cut branch (grows under it are pointless).
  const cutAway = plan.ops.filter((op): op is CutOp => op.type === 'cut').flatMap((op) => op.branches.map((b) => `${op.path}.${b}`));
  const growable = new Map(listGrowableConvs(model).map((g) => [g.path, g]));
  const dropped: DroppedOp[] = [];
  const kept = new Map<GrowOp | CutOp, GrowOp | CutOp>();
  const grown = new Map<string, Set<BranchKind>>();
  plan.ops.forEach((op, i) => {
    if (op.type !== 'grow') return;
    if (grown.has(op.path)) return dropped.push({ op, reason: `'${op.path}' is grown by an earlier op of the plan` });
    const removedBy = cutAway.find((p) => under(op.path, p) && p !== op.path);
    if (removedBy) return dropped.push({ op, reason: `it lies under '${removedBy}', which the plan cuts` });
    const target = findModule(model, op.path);
    if (!target) throw fail(op, i, 'no such module in the model');
    if (!growable.has(op.path)) {
      const geometry = target.constructor.name === 'Conv2d' ? blockGeometryOf(target as never) : `it is a ${target.constructor.name}, not a Conv2d`;
      throw fail(op, i, `it cannot be grown: ${typeof geometry === 'string' ? geometry : 'it is nested deeper than the blocks above it allow'}`);
    }
    if (!op.branches.includes('kxk')) throw fail(op, i, "a grow must keep the 'kxk' branch");
    const geometry = blockGeometryOf(growable.get(op.path)!.conv);
    try {
      checkBranches(op.branches, geometry as Exclude<typeof geometry, string>);
    } catch (e) {
      throw fail(op, i, (e as Error).message);
    }
    grown.set(op.path, new Set(op.branches));
    kept.set(op, op);
  });
  const gone: string[] = []; // prefixes removed by the cuts applied so far
  const present = new Map<string, Set<BranchKind>>(grown);
  plan.ops.forEach((op, i) => {
    if (op.type !== 'cut') return;
    const removedBy = gone.find((p) => under(op.path, p));
    if (removedBy) return dropped.push({ op, reason: `'${removedBy}' is removed by an earlier cut of the plan` });
    let branches = present.get(op.path);
    if (!branches) {
      const block = findModule(model, op.path);
      if (!block) throw fail(op, i, 'no such module in the model');
      if (!isRepBlock(block)) throw fail(op, i, `it is a ${block.constructor.name}, not a rep-block`);
      branches = new Set(block.branchKinds);
      present.set(op.path, branches);
    }
    if (op.branches.includes('kxk')) throw fail(op, i, "the 'kxk' branch cannot be cut");
    const missing = op.branches.filter((b: BranchKind) => !branches!.has(b) && !gone.includes(`${op.path}.${b}`));
    if (missing.length) throw fail(op, i, `the block has no ${missing.map((b: BranchKind) => `'${b}'`).join(', ')} branch (present: ${[...branches].join(', ')})`);
    const effective = op.branches.filter((b: BranchKind) => branches!.has(b));
    if (!effective.length) return dropped.push({ op, reason: 'its branches are cut by an earlier op of the plan' });
    for (const b of effective) {
      branches.delete(b);
      gone.push(`${op.path}.${b}`);
    }
    if (branches.size === 1) gone.push(op.path); // reduced to kxk: becomes a plain conv, nothing under it remains
    kept.set(op, effective.length === op.branches.length ? op : { ...op, branches: effective });
  });
  return { plan: { ...plan, ops: plan.ops.filter((op) => kept.has(op)).map((op) => kept.get(op)!) }, dropped };
}
