import type { Module } from '@dyrep/nn';
import { RepBlock, isRepBlock } from './rep-block';

/** A rep-block and its dotted path in a model. */
export interface RepBlockEntry {
  path: string;
  block: RepBlock;
}

/** Every rep-block of `model` (nested ones included), depth-first in registration order. */
export function listRepBlocks(model: Module): RepBlockEntry[] {
  return model
    .namedModules()
    .filter(([, m]) => isRepBlock(m))
    .map(([path, m]) => ({ path, block: m as RepBlock }));
}

/**
 * The outermost rep-blocks of `model` (those not inside another block). When `model` is itself a
 * block, it is the only one unless `below` is set, which lists the outermost blocks inside it.
 */
export function outermostRepBlocks(model: Module, options: { below?: boolean } = {}): RepBlockEntry[] {
  const all = listRepBlocks(model).filter((e) => !(options.below && e.path === ''));
  return all.filter((e) => !all.some((o) => o !== e && (o.path === '' || e.path.startsWith(`${o.path}.`))));
}

/** Options of {@link fuseModel}. */
export interface FuseModelOptions {
  /** Replace the blocks of `model` itself and dispose them (default false: fuse a `clone()`). */
  inPlace?: boolean;
}

/**
 * Deploys a model: every outermost rep-block becomes the plain Conv2d with bias of its fused
 * eval-mode kernel (nested blocks are fused by their parents). By default `model` is left
 * untouched and a fused copy (`model.clone()`, same modes) is returned; with `inPlace` the given
 * model is edited and the old blocks disposed. Works on any module tree; the root module itself
 * cannot be a block (use `block.toConv()`).
 */
export function fuseModel<M extends Module>(model: M, options: FuseModelOptions = {}): M {
  const blocks = outermostRepBlocks(model);
  if (blocks.some((b) => b.path === '')) throw new Error('fuseModel: the root is a rep-block; use block.toConv()');
  const target = options.inPlace ? model : model.clone();
  try {
    for (const { path } of blocks) {
      const block = target.getModule(path) as RepBlock;
      target.setModule(path, block.toConv()).dispose();
    }
  } catch (e) {
    if (target !== model) target.dispose();
    throw e;
  }
  return target;
}
