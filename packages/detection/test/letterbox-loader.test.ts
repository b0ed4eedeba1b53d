import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { Rng } from '@dyrep/nn';
import { useBackend } from '@dyrep/test-utils';
import { boxesToInput, boxesToOriginal, createDetectionLoader, letterbox, letterboxPixels, openCocoDataset, writeCocoJson, type DetectionBatch } from '@dyrep/detection';

function disposeBatch(b: DetectionBatch): void {
  tf.dispose([b.x, b.heatmap, b.regression, b.regMask]);
}

/** Writes a COCO set of random RGB images of random sizes with random boxes (some crowd). */
async function randomCocoSet(dir: string, count: number, rng: Rng): Promise<{ annotationFile: string; imageDir: string }> {
  const images = [];
  const annotations = [];
  for (let id = 1; id <= count; id++) {
    const [h, w] = [24 + rng.nextInt(60), 24 + rng.nextInt(60)];
    const data = Buffer.alloc(h * w * 4);
    for (let p = 0; p < h * w * 4; p++) data[p] = p % 4 === 3 ? 255 : rng.nextInt(256);
    const png = pngjs.PNG.sync.write({ width: w, height: h, data } as unknown as pngjs.PNG);
    await writeFile(join(dir, `${id}.png`), png);
    images.push({ id, file_name: `${id}.png`, width: w, height: h });
    for (let k = 0; k < 1 + rng.nextInt(3); k++) {
      const bw = 4 + rng.nextInt(w - 8);
      const bh = 4 + rng.nextInt(h - 8);
      const bbox = [rng.nextInt(w - bw), rng.nextInt(h - bh), bw, bh];
      annotations.push({ id: annotations.length + 1, image_id: id, category_id: 1 + rng.nextInt(2), bbox, area: bw * bh, iscrowd: k === 2 ? 1 : 0 });
    }
  }
  const annotationFile = join(dir, 'ann.json');
  await writeCocoJson(annotationFile, {
    images,
    annotations,
    categories: [
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ],
  });
  return { annotationFile, imageDir: dir };
}

describe('letterbox and lazy loading', () => {
  useBackend('wasm');
  let root = '';
  before(async () => (root = await mkdtemp(join(tmpdir(), 'det-letterbox-'))));
  after(() => rm(root, { recursive: true, force: true }));

  it('boxes round-trip exactly through the letterbox for random image and input sizes', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 200; t++) {
      const original: [number, number] = [1 + rng.nextInt(700), 1 + rng.nextInt(700)];
      const input: [number, number] = [16 + rng.nextInt(600), 16 + rng.nextInt(600)];
      const lb = letterbox(original, input);
      expect(lb.content[0] <= input[0] && lb.content[1] <= input[1]).to.equal(true);
      expect(Math.max(Math.abs(lb.content[0] - input[0]), 0) === 0 || Math.abs(lb.content[1] - input[1]) === 0, 'one side fills the input').to.equal(true);
      const boxes = new Float32Array(40);
      for (let j = 0; j < 40; j += 4) {
        const [x, y] = [rng.nextFloat() * original[1], rng.nextFloat() * original[0]];
        boxes.set([x, y, rng.nextFloat() * (original[1] - x), rng.nextFloat() * (original[0] - y)], j);
      }
      const back = boxesToOriginal(boxesToInput(boxes, lb), lb);
      back.forEach((v, i) => expect(Math.abs(v - boxes[i]), `box value ${i}`).to.be.at.most(1e-4 * Math.max(1, boxes[i])));
    }
  });

  it('letterboxPixels scales into the top-left corner and zero-pads the rest', () => {
    const px = Uint8Array.from({ length: 4 * 8 * 3 }, (_, i) => i % 251);
    const lb = letterbox([4, 8], [16, 16]);
    expect(lb.content).to.deep.equal([8, 16]);
    const out = letterboxPixels(px, 3, lb);
    expect(out.length).to.equal(16 * 16 * 3);
    for (let y = 8; y < 16; y++) for (let i = 0; i < 48; i++) expect(out[y * 48 + i]).to.equal(0);
    const same = letterboxPixels(px, 3, letterbox([4, 8], [4, 8]));
    same.forEach((v, i) => expect(v).to.equal(Math.fround(px[i] / 255)));
  });

  it('lazy loading with prefetch and a small cache gives the same batches as eager loading; crowd boxes get no target', async () => {
    const rng = new Rng(11);
    const set = await randomCocoSet(root, 13, rng);
    const ds = await openCocoDataset({ annotationFile: set.annotationFile, imageDir: set.imageDir, channels: 3 });
    const opts = { stride: 4, batchSize: 4, shuffle: true, seed: 2, hflip: true, inputSize: [48, 64] as [number, number] };
    const eager = await createDetectionLoader(ds, { ...opts, eager: true });
    const lazy = await createDetectionLoader(ds, { ...opts, cacheImages: 3, prefetch: 2 });
    expect(eager.cachedImages).to.equal(13);
    expect(lazy.cachedImages).to.be.at.most(3);
    for (let epoch = 0; epoch < 2; epoch++) {
      const a = eager.epoch();
      const b = lazy.epoch();
      for (;;) {
        const [ra, rb] = [await a.next(), await b.next()];
        expect(ra.done).to.equal(rb.done);
        if (ra.done || rb.done) break;
        const [ba, bb] = [ra.value, rb.value];
        expect(bb.imageIds).to.deep.equal(ba.imageIds);
        for (const k of ['x', 'heatmap', 'regression', 'regMask'] as const) expect(Array.from(bb[k].dataSync()), k).to.deep.equal(Array.from(ba[k].dataSync()));
        expect(bb.letterboxes).to.deep.equal(ba.letterboxes);
        expect(lazy.cachedImages).to.be.at.most(3);
        disposeBatch(ba);
        disposeBatch(bb);
      }
    }
    // Crowd boxes: the number of regression cells is at most the non-crowd objects of the batch.
    const gt = JSON.parse(await readFile(set.annotationFile, 'utf8'));
    const plain = await createDetectionLoader(ds, { stride: 4, batchSize: 13, inputSize: [48, 64] });
    for await (const batch of plain.epoch()) {
      const cells = tf.sum(batch.regMask).dataSync()[0];
      const nonCrowd = gt.annotations.filter((a: { iscrowd: number }) => !a.iscrowd).length;
      expect(cells).to.be.at.most(nonCrowd);
      expect(cells).to.be.greaterThan(nonCrowd * 0.7);
      disposeBatch(batch);
    }
  });
});
