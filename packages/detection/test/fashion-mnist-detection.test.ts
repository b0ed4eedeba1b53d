import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFashionMnist, type Dataset } from '@dyrep/data';
import { generateFashionMnistDetection, openCocoDataset } from '@dyrep/detection';

function iou(a: number[], b: number[]): number {
  const iw = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return iw <= 0 || ih <= 0 ? 0 : (iw * ih) / (a[2] * a[3] + b[2] * b[3] - iw * ih);
}

async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  out.set('annotations.json', await readFile(join(dir, 'annotations.json')));
  for (const f of (await readdir(join(dir, 'images'))).sort()) out.set(f, await readFile(join(dir, 'images', f)));
  return out;
}

describe('generateFashionMnistDetection', () => {
  let root: string;
  let source: Dataset;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fmnist-det-'));
    source = await loadFashionMnist({ split: 'test' });
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is reproducible: the same seed gives byte-identical files, another seed different ones', async () => {
    const opts = { count: 24, canvas: 64, seed: 7, source };
    await generateFashionMnistDetection({ ...opts, outDir: join(root, 'a') });
    await generateFashionMnistDetection({ ...opts, outDir: join(root, 'b') });
    await generateFashionMnistDetection({ ...opts, seed: 8, outDir: join(root, 'c') });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((d) => filesOf(join(root, d))));
    expect([...a.keys()]).to.deep.equal([...b.keys()]);
    expect(a.size).to.equal(25);
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name)!), name).to.equal(true);
    expect(a.get('annotations.json')!.equals(c.get('annotations.json')!)).to.equal(false);
  });

  it('writes a valid COCO set: boxes tight and inside the canvas, 1–6 objects, overlaps and empty images', async () => {
    const dir = join(root, 'valid');
    const res = await generateFashionMnistDetection({ outDir: dir, count: 120, canvas: 96, seed: 1, emptyFraction: 0.1, source });
    expect(res.images).to.equal(120);
    expect(res.emptyImages).to.be.greaterThan(0);
    const ds = await openCocoDataset({ annotationFile: res.annotationFile, imageDir: res.imageDir, channels: 1, boxTolerance: 0 });
    expect(ds.length).to.equal(120);
    expect(ds.categories.map((c) => c.name)).to.include('Ankle boot');
    let empty = 0;
    let overlapping = 0;
    let boxes = 0;
    for await (const s of ds) {
      const n = s.labels.length;
      boxes += n;
      if (n === 0) empty++;
      else expect(n).to.be.within(1, 6);
      const list = [...Array(n).keys()].map((i) => Array.from(s.boxes.subarray(4 * i, 4 * i + 4)));
      for (const [x, y, w, h] of list) {
        expect(x).to.be.at.least(0);
        expect(y).to.be.at.least(0);
        expect(x + w).to.be.at.most(96);
        expect(y + h).to.be.at.most(96);
        expect(Math.min(w, h)).to.be.greaterThan(0);
        // Tight: every edge row/column of the box holds ink.
        const ink = (r: number, c: number) => s.image[r * 96 + c] > 0;
        const rowHasInk = (r: number) => [...Array(w).keys()].some((d) => ink(r, x + d));
        const colHasInk = (c: number) => [...Array(h).keys()].some((d) => ink(y + d, c));
        expect(rowHasInk(y) && rowHasInk(y + h - 1) && colHasInk(x) && colHasInk(x + w - 1)).to.equal(true);
      }
      if (list.some((a, i) => list.some((b, j) => i < j && iou(a, b) > 0))) overlapping++;
      // Object size in the documented range: 0.6–1.6 × 28 px patches.
      for (const [, , w, h] of list) expect(Math.max(w, h)).to.be.at.most(Math.round(28 * 1.6));
    }
    expect(empty).to.equal(res.emptyImages);
    expect(boxes).to.equal(res.annotations);
    expect(overlapping).to.be.greaterThan(5);
  });

  it('rgb mode: the same boxes as gray, tinted items on coloured, textured backgrounds', async () => {
    const opts = { count: 16, canvas: 64, seed: 4, source };
    const gray = await generateFashionMnistDetection({ ...opts, outDir: join(root, 'g') });
    const rgb = await generateFashionMnistDetection({ ...opts, color: 'rgb', outDir: join(root, 'rgb') });
    const [g, c] = await Promise.all([gray, rgb].map(async (r) => JSON.parse(await readFile(r.annotationFile, 'utf8'))));
    expect(c.annotations).to.deep.equal(g.annotations);
    expect(c.images).to.deep.equal(g.images);
    const grayDs = await openCocoDataset({ annotationFile: gray.annotationFile, imageDir: gray.imageDir, channels: 1 });
    const rgbDs = await openCocoDataset({ annotationFile: rgb.annotationFile, imageDir: rgb.imageDir, channels: 3, boxTolerance: 0 });
    const textures = new Set<string>();
    for (let i = 0; i < rgbDs.length; i++) {
      const [gs, cs] = [await grayDs.load(i), await rgbDs.load(i)];
      expect(cs.shape).to.deep.equal([64, 64, 3]);
      let colourful = 0;
      const bg: number[] = [];
      for (let p = 0; p < 64 * 64; p++) {
        const [r, gg, b] = [cs.image[3 * p], cs.image[3 * p + 1], cs.image[3 * p + 2]];
        if (Math.max(r, gg, b) - Math.min(r, gg, b) > 20) colourful++;
        if (gs.image[p] === 0) {
          expect(Math.max(r, gg, b), 'background stays below 200').to.be.below(200);
          bg.push(r + gg + b);
        }
      }
      expect(colourful, 'not grey').to.be.greaterThan(64 * 64 * 0.2);
      const mean = bg.reduce((a, v) => a + v, 0) / bg.length;
      expect(Math.sqrt(bg.reduce((a, v) => a + (v - mean) ** 2, 0) / bg.length), 'background varies').to.be.greaterThan(3);
      textures.add(mean.toFixed(0));
      // Where an item is fully opaque it shows its tint, which has a channel ≥ 200.
      const boxes = [...Array(gs.labels.length).keys()].map((j) => Array.from(gs.boxes.subarray(4 * j, 4 * j + 4)));
      const covering = (p: number) => boxes.filter(([x, y, w, h]) => p % 64 >= x && p % 64 < x + w && Math.floor(p / 64) >= y && Math.floor(p / 64) < y + h).length;
      for (let p = 0; p < 64 * 64; p++) {
        if (gs.image[p] === 255 && covering(p) === 1) expect(Math.max(cs.image[3 * p], cs.image[3 * p + 1], cs.image[3 * p + 2])).to.be.at.least(199);
      }
    }
    expect(textures.size, 'backgrounds differ between canvases').to.be.greaterThan(8);
  });
});
