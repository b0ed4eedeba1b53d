import { useBackend, expectNoLeak } from '@dyrep/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { batches, createInMemoryDataset, createSyntheticDataset, DataLoader, trainTransforms, type BatchTransform, type Dataset, type DataLoaderOptions } from '../src/index';

/** A dataset whose single float pixel is the example's index, labels i mod 10. */
function indexed(n: number): Dataset {
  return createInMemoryDataset({
    name: 'indexed',
    classNames: Array.from({ length: 10 }, (_, k) => String(k)),
    imageShape: [1, 1, 1],
    images: Float32Array.from({ length: n }, (_, i) => i),
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
  });
}

/** Runs one epoch and returns every batch's data as plain arrays (disposing the tensors). */
async function collect(it: AsyncIterable<{ x: tf.Tensor; y: tf.Tensor; size: number }>, max = Infinity) {
  const out: { x: number[]; y: number[]; size: number; shape: number[] }[] = [];
  for await (const b of it) {
    out.push({ x: Array.from(await b.x.data()), y: Array.from(await b.y.data()), size: b.size, shape: b.x.shape });
    b.x.dispose();
    b.y.dispose();
    if (out.length >= max) break;
  }
  return out;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('DataLoader', () => {
  useBackend('wasm');

  it('yields float32 NHWC / int32 batches with a smaller last batch', async () => {
    const ds = createInMemoryDataset({
      name: 'u8',
      classNames: ['a', 'b', 'c'],
      imageShape: [2, 2, 1],
      images: Uint8Array.from({ length: 5 * 4 }, (_, i) => (i * 13) & 0xff),
      labels: Int32Array.from([0, 1, 2, 0, 1]),
    });
    const loader = new DataLoader(ds, { batchSize: 2 });
    expect(loader.numBatches).to.equal(3);
    const got: tf.Tensor[] = [];
    for await (const b of loader) {
      expect(b.x.dtype).to.equal('float32');
      expect(b.y.dtype).to.equal('int32');
      got.push(b.x, b.y);
    }
    expect(got.map((t) => t.shape)).to.deep.equal([[2, 2, 2, 1], [2], [2, 2, 2, 1], [2], [1, 2, 2, 1], [1]]);
    expect(Array.from(got[0].dataSync())).to.deep.equal(Array.from(ds.images.subarray(0, 8), (v) => Math.fround(v / 255)));
    expect(Array.from(got[5].dataSync())).to.deep.equal([1]);
    tf.dispose(got);
  });

  it('dropLast and limit', async () => {
    const ds = indexed(10);
    expect(new DataLoader(ds, { batchSize: 4, dropLast: true }).numBatches).to.equal(2);
    const sizes = (await collect(batches(ds, { batchSize: 4, dropLast: true }))).map((b) => b.size);
    expect(sizes).to.deep.equal([4, 4]);
    const limited = await collect(batches(ds, { batchSize: 4, limit: 6 }));
    expect(limited.flatMap((b) => b.x)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(() => new DataLoader(ds, { batchSize: 0 })).to.throw(/batchSize must be a positive integer/);
  });

  it('without shuffle visits examples in order', async () => {
    const b = await collect(batches(indexed(7), { batchSize: 3 }));
    expect(b.flatMap((x) => x.x)).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    expect(b.flatMap((x) => x.y)).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
  });

  it('shuffles reproducibly: a permutation per epoch, same for the same seed, new each epoch', async () => {
    const ds = indexed(50);
    const run = async (seed: number) => {
      const l = new DataLoader(ds, { batchSize: 8, shuffle: true, seed });
      return [(await collect(l.epoch())).flatMap((b) => b.x), (await collect(l.epoch())).flatMap((b) => b.x)];
    };
    const [e0, e1] = await run(5);
    const [f0, f1] = await run(5);
    const [g0] = await run(6);
    expect(e0).to.deep.equal(f0);
    expect(e1).to.deep.equal(f1);
    expect([...e0].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect([...e1].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect(e0).to.not.deep.equal(e1);
    expect(e0).to.not.deep.equal(g0);
    expect(e0).to.not.deep.equal(Array.from({ length: 50 }, (_, i) => i));
  });

  it('gives the same batches with and without prefetch (augmented, shuffled)', async () => {
    const ds = createSyntheticDataset({ size: 70, imageShape: [32, 32, 3], seed: 1 });
    const opts: DataLoaderOptions = { batchSize: 16, shuffle: true, seed: 9, transforms: trainTransforms('cifar10') };
    const a = new DataLoader(ds, { ...opts, prefetch: true });
    const b = new DataLoader(ds, { ...opts, prefetch: false });
    for (let e = 0; e < 2; e++) {
      const [pa, pb] = [await collect(a.epoch()), await collect(b.epoch())];
      expect(pa.length).to.equal(5);
      expect(pa).to.deep.equal(pb);
    }
  });

  it('prepares the next batch while the consumer waits', async () => {
    let prepared = 0;
    const counter: BatchTransform = {
      name: 'count',
      apply: (batch) => {
        prepared++;
        return batch;
      },
    };
    for (const prefetch of [true, false]) {
      prepared = 0;
      const it = new DataLoader(indexed(12), { batchSize: 4, transforms: [counter], prefetch }).epoch();
      const first = await it.next();
      await tick();
      await tick();
      expect(prepared, `prefetch=${prefetch}`).to.equal(prefetch ? 2 : 1);
      if (!first.done) tf.dispose([first.value.x, first.value.y]);
      await it.return(undefined);
    }
  });

  it('checkpoints and resumes mid-epoch with the same order and augmentation', async () => {
    const ds = createSyntheticDataset({ size: 40, imageShape: [8, 8, 3], seed: 2 });
    const opts: DataLoaderOptions = { batchSize: 8, shuffle: true, seed: 3, transforms: [...trainTransforms('cifar10').slice(0, 2)] };
    const ref = new DataLoader(ds, opts);
    await collect(ref.epoch());
    const ref1 = await collect(ref.epoch());
    const ref2 = await collect(ref.epoch());

    const live = new DataLoader(ds, opts);
    await collect(live.epoch());
    let saved = '';
    let n = 0;
    for await (const b of live.epoch()) {
      tf.dispose([b.x, b.y]);
      if (++n === 2) {
        saved = JSON.stringify(live.getState());
        break;
      }
    }
    expect(JSON.parse(saved)).to.include({ epoch: 1, batch: 2 });

    const resumed = new DataLoader(ds, opts);
    resumed.setState(JSON.parse(saved));
    expect(await collect(resumed.epoch())).to.deep.equal(ref1.slice(2));
    expect(resumed.getState()).to.include({ epoch: 2, batch: 0 });
    expect(await collect(resumed.epoch())).to.deep.equal(ref2);
  });

  it('refuses overlapping epochs and mid-epoch setState', async () => {
    const l = new DataLoader(indexed(8), { batchSize: 2 });
    const it = l.epoch();
    const first = await it.next();
    if (!first.done) tf.dispose([first.value.x, first.value.y]);
    await it.return(undefined).catch(() => undefined);
    const it2 = l.epoch();
    const b = await it2.next();
    if (!b.done) tf.dispose([b.value.x, b.value.y]);
    expect(() => l.setState(l.getState())).to.throw(/while an epoch is being iterated/);
    let err: unknown;
    try {
      await l.epoch().next();
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/previous epoch is still being iterated/);
    await it2.return(undefined);
  });

  it('leaks no tensors, including when an epoch is abandoned with a batch prefetched', async () => {
    const ds = createSyntheticDataset({ size: 64, imageShape: [8, 8, 3] });
    await expectNoLeak(async () => {
      await collect(batches(ds, { batchSize: 16, shuffle: true, transforms: trainTransforms('cifar10') }));
      await collect(batches(ds, { batchSize: 16 }), 1);
      await tick();
      await tick();
    }, 'data loader');
  });
});
