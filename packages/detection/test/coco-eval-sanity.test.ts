import { expect } from 'chai';
import { COCO_METRIC_NAMES, evaluateCoco, loadCocoDetections, parseCocoGroundTruth, type CocoDetection, type CocoGroundTruthJson } from '@dyrep/detection';

/** Two images, two categories, objects of every area range. */
function groundTruth(): CocoGroundTruthJson {
  const boxes: [number, number, number, number][] = [
    [10, 10, 20, 20], // small
    [50, 40, 60, 50], // medium
    [200, 100, 150, 120], // large
  ];
  const annotations = [1, 2].flatMap((imageId) =>
    boxes.map((bbox, j) => ({
      id: imageId * 10 + j,
      image_id: imageId,
      category_id: 1 + (j % 2),
      bbox,
      area: bbox[2] * bbox[3],
      iscrowd: 0,
    })),
  );
  return {
    images: [1, 2].map((id) => ({ id, width: 640, height: 480, file_name: `${id}.jpg` })),
    annotations,
    categories: [
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ],
  };
}

function perfect(gt: CocoGroundTruthJson): CocoDetection[] {
  return gt.annotations.map((a) => ({
    image_id: a.image_id,
    category_id: a.category_id,
    bbox: [...a.bbox] as [number, number, number, number],
    score: 0.9,
  }));
}

describe('evaluateCoco sanity', () => {
  it('scores perfect detections 1 everywhere except AR1 (at most one detection per image)', () => {
    const gt = groundTruth();
    const r = evaluateCoco(gt, perfect(gt));
    for (const name of COCO_METRIC_NAMES) {
      if (name === 'AR1') continue;
      expect(r[name], name).to.equal(1);
    }
    // Category 1 has 2 objects per image, so one detection per image finds half of them.
    expect(r.AR1).to.be.closeTo((0.5 + 1) / 2, 1e-12);
    expect(r.perCategory.map((c) => c.AP)).to.deep.equal([1, 1]);
    expect(r.perCategory.map((c) => c.numGroundTruth)).to.deep.equal([4, 2]);
  });

  it('gives 0 for no detections and -1 for a category without ground truth', () => {
    const gt = { ...groundTruth(), categories: [...groundTruth().categories, { id: 3, name: 'c' }] };
    const r = evaluateCoco(gt, []);
    expect(r.AP).to.equal(0);
    expect(r.AR100).to.equal(0);
    expect(r.perCategory[2]).to.include({ categoryId: 3, AP: -1, AR100: -1, numGroundTruth: 0 });
  });

  it('returns -1 for every number when nothing can be scored', () => {
    const gt = groundTruth();
    const crowdOnly = { ...gt, annotations: gt.annotations.map((a) => ({ ...a, iscrowd: 1 })) };
    const r = evaluateCoco(crowdOnly, perfect(gt));
    expect(r.stats).to.deep.equal(new Array(12).fill(-1));
  });

  it('counts a shifted box as a hit only up to its IoU', () => {
    const gt: CocoGroundTruthJson = {
      images: [{ id: 1 }],
      annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 100, 100], area: 10000, iscrowd: 0 }],
      categories: [{ id: 1 }],
    };
    // IoU = 90*100 / (2*10000 - 9000) = 0.8181...: a hit at thresholds .50 ... .80, a miss at .85 ... .95.
    const r = evaluateCoco(gt, [{ image_id: 1, category_id: 1, bbox: [10, 0, 100, 100], score: 1 }]);
    expect(r.AP50).to.be.closeTo(1, 1e-12);
    expect(r.AP75).to.be.closeTo(1, 1e-12);
    expect(r.AP).to.be.closeTo(0.7, 1e-12);
  });

  it('ignores detections inside a crowd region instead of counting them as false positives', () => {
    const gt: CocoGroundTruthJson = {
      images: [{ id: 1 }],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 50, 50], area: 2500, iscrowd: 0 },
        { id: 2, image_id: 1, category_id: 1, bbox: [100, 100, 300, 300], area: 90000, iscrowd: 1 },
      ],
      categories: [{ id: 1 }],
    };
    const inCrowd = [0, 1, 2].map((j) => ({ image_id: 1, category_id: 1, bbox: [120 + 50 * j, 150, 40, 40] as [number, number, number, number], score: 0.99 }));
    const hit = { image_id: 1, category_id: 1, bbox: [0, 0, 50, 50] as [number, number, number, number], score: 0.5 };
    expect(evaluateCoco(gt, [...inCrowd, hit]).AP).to.be.closeTo(1, 1e-12); // 1/(1+eps), as pycocotools
  });

  it('honours the ignore field only when asked (pycocotools does not)', () => {
    const gt: CocoGroundTruthJson = {
      images: [{ id: 1 }],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 50, 50], area: 2500, iscrowd: 0 },
        { id: 2, image_id: 1, category_id: 1, bbox: [100, 100, 50, 50], area: 2500, iscrowd: 0, ignore: 1 },
      ],
      categories: [{ id: 1 }],
    };
    const dt = [{ image_id: 1, category_id: 1, bbox: [0, 0, 50, 50] as [number, number, number, number], score: 0.9 }];
    expect(evaluateCoco(gt, dt).AR100).to.equal(0.5);
    expect(evaluateCoco(gt, dt, { respectIgnoreField: true }).AR100).to.equal(1);
  });

  it('accepts validated objects and JSON text alike', () => {
    const gt = parseCocoGroundTruth(groundTruth());
    const dt = loadCocoDetections(perfect(groundTruth()), gt);
    expect(evaluateCoco(gt, dt).stats).to.deep.equal(evaluateCoco(JSON.stringify(gt), JSON.stringify(dt)).stats);
  });

  it('rejects unknown image or category ids in options', () => {
    expect(() => evaluateCoco(groundTruth(), [], { imageIds: [1, 99] })).to.throw(RangeError, /unknown image id\(s\) 99/);
  });
});
