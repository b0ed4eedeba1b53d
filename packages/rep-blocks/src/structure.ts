import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Identity, type Module } from '@dyrep/nn';
import type { BranchKind } from './branches';
import { outermostRepBlocks } from './fuse-model';
import { growConv, type GrowOptions } from './grow';
import type { RepBlock } from './rep-block';

/** Serialisable description of one rep-block: where it is, its branches and nesting. */
export interface BlockStructure {
  /** Dotted path: from the model root for top-level entries, from the parent block for nested ones. */
  path: string;
  /** Present branches in canonical order. */
  branches: BranchKind[];
  depth: number;
  maxDepth: number;
  /** Blocks inside this block (paths relative to it, e.g. `kxk.conv`, `1x1_kxk.conv2`). */
  nested: BlockStructure[];
}

function describeBlock(block: RepBlock, path: string): BlockStructure {
  const nested = outermostRepBlocks(block, { below: true }).map((e) => describeBlock(e.block, e.path));
  return { path, branches: block.branchKinds, depth: block.depth, maxDepth: block.maxDepth, nested };
}

/** The rep-block structure of `model` (JSON-serialisable), outermost blocks first with their nesting. */
export function describeStructure(model: Module): BlockStructure[] {
  return outermostRepBlocks(model).map((e) => describeBlock(e.block, e.path));
}

/**
 * Rebuilds a block structure on a model whose described paths hold plain Conv2d modules (e.g. a
 * fresh model from the registry): each conv is replaced by a block with the described branches
 * (via `growConv`, so the model's eval function is unchanged), recursively for nested blocks; old
 * convs are disposed. Load a state dict afterwards to restore trained values.
 */
export function applyStructure(model: Module, structure: readonly BlockStructure[], options: Pick<GrowOptions, 'bn' | 'rng' | 'gate'> = {}): void {
  const apply = (root: Module, entries: readonly BlockStructure[], depth: number) => {
    for (const entry of entries) {
      if (entry.depth !== depth) throw new Error(`applyStructure: '${entry.path}' is described at depth ${entry.depth} but sits at depth ${depth}`);
      const target = root.getModule(entry.path);
      if (!(target instanceof Conv2d)) throw new Error(`applyStructure: '${entry.path}' is a ${target.constructor.name}, expected a Conv2d`);
      const block = growConv(target, { ...options, branches: entry.branches, depth: entry.depth, maxDepth: entry.maxDepth });
      root.setModule(entry.path, block).dispose();
      apply(block, entry.nested, depth + 1);
    }
  };
  apply(model, structure, 0);
}

/**
 * Everything that distinguishes a mutated network from the plain one it was built as, in
 * JSON: the rep-block structure, the convs that gained a bias (blocks cut down to `kxk`) and the
 * modules replaced by an `Identity` (BNs dropped by static DBB/RepVGG conversions).
 */
export interface ArchitectureDescription {
  /** Rep-blocks, as {@link describeStructure} returns them. */
  structure: BlockStructure[];
  /** Paths of every Conv2d with a bias. */
  biasedConvs: string[];
  /** Paths of every `Identity` module. */
  identities: string[];
}

/** The full architecture description of `model` (see {@link ArchitectureDescription}). */
export function describeArchitecture(model: Module): ArchitectureDescription {
  return {
    structure: describeStructure(model),
    biasedConvs: model
      .namedModules()
      .filter(([, m]) => m instanceof Conv2d && m.bias)
      .map(([p]) => p),
    identities: model
      .namedModules()
      .filter(([p, m]) => p && m instanceof Identity)
      .map(([p]) => p),
  };
}

/**
 * Rebuilds a described architecture on the plain network it came from: {@link applyStructure},
 * then a (zero) bias on each listed conv that has none and an `Identity` at each listed path that
 * holds another module (replaced modules are disposed). Values come from a state dict loaded
 * afterwards. Throws naming the first path that does not fit.
 */
export function applyArchitecture(model: Module, description: Pick<ArchitectureDescription, 'structure'> & Partial<ArchitectureDescription>): void {
  applyStructure(model, description.structure);
  for (const path of description.biasedConvs ?? []) {
    const conv = model.getModule(path);
    if (!(conv instanceof Conv2d)) throw new Error(`'${path}' is a ${conv.constructor.name}, expected a Conv2d`);
    if (conv.bias) continue;
    model.setModule(path, conv.withParameters(tf.clone(conv.weight) as tf.Tensor4D, tf.zeros([conv.outChannels]))).dispose();
  }
  for (const path of description.identities ?? []) if (!(model.getModule(path) instanceof Identity)) model.setModule(path, new Identity()).dispose();
}
