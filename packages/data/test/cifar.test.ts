import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CIFAR100_CLASSES, CIFAR100_COARSE_CLASSES, CIFAR10_CLASSES, CIFAR10_FORMAT, createDataset, loadCifar100, parseCifarBinary, readCifarFile } from '../src/index';
import { expectDataError, useTempDir } from './helpers';

/** Pixel value of image n, channel c, row y, column x in the generated files. */
const pix = (n: number, c: number, y: number, x: number) => (n * 7 + c * 50 + y * 3 + x) & 0xff;

/** `count` records with the given label bytes per record, planar R, G, B. */
function cifarBytes(labels: number[][], first = 0): Uint8Array {
  const lb = labels[0].length;
  const rec = lb + 3072;
  const out = new Uint8Array(labels.length * rec);
  labels.forEach((l, i) => {
    out.set(l, i * rec);
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[i * rec + lb + c * 1024 + y * 32 + x] = pix(first + i, c, y, x);
  });
  return out;
}

describe('CIFAR binary reader', () => {
  const tmp = useTempDir();

  it('has the right class lists', () => {
    expect(CIFAR10_CLASSES).to.have.length(10);
    expect(CIFAR100_CLASSES).to.have.length(100);
    expect(new Set(CIFAR100_CLASSES).size).to.equal(100);
    expect(CIFAR100_COARSE_CLASSES).to.have.length(20);
  });

  it('interleaves the planar R, G, B records into NHWC', () => {
    const { images, labels } = parseCifarBinary(cifarBytes([[3], [9], [0]]), CIFAR10_FORMAT);
    expect(Array.from(labels)).to.deep.equal([3, 9, 0]);
    expect(images.length).to.equal(3 * 32 * 32 * 3);
    for (const [n, y, x] of [
      [0, 0, 0],
      [1, 5, 31],
      [2, 31, 7],
    ]) {
      for (let c = 0; c < 3; c++) expect(images[((n * 32 + y) * 32 + x) * 3 + c]).to.equal(pix(n, c, y, x));
    }
  });

  it('loads a CIFAR-10 directory (5 train batches + test batch) through createDataset', async () => {
    const d = join(tmp(), 'cifar-10-batches-bin');
    mkdirSync(d);
    for (let b = 1; b <= 5; b++) writeFileSync(join(d, `data_batch_${b}.bin`), cifarBytes([[b], [b + 1]], 2 * (b - 1)));
    writeFileSync(join(d, 'test_batch.bin'), cifarBytes([[7]]));
    writeFileSync(join(d, 'batches.meta.txt'), CIFAR10_CLASSES.map((s) => s.toUpperCase()).join('\n') + '\n\n');
    const train = await createDataset('cifar10', { dataDir: tmp() });
    expect(train.size).to.equal(10);
    expect(train.imageShape).to.deep.equal([32, 32, 3]);
    expect(Array.from(train.labels)).to.deep.equal([1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    expect(train.images[((9 * 32 + 4) * 32 + 2) * 3 + 1]).to.equal(pix(9, 1, 4, 2));
    expect(train.classNames[0]).to.equal('AIRPLANE');
    const test = await createDataset('cifar10', { dataDir: d, split: 'test' });
    expect(Array.from(test.labels)).to.deep.equal([7]);
  });

  it('reads CIFAR-100 fine and coarse labels', async () => {
    const d = join(tmp(), 'c100');
    mkdirSync(d);
    writeFileSync(
      join(d, 'train.bin'),
      cifarBytes([
        [4, 99],
        [19, 0],
      ]),
    );
    const fine = await loadCifar100({ dataDir: d });
    expect(Array.from(fine.labels)).to.deep.equal([99, 0]);
    expect(fine.classNames).to.deep.equal(CIFAR100_CLASSES);
    const coarse = await createDataset('cifar100', { dataDir: d, labels: 'coarse' });
    expect(Array.from(coarse.labels)).to.deep.equal([4, 19]);
    expect(coarse.classNames).to.have.length(20);
    expect(fine.images[3 * 1024 + 5]).to.equal(pix(1, 2, 0, 1));
  });

  it('rejects a truncated file with its length and the record size', async () => {
    const p = join(tmp(), 'trunc.bin');
    writeFileSync(p, cifarBytes([[1], [2]]).subarray(0, 3073 + 100));
    await expectDataError(readCifarFile(p, CIFAR10_FORMAT), 'bad-length', p, '3173 bytes', '3073-byte');
  });

  it('rejects an out-of-range label and an empty file', async () => {
    const p = join(tmp(), 'label.bin');
    writeFileSync(p, cifarBytes([[1], [10]]));
    await expectDataError(readCifarFile(p, CIFAR10_FORMAT), 'label-out-of-range', 'label 10 of record 1');
    const e = join(tmp(), 'empty.bin');
    writeFileSync(e, new Uint8Array(0));
    await expectDataError(readCifarFile(e, CIFAR10_FORMAT), 'bad-length', e);
  });

  it('names the missing batch file and the directory', async () => {
    const d = join(tmp(), 'partial');
    mkdirSync(d);
    writeFileSync(join(d, 'data_batch_1.bin'), cifarBytes([[1]]));
    await expectDataError(createDataset('cifar10', { dataDir: d }), 'not-found', join(d, 'data_batch_2.bin'));
    await expectDataError(createDataset('cifar100', { dataDir: join(tmp(), 'nowhere') }), 'not-found', 'train.bin or test.bin');
  });
});
