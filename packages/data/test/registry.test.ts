import { expect } from 'chai';
import { createDataset, createInMemoryDataset, createSyntheticDataset, DataError, labelHistogram, listDatasets, registerDataset, takeFirst, type Dataset } from '../src/index';
import { expectDataError } from './helpers';

describe('dataset registry', () => {
  it('lists the built-in datasets', () => {
    expect(listDatasets()).to.include.members(['cifar10', 'cifar100', 'fashion-mnist', 'image-folder', 'mnist', 'synthetic']);
  });

  it('rejects an unknown name, listing the known ones', async () => {
    await expectDataError(createDataset('imagenet-21k'), 'unknown-dataset', "unknown dataset 'imagenet-21k'", 'cifar10, cifar100, fashion-mnist, image-folder, mnist, synthetic');
  });

  it('registers and unregisters a dataset explicitly', async () => {
    const tiny = createSyntheticDataset({ size: 4, numClasses: 2, imageShape: [2, 2, 1] });
    const off = registerDataset('tiny', async () => tiny);
    expect(() => registerDataset('tiny', async () => tiny)).to.throw(DataError, /registered already/);
    expect((await createDataset('tiny', { limit: 3 })).size).to.equal(3);
    off();
    expect(listDatasets()).to.not.include('tiny');
  });

  it('mnist names every path tried when it is nowhere', async () => {
    const prev = process.env.DYREP_DATA_DIR;
    process.env.DYREP_DATA_DIR = '/nonexistent-dyrep-data';
    try {
      await expectDataError(createDataset('mnist'), 'not-found', '/nonexistent-dyrep-data/mnist', '/usr/share/datasets/mnist');
    } finally {
      if (prev === undefined) delete process.env.DYREP_DATA_DIR;
      else process.env.DYREP_DATA_DIR = prev;
    }
  });
});

describe('in-memory datasets', () => {
  it('validate counts and label ranges', () => {
    const base = { name: 't', classNames: ['a', 'b'], imageShape: [2, 2, 1] as const };
    expect(() => createInMemoryDataset({ ...base, images: new Uint8Array(12), labels: new Int32Array(2) })).to.throw(DataError, /2 labels but the image buffer holds 3 images/);
    expect(() => createInMemoryDataset({ ...base, images: new Uint8Array(8), labels: Int32Array.from([0, 2]) })).to.throw(DataError, /label 2 at index 1 is outside \[0, 1\]/);
    expect(() => createInMemoryDataset({ ...base, imageShape: [2, 0, 1], images: new Uint8Array(0), labels: new Int32Array(0) })).to.throw(DataError, /three positive integers/);
    const ok = createInMemoryDataset({ ...base, images: new Uint8Array(8), labels: Int32Array.from([1, 0]) });
    expect(takeFirst(ok, 1).size).to.equal(1);
    expect(takeFirst(ok, 5)).to.equal(ok);
  });
});

describe('synthetic dataset', () => {
  it('is deterministic per seed, balanced, float32 in [0, 1]', async () => {
    const a = createSyntheticDataset({ size: 100, seed: 4 });
    const b = await createDataset('synthetic', { synthetic: { size: 100, seed: 4 } });
    expect(Array.from(a.images)).to.deep.equal(Array.from(b.images));
    expect(Array.from(a.labels)).to.deep.equal(Array.from(b.labels));
    expect(a.images).to.be.instanceOf(Float32Array);
    expect(labelHistogram(a)).to.deep.equal(new Array(10).fill(10));
    expect(a.images.every((v) => v >= 0 && v <= 1)).to.equal(true);
    const c = createSyntheticDataset({ size: 100, seed: 5 });
    expect(Array.from(a.images.subarray(0, 50))).to.not.deep.equal(Array.from(c.images.subarray(0, 50)));
  });

  it('is learnable: nearest class centroid from train classifies test well', async () => {
    const opts = { synthetic: { size: 500, seed: 11, imageShape: [12, 12, 3] as const } };
    const train: Dataset = await createDataset('synthetic', opts);
    const test: Dataset = await createDataset('synthetic', { ...opts, split: 'test', limit: 200 });
    const per = 12 * 12 * 3;
    const centroids = Array.from({ length: 10 }, () => new Float64Array(per));
    const counts = labelHistogram(train);
    for (let i = 0; i < train.size; i++) for (let k = 0; k < per; k++) centroids[train.labels[i]][k] += train.images[i * per + k] / counts[train.labels[i]];
    let correct = 0;
    for (let i = 0; i < test.size; i++) {
      let best = -1;
      let bestD = Infinity;
      centroids.forEach((c, cls) => {
        let d = 0;
        for (let k = 0; k < per; k++) d += (test.images[i * per + k] - c[k]) ** 2;
        if (d < bestD) [bestD, best] = [d, cls];
      });
      if (best === test.labels[i]) correct++;
    }
    expect(correct / test.size).to.be.above(0.9);
    // The task is not trivial: noise is substantial relative to the patterns.
    expect(test.images.some((v) => v === 0 || v === 1)).to.equal(true);
  });
});
