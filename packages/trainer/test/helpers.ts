import { createSyntheticDataset, DataLoader } from '@dyrep/data';
import { manualSeed } from '@dyrep/nn';
import { tinyConvNet } from '@dyrep/testing';

/** A tiny seeded setup: a 2-conv net on 12×12 synthetic 4-class data, `batches` batches of 8 per epoch. */
export function tinySetup(seed = 1, batches = 2) {
  manualSeed(seed);
  const model = tinyConvNet(1, 4, 6);
  const train = createSyntheticDataset({ size: 8 * batches, numClasses: 4, imageShape: [12, 12, 1], seed, split: 'train' });
  const test = createSyntheticDataset({ size: 16, numClasses: 4, imageShape: [12, 12, 1], seed, split: 'test' });
  return {
    model,
    trainLoader: new DataLoader(train, { batchSize: 8, shuffle: true, seed }),
    testLoader: new DataLoader(test, { batchSize: 8 }),
    inputShape: [12, 12, 1],
  };
}
