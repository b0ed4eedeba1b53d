import type { Dataset } from './dataset';
import type { IdxLoadOptions } from './fashion-mnist';
import { readIdxSplit } from './idx';
import { resolveMnistDir } from './resolve-data-dir';

/** MNIST class names (the digits), indexed by label. */
export const MNIST_CLASSES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/** Loads an MNIST split (28×28×1 uint8); same file layout and directory rules as Fashion-MNIST. */
export async function loadMnist(options: IdxLoadOptions = {}): Promise<Dataset> {
  const { dataDir, split = 'train', ...rest } = options;
  const { dir } = await resolveMnistDir(dataDir, rest);
  return readIdxSplit(dir, split, MNIST_CLASSES, 'mnist');
}
