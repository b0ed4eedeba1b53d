import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDataset, DATA_DIR_ENV, FASHION_MNIST_CLASSES, FASHION_MNIST_STATS, labelHistogram, loadFashionMnist, resolveFashionMnistDir, type Dataset } from '../src/index';
import { expectDataError, fashionMnistDir, repoRoot, useTempDir } from './helpers';

/** Sums of all pixel values, computed once from the original files and committed here. */
const TRAIN_PIXEL_SUM = 3431114169;
const TEST_PIXEL_SUM = 573469082;
/** Σ label[i]·i over the train labels: pins the label order, not just the histogram. */
const TRAIN_LABEL_WEIGHTED_SUM = 8087216427;

function pixelSum(ds: Dataset): number {
  let s = 0;
  for (let i = 0; i < ds.images.length; i++) s += ds.images[i];
  return s;
}

describe('Fashion-MNIST (real files)', () => {
  const dir = fashionMnistDir();
  let train: Dataset;
  let test: Dataset;
  before(async () => {
    [train, test] = await Promise.all([loadFashionMnist({ dataDir: dir }), loadFashionMnist({ dataDir: dir, split: 'test' })]);
  });

  it('has 60,000 train and 10,000 test images of 28×28×1 uint8', () => {
    expect(train.size).to.equal(60000);
    expect(test.size).to.equal(10000);
    expect(train.imageShape).to.deep.equal([28, 28, 1]);
    expect(train.images).to.be.instanceOf(Uint8Array);
    expect(train.images.length).to.equal(60000 * 784);
    expect(train.labels).to.be.instanceOf(Int32Array);
    expect(train.classNames).to.deep.equal(FASHION_MNIST_CLASSES);
    expect(train.name).to.equal('fashion-mnist/train');
  });

  it('has 6000 examples per class in train and 1000 in test', () => {
    expect(labelHistogram(train)).to.deep.equal(new Array(10).fill(6000));
    expect(labelHistogram(test)).to.deep.equal(new Array(10).fill(1000));
  });

  it('matches the committed pixel and label checksums', () => {
    expect(pixelSum(train)).to.equal(TRAIN_PIXEL_SUM);
    expect(pixelSum(test)).to.equal(TEST_PIXEL_SUM);
    let w = 0;
    for (let i = 0; i < train.labels.length; i++) w += train.labels[i] * i;
    expect(w).to.equal(TRAIN_LABEL_WEIGHTED_SUM);
  });

  it('exports normalisation constants that match the training pixels', () => {
    const n = train.images.length;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = train.images[i] / 255;
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    const std = Math.sqrt(s2 / n - mean * mean);
    expect(FASHION_MNIST_STATS.mean[0]).to.be.closeTo(mean, 1e-6);
    expect(FASHION_MNIST_STATS.std[0]).to.be.closeTo(std, 1e-6);
  });

  it('createDataset honours limit with zero-copy views', async () => {
    const ds = await createDataset('fashion-mnist', { dataDir: dir, split: 'test', limit: 100 });
    expect(ds.size).to.equal(100);
    expect(ds.labels.length).to.equal(100);
    expect(ds.images.length).to.equal(100 * 784);
    expect(Array.from(ds.labels)).to.deep.equal(Array.from(test.labels.subarray(0, 100)));
  });
});

describe('resolveFashionMnistDir', () => {
  const tmp = useTempDir();
  const none = { env: {}, systemDir: '/nonexistent-system-datasets', searchFrom: [] as string[] };

  it('uses the directory given, and its fashion-mnist sub-directory', async () => {
    const dir = fashionMnistDir();
    const r = await resolveFashionMnistDir(dir, none);
    expect(r).to.include({ dir, source: 'argument' });
    const parent = await resolveFashionMnistDir(resolve(dir, '..'), none);
    expect(parent.dir).to.equal(dir);
  });

  it('does not fall back when the directory given lacks the files', async () => {
    const empty = join(tmp(), 'empty');
    mkdirSync(empty);
    await expectDataError(resolveFashionMnistDir(empty, { searchFrom: [repoRoot] }), 'not-found', empty, 'train-images-idx3-ubyte.gz');
  });

  it('falls back to DYREP_DATA_DIR, then the system directory, then the repository copy', async () => {
    const shared = resolve(fashionMnistDir(), '..');
    const env = await resolveFashionMnistDir(undefined, { ...none, env: { [DATA_DIR_ENV]: shared } });
    expect(env.source).to.equal('env');
    expect(env.dir).to.equal(join(shared, 'fashion-mnist'));
    const sys = await resolveFashionMnistDir(undefined, { ...none, systemDir: shared });
    expect(sys.source).to.equal('system');
    const repo = await resolveFashionMnistDir(undefined, { ...none, searchFrom: [join(repoRoot, 'packages', 'data', 'src')] });
    expect(repo).to.include({ source: 'repository', dir: join(repoRoot, 'data', 'fashion-mnist') });
    expect(repo.tried[0]).to.equal('/nonexistent-system-datasets/fashion-mnist');
  });

  it('finds the repository copy by default (relative to the package source)', async () => {
    const r = await resolveFashionMnistDir(undefined, { env: {}, systemDir: '/nonexistent-system-datasets' });
    expect(r.source).to.equal('repository');
    expect(r.dir).to.equal(join(repoRoot, 'data', 'fashion-mnist'));
  });

  it('names every path tried when nothing is found', async () => {
    const start = join(tmp(), 'a', 'b');
    mkdirSync(start, { recursive: true });
    const e = await expectDataError(
      resolveFashionMnistDir(undefined, { env: { [DATA_DIR_ENV]: join(tmp(), 'env-root') }, systemDir: join(tmp(), 'sys'), searchFrom: [start] }),
      'not-found',
      DATA_DIR_ENV,
    );
    for (const p of [
      join(tmp(), 'env-root', 'fashion-mnist'),
      join(tmp(), 'env-root'),
      join(tmp(), 'sys', 'fashion-mnist'),
      join(start, 'data', 'fashion-mnist'),
      join(tmp(), 'a', 'data', 'fashion-mnist'),
      '/data/fashion-mnist',
    ]) {
      expect(e.message).to.include(p);
    }
  });
});
