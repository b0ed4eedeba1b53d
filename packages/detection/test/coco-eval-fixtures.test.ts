import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COCO_METRIC_NAMES, evaluateCoco, type CocoDetection, type CocoGroundTruthJson } from '@dyrep/detection';

interface Fixture {
  name: string;
  description: string;
  gt: CocoGroundTruthJson;
  dt: CocoDetection[];
  params?: { imageIds: number[]; categoryIds: number[] };
  expected: Record<string, number>;
  expectedStats: number[];
  expectedPerCategory: { categoryId: number; AP: number; AR100: number }[];
}

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'coco');
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture);

describe('evaluateCoco against pycocotools fixtures', () => {
  it('has the fixture cases the generator writes', () => {
    expect(fixtures.length).to.be.at.least(12);
  });

  for (const fx of fixtures) {
    it(`${fx.name}: all 12 numbers within 1e-4 (${fx.description})`, () => {
      const result = evaluateCoco(fx.gt, fx.dt, fx.params ?? {});
      for (const name of COCO_METRIC_NAMES) {
        expect(result[name], `${fx.name} ${name}`).to.be.closeTo(fx.expected[name]!, 1e-4);
      }
      expect(result.stats).to.have.length(12);
      result.stats.forEach((v, j) => expect(v, `stats[${j}]`).to.be.closeTo(fx.expectedStats[j]!, 1e-4));
      expect(result.perCategory.map((c) => c.categoryId)).to.deep.equal(fx.expectedPerCategory.map((c) => c.categoryId));
      fx.expectedPerCategory.forEach((c, k) => {
        expect(result.perCategory[k]!.AP, `category ${c.categoryId} AP`).to.be.closeTo(c.AP, 1e-4);
        expect(result.perCategory[k]!.AR100, `category ${c.categoryId} AR100`).to.be.closeTo(c.AR100, 1e-4);
      });
    });
  }
});
