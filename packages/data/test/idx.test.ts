import { expect } from 'chai';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDataset, FASHION_MNIST_CLASSES, parseIdx, readIdxDataset, readIdxFile } from '../src/index';
import { concatBytes, expectDataError, fashionMnistDir, gunzip, gzip, idxBuffer, readBytes, useTempDir, writeBytes } from './helpers';

const src = fashionMnistDir();
const TEST_IMAGES = 't10k-images-idx3-ubyte.gz';
const TEST_LABELS = 't10k-labels-idx1-ubyte.gz';

describe('IDX reader', () => {
  const tmp = useTempDir();
  /** A fresh directory holding copies of the real test split, then `edit` applied to it. */
  function splitDir(name: string): string {
    const d = join(tmp(), name);
    mkdirSync(d);
    copyFileSync(join(src, TEST_IMAGES), join(d, TEST_IMAGES));
    copyFileSync(join(src, TEST_LABELS), join(d, TEST_LABELS));
    // createDataset resolves a directory by its train files; a labels file is enough to be recognised.
    copyFileSync(join(src, TEST_LABELS), join(d, 'train-images-idx3-ubyte.gz'));
    return d;
  }
  const load = (dir: string) => createDataset('fashion-mnist', { dataDir: dir, split: 'test' });
  const rawOf = (dir: string, f: string) => gunzip(readBytes(join(dir, f)));

  it('parses header, dims and data of every element type', () => {
    const u8 = parseIdx(idxBuffer(0x08, [2, 3], Uint8Array.from([1, 2, 3, 4, 5, 255])));
    expect(u8.type).to.equal('uint8');
    expect(u8.dims).to.deep.equal([2, 3]);
    expect(Array.from(u8.data)).to.deep.equal([1, 2, 3, 4, 5, 255]);
    const i32 = parseIdx(idxBuffer(0x0c, [2], Uint8Array.from([0, 0, 1, 0, 0xff, 0xff, 0xff, 0xfe])));
    expect(i32.type).to.equal('int32');
    expect(Array.from(i32.data)).to.deep.equal([256, -2]);
    const f32 = parseIdx(idxBuffer(0x0d, [1], Uint8Array.from([0x3f, 0xc0, 0, 0])));
    expect(Array.from(f32.data)).to.deep.equal([1.5]);
  });

  it('reads raw and gzip files alike', async () => {
    const d = join(tmp(), 'raw');
    mkdirSync(d);
    writeBytes(join(d, 'labels'), rawOf(src, TEST_LABELS));
    const raw = await readIdxFile(join(d, 'labels'));
    const gz = await readIdxFile(join(src, TEST_LABELS));
    expect(raw.dims).to.deep.equal([10000]);
    expect(Array.from(raw.data)).to.deep.equal(Array.from(gz.data));
  });

  it('rejects a bad magic number, naming the file and the value found', async () => {
    const d = splitDir('bad-magic');
    const raw = rawOf(d, TEST_LABELS);
    raw[0] = 0x12;
    raw[1] = 0x34;
    writeBytes(join(d, TEST_LABELS), gzip(raw));
    await expectDataError(load(d), 'bad-magic', join(d, TEST_LABELS), '0x12340801');
  });

  it('rejects a labels file where an images file is expected', async () => {
    const d = splitDir('swapped');
    copyFileSync(join(src, TEST_LABELS), join(d, TEST_IMAGES));
    await expectDataError(load(d), 'bad-magic', 'expected an IDX images file');
  });

  it('rejects a truncated data section', async () => {
    const d = splitDir('truncated');
    const raw = rawOf(d, TEST_IMAGES);
    writeBytes(join(d, TEST_IMAGES), gzip(raw.subarray(0, raw.length - 1000)));
    await expectDataError(load(d), 'truncated', join(d, TEST_IMAGES), String(raw.length - 1000), String(raw.length));
  });

  it('rejects a truncated gzip stream', async () => {
    const d = splitDir('truncated-gz');
    const gz = readBytes(join(d, TEST_IMAGES));
    writeBytes(join(d, TEST_IMAGES), gz.subarray(0, gz.length >> 1));
    await expectDataError(load(d), 'truncated', join(d, TEST_IMAGES), 'gzip');
  });

  it('rejects garbage that is not gzip at all', async () => {
    const d = splitDir('garbled');
    writeBytes(join(d, TEST_LABELS), 'this is not a gzip file');
    await expectDataError(load(d), 'decode-failed', join(d, TEST_LABELS));
  });

  it('rejects trailing bytes after the declared data', async () => {
    const d = splitDir('trailing');
    const raw = rawOf(d, TEST_LABELS);
    writeBytes(join(d, TEST_LABELS), gzip(concatBytes(raw, Uint8Array.from([1, 2, 3]))));
    await expectDataError(load(d), 'bad-length', '3 unexpected trailing bytes');
  });

  it('rejects an image/label count mismatch', async () => {
    const d = splitDir('mismatch');
    const raw = rawOf(d, TEST_LABELS);
    // Keep 9,999 labels, with a consistent header.
    const fixed = concatBytes(raw.subarray(0, 4), Uint8Array.from([0, 0, 0x27, 0x0f]), raw.subarray(8, raw.length - 1));
    writeBytes(join(d, TEST_LABELS), gzip(fixed));
    await expectDataError(load(d), 'count-mismatch', '10000 images', '9999 labels');
  });

  it('rejects a label out of range, naming index and value', async () => {
    const d = splitDir('label-range');
    const raw = rawOf(d, TEST_LABELS);
    raw[8 + 1234] = 10;
    writeBytes(join(d, TEST_LABELS), gzip(raw));
    await expectDataError(load(d), 'label-out-of-range', 'label 10 at index 1234', join(d, TEST_LABELS));
  });

  it('rejects a missing file, naming the directory and the names looked for', async () => {
    const d = join(tmp(), 'missing');
    mkdirSync(d);
    copyFileSync(join(src, TEST_IMAGES), join(d, TEST_IMAGES));
    copyFileSync(join(src, TEST_LABELS), join(d, 'train-images-idx3-ubyte.gz'));
    await expectDataError(load(d), 'not-found', d, 't10k-labels-idx1-ubyte.gz', 't10k-labels.idx1-ubyte');
    await expectDataError(readIdxFile(join(d, 'nope.gz')), 'not-found', join(d, 'nope.gz'));
    await expectDataError(readIdxDataset({ imagesPath: join(d, TEST_IMAGES), labelsPath: join(d, 'absent'), classNames: FASHION_MNIST_CLASSES, name: 'x' }), 'not-found', join(d, 'absent'));
  });

  it('rejects buffers too short for a header', () => {
    expect(() => parseIdx(Uint8Array.from([0, 0]))).to.throw(/too short/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0]))).to.throw(/truncated IDX header/);
  });
});
