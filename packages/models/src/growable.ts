import { Conv2d, type Module } from '@dyrep/nn';

/**
 * Dotted paths of every {@link Conv2d} in the tree with a square kernel larger than 1×1 — the convs
 * DyRep may grow into rep-blocks — in depth-first registration order. Convs nested inside blocks
 * that already grew are listed too; callers apply their own depth rules.
 */
export function growableConvPaths(model: Module): string[] {
  return model
    .namedModules()
    .filter(([, m]) => m instanceof Conv2d && m.kernelSize[0] === m.kernelSize[1] && m.kernelSize[0] > 1)
    .map(([path]) => path);
}
