import { expect } from 'chai';
import { CocoFormatError, loadCocoDetections, parseCocoGroundTruth } from '@dyrep/detection';

const gt = parseCocoGroundTruth({
  images: [{ id: 1 }, { id: 2 }],
  annotations: [],
  categories: [{ id: 1, name: 'a' }],
});

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(CocoFormatError);
    return [...(e as CocoFormatError).issues];
  }
  throw new Error('expected a CocoFormatError');
}

describe('loadCocoDetections', () => {
  it('accepts valid detections, from objects or JSON text, in input order', () => {
    const dets = [
      { image_id: 2, category_id: 1, bbox: [1, 2, 3, 4], score: 0.5, extra: 'dropped' },
      { image_id: 1, category_id: 1, bbox: [0, 0, 0, 0], score: 0 },
    ];
    const out = loadCocoDetections(dets, gt);
    expect(out).to.deep.equal([
      { image_id: 2, category_id: 1, bbox: [1, 2, 3, 4], score: 0.5 },
      { image_id: 1, category_id: 1, bbox: [0, 0, 0, 0], score: 0 },
    ]);
    expect(loadCocoDetections(JSON.stringify(dets), gt)).to.deep.equal(out);
  });

  it('names every bad entry: missing fields, unknown ids, non-finite numbers, negative sizes', () => {
    const issues = issuesOf(() =>
      loadCocoDetections(
        [
          { category_id: 1, bbox: [0, 0, 1, 1], score: 1 },
          { image_id: 7, category_id: 1, bbox: [0, 0, 1, 1], score: 1 },
          { image_id: 1, category_id: 9, bbox: [0, 0, 1, 1], score: 1 },
          { image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: Number.NaN },
          { image_id: 1, category_id: 1, bbox: [0, Infinity, 1, 1], score: 1 },
          { image_id: 1, category_id: 1, bbox: [0, 0, 1], score: 1 },
          { image_id: 1, category_id: 1, bbox: [0, 0, -1, 1], score: 1 },
          'nope',
        ],
        gt,
      ),
    );
    expect(issues).to.deep.equal([
      "detections[0]: missing field 'image_id'",
      'detections[1]: unknown image_id 7 (not in the ground truth images)',
      'detections[2]: unknown category_id 9 (not in the ground truth categories)',
      "detections[3]: 'score' must be a finite number, got NaN",
      "detections[4]: 'bbox' must hold 4 finite numbers, got [0,null,1,1]",
      "detections[5]: 'bbox' must be an array [x, y, w, h], got [0,0,1]",
      'detections[6]: negative box size [0, 0, -1, 1]',
      'detections[7]: expected an object',
    ]);
  });

  it('rejects something that is not an array, and invalid JSON text', () => {
    expect(issuesOf(() => loadCocoDetections({}, gt))[0]).to.match(/expected an array/);
    expect(issuesOf(() => loadCocoDetections('[{', gt))[0]).to.match(/invalid JSON/);
  });
});
