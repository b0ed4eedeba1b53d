import { expect } from 'chai';
import jpeg from 'jpeg-js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { createDataset, loadImageFolder } from '../src/index';
import { expectDataError, useTempDir, writeBytes } from './helpers';

/** A w×h RGBA image of one colour. */
function solid(w: number, h: number, rgb: [number, number, number]): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([...rgb, 255], i * 4);
  return data;
}

function writePng(path: string, w: number, h: number, rgba: Uint8Array): void {
  const png = new PNG({ width: w, height: h });
  png.data = Buffer.from(rgba);
  writeBytes(path, PNG.sync.write(png));
}

function writeJpeg(path: string, w: number, h: number, rgba: Uint8Array): void {
  writeBytes(path, jpeg.encode({ width: w, height: h, data: rgba }, 100).data);
}

describe('image-folder reader', () => {
  const tmp = useTempDir();
  let root = '';
  before(() => {
    root = join(tmp(), 'tree');
    for (const c of ['cat', 'dog', 'bird']) mkdirSync(join(root, 'train', c), { recursive: true });
    mkdirSync(join(root, 'val', 'cat'), { recursive: true });
    writePng(join(root, 'train', 'cat', 'a.png'), 4, 4, solid(4, 4, [200, 10, 30]));
    writeJpeg(join(root, 'train', 'cat', 'b.JPG'), 16, 8, solid(16, 8, [20, 220, 40]));
    // 2×2 PNG with a gradient, resized to 4×4: checks the bilinear path end to end.
    const grad = new Uint8Array(16);
    grad.set([0, 0, 0, 255, 100, 100, 100, 255, 0, 0, 0, 255, 100, 100, 100, 255]);
    writePng(join(root, 'train', 'dog', 'g.png'), 2, 2, grad);
    writeBytes(join(root, 'train', 'dog', 'notes.txt'), 'not an image');
    writeBytes(join(root, 'train', 'dog', '.hidden.png'), 'hidden');
    writePng(join(root, 'train', 'bird', 'x.png'), 4, 4, solid(4, 4, [1, 2, 3]));
    writePng(join(root, 'val', 'cat', 'v.png'), 4, 4, solid(4, 4, [9, 9, 9]));
  });

  it('maps sorted class directories to labels and decodes PNG and JPEG', async () => {
    const ds = await loadImageFolder(join(root, 'train'), { size: 4 });
    expect(ds.classNames).to.deep.equal(['bird', 'cat', 'dog']);
    expect(ds.size).to.equal(4);
    expect(Array.from(ds.labels)).to.deep.equal([0, 1, 1, 2]);
    expect(ds.imageShape).to.deep.equal([4, 4, 3]);
    expect(Array.from(ds.images.subarray(0, 3))).to.deep.equal([1, 2, 3]);
    expect(Array.from(ds.images.subarray(48, 51))).to.deep.equal([200, 10, 30]);
    const jpg = Array.from(ds.images.subarray(96, 99));
    [20, 220, 40].forEach((v, i) => expect(Math.abs(jpg[i] - v)).to.be.at.most(3));
  });

  it('resizes bilinearly with half-pixel centres', async () => {
    const ds = await loadImageFolder(join(root, 'train'), { size: [4, 4], channels: 1 });
    const dog = Array.from(ds.images.subarray(3 * 16, 4 * 16));
    // Columns sample the 2-pixel row [0, 100] at x = -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1).
    const row = [0, 25, 75, 100];
    expect(dog).to.deep.equal([...row, ...row, ...row, ...row]);
    expect(ds.imageShape).to.deep.equal([4, 4, 1]);
  });

  it('picks the split sub-directory and accepts a fixed class list', async () => {
    const val = await createDataset('image-folder', { dataDir: root, split: 'test', imageSize: 4, classNames: ['bird', 'cat', 'dog'] });
    expect(val.size).to.equal(1);
    expect(Array.from(val.labels)).to.deep.equal([1]);
    expect(val.images[0]).to.equal(9);
  });

  it('rejects undecodable images, naming the file', async () => {
    const r = join(tmp(), 'bad');
    mkdirSync(join(r, 'c'), { recursive: true });
    writeBytes(join(r, 'c', 'broken.png'), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
    await expectDataError(loadImageFolder(r), 'decode-failed', join(r, 'c', 'broken.png'));
    writeBytes(join(r, 'c', 'broken.png'), 'plain text');
    await expectDataError(loadImageFolder(r), 'decode-failed', 'not a PNG or JPEG');
  });

  it('rejects a missing root, an empty tree, and a missing dataDir', async () => {
    await expectDataError(loadImageFolder(join(tmp(), 'absent')), 'not-found', join(tmp(), 'absent'));
    const empty = join(tmp(), 'empty');
    mkdirSync(join(empty, 'c'), { recursive: true });
    await expectDataError(loadImageFolder(empty), 'not-found', 'no images found');
    await expectDataError(createDataset('image-folder'), 'invalid-argument', 'dataDir is required');
  });
});
