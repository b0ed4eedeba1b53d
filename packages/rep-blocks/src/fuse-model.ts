import { Conv2d, type Module } from '@dyrep/nn';
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
export interface FuseModelOptions<M extends Module> {
  /** Replace the blocks of `model` itself and dispose them (default false). */
  inPlace?: boolean;
  /**
   * Builds a fresh model of the *plain* architecture (same paths; a Conv2d where `model` has a
   * block). Required unless `inPlace`: tfjs modules have no generic deep copy, and the model
   * registry (or the caller's own constructor) is the one place that knows how to build one.
   */
  factory?: () => M;
}

/**
 * Deploys a model: every outermost rep-block becomes the plain Conv2d with bias of its fused
 * eval-mode kernel (nested blocks are fused by their parents). With `inPlace` the given model is
 * edited and the old blocks disposed; otherwise `factory()`'s fresh model receives the fused convs
 * and a copy of every other parameter and buffer, and `model` is left untouched. The root module
 * itself cannot be a block (use `block.toConv()`).
 */
export function fuseModel<M extends Module>(model: M, options: FuseModelOptions<M> = {}): M {
  const blocks = outermostRepBlocks(model);
  if (blocks.some((b) => b.path === '')) throw new Error('fuseModel: the root is a rep-block; use block.toConv()');
  if (options.inPlace) {
    for (const { path, block } of blocks) model.setModule(path, block.toConv()).dispose();
    return model;
  }
  if (!options.factory) throw new Error('fuseModel: pass {inPlace: true} or a {factory} that builds the plain architecture');
  const fresh = options.factory();
  try {
    for (const { path, block } of blocks) {
      const target = fresh.getModule(path);
      const g = block.geometry;
      if (!(target instanceof Conv2d) || target.inChannels !== g.inChannels || target.outChannels !== g.outChannels || target.groups !== g.groups || target.kernelSize[0] !== g.kernelSize) {
        throw new Error(`fuseModel: the factory's model has no matching Conv2d at '${path}' (found ${target.constructor.name})`);
      }
      fresh.setModule(path, block.toConv()).dispose();
    }
    const under = (key: string) => blocks.some((b) => key.startsWith(`${b.path}.`));
    const source = model.stateDict();
    const wanted = Object.keys(fresh.stateDict()).filter((k) => !under(k));
    const missing = wanted.filter((k) => !(k in source));
    if (missing.length) throw new Error(`fuseModel: the factory's model has entries the source lacks: ${missing.join(', ')}`);
    fresh.loadStateDict(Object.fromEntries(wanted.map((k) => [k, source[k]])), { strict: false });
    const modes = new Map(model.namedModules());
    for (const [path, m] of fresh.namedModules()) m.training = modes.get(path)?.training ?? model.training;
    return fresh;
  } catch (e) {
    fresh.dispose();
    throw e;
  }
}
