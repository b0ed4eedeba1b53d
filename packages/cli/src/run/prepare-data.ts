import { createDataset, DataLoader, evalTransforms, pipelineNormalization, trainTransforms, type ChannelStats, type Dataset } from '@dyrep/data';

/** The datasets of a run and what the model and the exporter need to know about them. */
export interface PreparedData {
  train: Dataset;
  test: Dataset;
  classNames: string[];
  /** `[H, W, C]` of one example. */
  inputShape: [number, number, number];
  /** Normalisation applied by the loaders (and embedded in exports): the dataset's, or a pretrained checkpoint's; null for none. */
  normalization: ChannelStats | null;
  /** Where the data came from, for the log. */
  description: string;
}

/** Options of {@link prepareData} (a subset of the train config). */
export interface DataOptions {
  dataset: string;
  dataDir?: string;
  trainLimit?: number;
  testLimit?: number;
}

/** Loads the train and test splits (the first `trainLimit`/`testLimit` examples when given). */
export async function prepareData(o: DataOptions): Promise<PreparedData> {
  const train = await createDataset(o.dataset, { dataDir: o.dataDir, split: 'train', limit: o.trainLimit });
  const test = await createDataset(o.dataset, { dataDir: o.dataDir, split: 'test', limit: o.testLimit, classNames: train.classNames });
  const [h, w, c] = train.imageShape;
  return {
    train,
    test,
    classNames: [...train.classNames],
    inputShape: [h, w, c],
    normalization: pipelineNormalization(o.dataset === 'image-folder' ? 'image-folder' : o.dataset),
    description: `${o.dataset}: ${train.size} train / ${test.size} test images of ${h}×${w}×${c}, ${train.classNames.length} classes`,
  };
}

/** The training loader: seeded shuffle and the dataset's standard augmentation (unless disabled). */
export function trainLoader(data: PreparedData, o: { dataset: string; batchSize: number; seed: number; augment: boolean }): DataLoader {
  return new DataLoader(data.train, {
    batchSize: o.batchSize,
    shuffle: true,
    seed: o.seed,
    transforms: o.augment ? trainTransforms(o.dataset, data) : evalTransforms(o.dataset, data),
  });
}

/** The evaluation loader: fixed order, normalisation only. */
export function testLoader(data: PreparedData, o: { dataset: string; batchSize: number }): DataLoader {
  return new DataLoader(data.test, { batchSize: o.batchSize, transforms: evalTransforms(o.dataset, data) });
}
