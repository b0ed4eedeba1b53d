import type { Dataset } from './dataset';
import { readIdxSplit } from './idx';
import { resolveFashionMnistDir, type ResolveDataDirOptions } from './resolve-data-dir';

/** Fashion-MNIST class names, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);

/** Options of {@link loadFashionMnist} and {@link loadMnist}. */
export interface IdxLoadOptions extends Omit<ResolveDataDirOptions, 'dataDir'> {
  /** Directory holding the IDX files; resolved with the usual fallbacks when omitted. */
  dataDir?: string;
  /** `train` (60,000 examples) or `test` (10,000). Default `train`. */
  split?: 'train' | 'test';
}

/** Loads a Fashion-MNIST split (28×28×1 uint8) from the resolved directory. */
export async function loadFashionMnist(options: IdxLoadOptions = {}): Promise<Dataset> {
  const { dataDir, split = 'train', ...rest } = options;
  const { dir } = await resolveFashionMnistDir(dataDir, rest);
  return readIdxSplit(dir, split, FASHION_MNIST_CLASSES, 'fashion-mnist');
}
