import { createRegistry, type RegisterOptions } from '@dyrep/core';
import { loadCifar10, loadCifar100 } from './cifar';
import { DataError } from './data-error';
import { takeFirst, type Dataset } from './dataset';
import { loadFashionMnist } from './fashion-mnist';
import { loadImageFolder } from './image-folder';
import { loadMnist } from './mnist';
import { createSyntheticDataset, type SyntheticOptions } from './synthetic';

/** Options of {@link createDataset}; each dataset reads the fields that apply to it. */
export interface CreateDatasetOptions {
  /** Data directory (resolved with fallbacks for the file-based datasets; required for `image-folder`). */
  dataDir?: string;
  /** `train` or `test`. Default `train`. */
  split?: 'train' | 'test';
  /** Keep only the first `limit` examples. */
  limit?: number;
  /** `image-folder`: output size (default 32). */
  imageSize?: number | readonly [number, number];
  /** `image-folder`: 1 or 3 channels (default 3). */
  channels?: 1 | 3;
  /** `image-folder`: fixed class list (e.g. the training split's). */
  classNames?: readonly string[];
  /** `cifar100`: fine (100) or coarse (20) labels. Default fine. */
  labels?: 'fine' | 'coarse';
  /** `synthetic`: generator options (size, classes, shape, seed, noise). */
  synthetic?: Omit<SyntheticOptions, 'split'>;
}

/** Builds a dataset from {@link CreateDatasetOptions}. */
export type DatasetFactory = (options: CreateDatasetOptions) => Promise<Dataset>;

const datasets = createRegistry<DatasetFactory>({
  id: '@dyrep/data:dataset',
  kind: 'dataset',
  error: (code, message) => new DataError(code === 'unknown' ? 'unknown-dataset' : 'invalid-argument', message),
  builtins: [
    ['fashion-mnist', (o) => loadFashionMnist({ dataDir: o.dataDir, split: o.split })],
    ['mnist', (o) => loadMnist({ dataDir: o.dataDir, split: o.split })],
    ['cifar10', (o) => loadCifar10({ dataDir: o.dataDir, split: o.split })],
    ['cifar100', (o) => loadCifar100({ dataDir: o.dataDir, split: o.split, labels: o.labels })],
    [
      'image-folder',
      async (o) => {
        if (!o.dataDir) throw new DataError('invalid-argument', "image-folder: dataDir is required (a directory of '<class>/<image>' files)");
        return loadImageFolder(o.dataDir, { split: o.split, size: o.imageSize, channels: o.channels, classNames: o.classNames });
      },
    ],
    ['synthetic', async (o) => createSyntheticDataset({ ...o.synthetic, split: o.split, name: `synthetic/${o.split ?? 'train'}` })],
  ],
});

/** Names accepted by {@link createDataset}, sorted. */
export function listDatasets(): string[] {
  return datasets.list();
}

/**
 * Adds a dataset factory under `name`. A taken name (built-in or registered) throws a
 * {@link DataError} unless `override`; returns a function that removes this registration again.
 */
export function registerDataset(name: string, factory: DatasetFactory, options: RegisterOptions = {}): () => void {
  return datasets.register(name, factory, options);
}

/**
 * Loads a dataset by name: `fashion-mnist`, `mnist`, `cifar10`, `cifar100`, `image-folder`,
 * `synthetic`, or one added with {@link registerDataset}. `limit` keeps the first N examples.
 * An unknown name throws a {@link DataError} listing the known ones.
 */
export async function createDataset(name: string, options: CreateDatasetOptions = {}): Promise<Dataset> {
  const ds = await datasets.require(name)(options);
  return options.limit === undefined ? ds : takeFirst(ds, options.limit);
}
