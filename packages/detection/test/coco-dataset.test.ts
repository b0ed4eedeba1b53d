import { expect } from 'chai';
import jpeg from 'jpeg-js';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { CocoFormatError, openCocoDataset, writeCocoJson, type CocoGroundTruthJson } from '@dyrep/detection';

/** RGBA test pattern: r = x * 10, g = y * 10, b = 128, a = 255. */
function pattern(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([x * 10, y * 10, 128, 255], (y * width + x) * 4);
  }
  return data;
}

/** A Uint8Array view of a Buffer (@types/node 20.9 Buffers do not type-check as TS 5.9 Uint8Arrays). */
function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function annotations(): CocoGroundTruthJson {
  return {
    images: [
      { id: 1, file_name: 'a.png', width: 8, height: 6 },
      { id: 2, file_name: 'sub/b.jpg', width: 16, height: 16 },
    ],
    annotations: [
      { id: 10, image_id: 1, category_id: 3, bbox: [1, 1, 4, 3], area: 12, iscrowd: 0 },
      { id: 11, image_id: 1, category_id: 7, bbox: [0, 0, 8, 6], area: 48, iscrowd: 1 },
      { id: 12, image_id: 2, category_id: 7, bbox: [2, 2, 10, 12], area: 120, iscrowd: 0 },
    ],
    categories: [
      { id: 7, name: 'cat' },
      { id: 3, name: 'dog' },
    ],
  };
}

describe('openCocoDataset', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dyrep-coco-'));
    const png = Object.assign(new pngjs.PNG({ width: 8, height: 6 }), { data: pattern(8, 6) });
    await writeFile(join(dir, 'a.png'), view(pngjs.PNG.sync.write(png)));
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'b.jpg'), view(jpeg.encode({ data: pattern(16, 16), width: 16, height: 16 }, 95).data));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes `gt` as the annotation file and returns the error openCocoDataset throws. */
  async function openError(gt: unknown): Promise<CocoFormatError> {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify(gt));
    try {
      await openCocoDataset({ annotationFile: file, imageDir: dir });
    } catch (e) {
      expect(e).to.be.instanceOf(CocoFormatError);
      expect((e as Error).message).to.contain(file);
      return e as CocoFormatError;
    }
    throw new Error('expected openCocoDataset to fail');
  }

  it('reads PNG and JPEG images as uint8 [H, W, C] with boxes and labels', async () => {
    const file = join(dir, 'good.json');
    await writeCocoJson(file, annotations());
    const ds = await openCocoDataset({ annotationFile: file, imageDir: dir });
    expect(ds.length).to.equal(2);
    expect(ds.categories.map((c) => c.id)).to.deep.equal([3, 7]);

    const a = await ds.load(0);
    expect(a.shape).to.deep.equal([6, 8, 3]);
    expect(a.image)
      .to.be.instanceOf(Uint8Array)
      .with.length(6 * 8 * 3);
    expect(Array.from(a.image.subarray((2 * 8 + 5) * 3, (2 * 8 + 5) * 3 + 3))).to.deep.equal([50, 20, 128]);
    expect(Array.from(a.boxes)).to.deep.equal([1, 1, 4, 3, 0, 0, 8, 6]);
    expect(Array.from(a.labels)).to.deep.equal([0, 1]);
    expect(Array.from(a.categoryIds)).to.deep.equal([3, 7]);
    expect(Array.from(a.iscrowd)).to.deep.equal([0, 1]);
    expect(Array.from(a.annotationIds)).to.deep.equal([10, 11]);

    const b = await ds.load(1);
    expect(b.shape).to.deep.equal([16, 16, 3]);
    const px = Array.from(b.image.subarray((3 * 16 + 4) * 3, (3 * 16 + 4) * 3 + 3));
    px.forEach((v, c) => expect(v).to.be.closeTo([40, 30, 128][c]!, 8)); // lossy JPEG
    expect(Array.from(b.labels)).to.deep.equal([1]);

    const ids: number[] = [];
    for await (const s of ds) ids.push(s.imageId);
    expect(ids).to.deep.equal([1, 2]);

    const gray = await openCocoDataset({ annotationFile: file, imageDir: dir, channels: 1 });
    expect((await gray.load(0)).shape).to.deep.equal([6, 8, 1]);
    const rgba = await openCocoDataset({ annotationFile: file, imageDir: dir, channels: 4 });
    expect((await rgba.load(0)).image.length).to.equal(6 * 8 * 4);
  });

  it('rejects a box outside its image, naming the annotation', async () => {
    const gt = annotations();
    gt.annotations[0]!.bbox = [5, 1, 4, 3]; // 1 px out of the 8 px wide image: within the default tolerance
    gt.annotations[2]!.bbox = [10, 2, 10, 12]; // x + w = 20 > 16 + 1
    const err = await openError(gt);
    expect(err.issues).to.deep.equal(['annotation id 12: box [10, 2, 10, 12] lies outside image id 2 (16x16)']);
  });

  it('rejects negative and empty box sizes, naming the annotation', async () => {
    const gt = annotations();
    gt.annotations[0]!.bbox = [1, 1, -4, 3];
    gt.annotations[2]!.bbox = [2, 2, 0, 12];
    const err = await openError(gt);
    expect(err.issues).to.deep.equal(['annotation id 10: negative box size [1, 1, -4, 3]', 'annotation id 12: empty box [2, 2, 0, 12]']);
  });

  it('rejects unknown category and image ids, naming the annotation', async () => {
    const gt = annotations();
    gt.annotations[1]!.category_id = 99;
    gt.annotations[2]!.image_id = 5;
    const err = await openError(gt);
    expect(err.issues).to.deep.equal(['annotation id 11: unknown category_id 99', 'annotation id 12: unknown image_id 5']);
  });

  it('rejects duplicate annotation, image and category ids', async () => {
    const gt = annotations();
    gt.annotations[2]!.id = 10;
    (gt.images as object[]).push({ id: 2, file_name: 'a.png', width: 8, height: 6 });
    (gt.categories as object[]).push({ id: 3, name: 'again' });
    const err = await openError(gt);
    expect(err.issues).to.deep.equal(['images[2]: duplicate image id 2', 'categories[2]: duplicate category id 3', 'annotations[2]: duplicate annotation id 10']);
  });

  it('rejects missing fields and non-finite numbers', async () => {
    const gt = annotations() as unknown as { images: Record<string, unknown>[]; annotations: Record<string, unknown>[] };
    delete gt.images[0]!.width;
    delete gt.annotations[0]!.bbox;
    gt.annotations[1]!.area = 'big';
    const err = await openError(gt);
    expect(err.issues).to.deep.equal(["image id 1: missing field 'width'", "annotation id 10: missing field 'bbox'", 'annotation id 11: \'area\' must be a finite number, got "big"']);
    expect((await openError({ images: [], annotations: {} })).issues).to.deep.equal(["'annotations' must be an array, got object", "'categories' must be an array, got nothing"]);
  });

  it('rejects missing image files, naming each file', async () => {
    const gt = annotations();
    (gt.images as object[]).push({ id: 3, file_name: 'nowhere.png', width: 4, height: 4 });
    const err = await openError(gt);
    expect(err.issues).to.deep.equal([`image id 3: missing image file ${join(dir, 'nowhere.png')}`]);
  });

  it('fails at load time on a size mismatch or a file that is not an image, naming the file', async () => {
    await writeFile(join(dir, 'text.png'), 'hello');
    const gt = annotations();
    gt.images[0]!.width = 9;
    (gt.images as object[]).push({ id: 3, file_name: 'text.png', width: 4, height: 4 });
    const file = join(dir, 'mismatch.json');
    await writeCocoJson(file, gt);
    const ds = await openCocoDataset({ annotationFile: file, imageDir: dir });
    let message = '';
    await ds.load(0).catch((e: Error) => (message = e.message));
    expect(message).to.equal(`image id 1: ${join(dir, 'a.png')} is 8x6 but the annotation file says 9x6`);
    await ds.load(2).catch((e: Error) => (message = e.message));
    expect(message).to.include(`${join(dir, 'text.png')}: not a PNG or JPEG file (unrecognised signature`);
  });
});

describe('writeCocoJson', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dyrep-coco-write-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces the file atomically and leaves no temporary file', async () => {
    const file = join(dir, 'out', 'dets.json');
    await writeCocoJson(file, [{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: 0.5 }]);
    await writeCocoJson(file, { images: [], annotations: [], categories: [] }, { indent: 2 });
    expect(JSON.parse(await readFile(file, 'utf8'))).to.deep.equal({ images: [], annotations: [], categories: [] });
    expect(await readdir(join(dir, 'out'))).to.deep.equal(['dets.json']);
  });

  it('refuses non-finite numbers and keeps the previous file', async () => {
    const file = join(dir, 'keep.json');
    await writeCocoJson(file, { a: 1 });
    let error: unknown;
    await writeCocoJson(file, { a: Number.NaN }).catch((e) => (error = e));
    expect(error).to.be.instanceOf(RangeError);
    expect(JSON.parse(await readFile(file, 'utf8'))).to.deep.equal({ a: 1 });
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
  });
});
