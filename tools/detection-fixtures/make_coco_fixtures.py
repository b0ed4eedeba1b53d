#!/usr/bin/env python3
"""Generate COCO bbox-evaluation fixtures for @dyrep/detection from pycocotools.

Each case is a small seeded ground truth + detections pair. The script runs the reference
implementation (pycocotools COCOeval, iouType 'bbox') on it and writes

    packages/detection/test/fixtures/coco/<case>.json
        {"name", "description", "gt", "dt", "params"?, "expected": {AP, AP50, ..., ARl},
         "expectedStats": [12 numbers], "expectedPerCategory": [{categoryId, AP, AR100}]}

The TypeScript tests only read these JSON files, so CI needs no Python. Regenerate (from the
repository root) after changing a case:

    pip install pycocotools numpy          # pycocotools 2.0.x; fixtures were made with 2.0.11
    python3 tools/detection-fixtures/make_coco_fixtures.py

Output is deterministic (fixed seeds, sorted keys); re-running without changes gives identical files.
"""
import contextlib
import copy
import io
import json
import os
import sys

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "packages", "detection", "test", "fixtures", "coco")
NAMES = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]


# ---------------------------------------------------------------- helpers

def r2(v):
    return round(float(v), 2)


def image(i, w=640, h=480):
    return {"id": i, "file_name": f"{i:06d}.jpg", "width": w, "height": h}


def categories(n):
    return [{"id": k, "name": f"class_{k}", "supercategory": "thing"} for k in range(1, n + 1)]


class Ann:
    """Builds GT annotations with increasing ids."""

    def __init__(self, start=1):
        self.next = start
        self.anns = []

    def add(self, image_id, category_id, box, iscrowd=0, area=None, **extra):
        box = [r2(v) for v in box]
        ann = {"id": self.next, "image_id": image_id, "category_id": category_id, "bbox": box,
               "area": r2(box[2] * box[3]) if area is None else area, "iscrowd": iscrowd}
        ann.update(extra)
        self.next += 1
        self.anns.append(ann)
        return ann


def det(image_id, category_id, box, score):
    return {"image_id": image_id, "category_id": category_id, "bbox": [r2(v) for v in box],
            "score": round(float(score), 4)}


def jitter(rng, box, amount):
    x, y, w, h = box
    return [x + rng.normal(0, amount * w), y + rng.normal(0, amount * h),
            max(1.0, w * (1 + rng.normal(0, amount))), max(1.0, h * (1 + rng.normal(0, amount)))]


def random_box(rng, w=640, h=480, smin=4, smax=300):
    bw = float(np.exp(rng.uniform(np.log(smin), np.log(smax))))
    bh = float(np.clip(bw * rng.uniform(0.5, 2.0), 2, h - 1))
    bw = min(bw, w - 1)
    return [rng.uniform(0, w - bw), rng.uniform(0, h - bh), bw, bh]


# ---------------------------------------------------------------- cases

def case_no_detections():
    a = Ann()
    for i in (1, 2, 3):
        a.add(i, 1, [10 * i, 20, 50, 60])
        a.add(i, 2, [200, 100 + i, 120, 140])
    gt = {"images": [image(i) for i in (1, 2, 3)], "annotations": a.anns, "categories": categories(2)}
    return "Ground truth in every image, no detections at all: all APs and ARs are 0.", gt, [], None


def case_category_without_gt():
    rng = np.random.default_rng(11)
    a = Ann()
    dts = []
    for i in (1, 2):
        for _ in range(3):
            g = a.add(i, 1, random_box(rng))
            dts.append(det(i, 1, jitter(rng, g["bbox"], 0.05), rng.uniform(0.3, 1)))
        a.add(i, 2, random_box(rng))  # category 2: ground truth, never detected
    for i in (1, 2):  # category 3: detections, no ground truth -> -1, left out of the means
        dts.append(det(i, 3, random_box(rng), rng.uniform(0, 1)))
    gt = {"images": [image(i) for i in (1, 2)], "annotations": a.anns, "categories": categories(4)}
    return "Category 3 has only detections, 4 has nothing, 2 only ground truth.", gt, dts, None


def case_duplicate_detections():
    rng = np.random.default_rng(12)
    a = Ann()
    dts = []
    for i in (1, 2, 3):
        for k in (1, 2):
            for _ in range(2):
                g = a.add(i, k, random_box(rng, smin=20))
                for _ in range(rng.integers(1, 4)):
                    dts.append(det(i, k, jitter(rng, g["bbox"], 0.03), rng.uniform(0.2, 1)))
                dts.append(det(i, k, g["bbox"], 0.5))  # exact duplicate boxes with the same score
                dts.append(det(i, k, g["bbox"], 0.5))
    gt = {"images": [image(i) for i in (1, 2, 3)], "annotations": a.anns, "categories": categories(2)}
    return "Several detections per object, including exact duplicates: extras become false positives.", gt, dts, None


def case_area_ranges():
    rng = np.random.default_rng(13)
    a = Ann()
    dts = []
    sizes = [2, 5, 12, 20, 31, 32, 33, 50, 80, 96, 97, 150, 300]
    for i in (1, 2):
        for n, s in enumerate(sizes):
            x, y = 10 + (n % 5) * 100 + i, 10 + (n // 5) * 120
            # GT `area` deliberately differs from w*h for some objects (like a segmentation area)
            area = float(s * s) if n % 3 else r2(s * s * 0.7)
            g = a.add(i, 1 + n % 2, [x, y, s, s], area=area)
            if rng.uniform() < 0.85:
                dts.append(det(i, g["category_id"], jitter(rng, g["bbox"], 0.08), rng.uniform(0.1, 1)))
        for _ in range(6):  # unmatched detections of every size: ignored outside the area range
            dts.append(det(i, int(rng.integers(1, 3)), random_box(rng, smin=3, smax=250), rng.uniform(0, 1)))
    gt = {"images": [image(i) for i in (1, 2)], "annotations": a.anns, "categories": categories(2)}
    return "Tiny, small, medium and large objects, sizes on the 32/96 boundaries, GT area != w*h.", gt, dts, None


def case_many_detections():
    rng = np.random.default_rng(14)
    a = Ann()
    dts = []
    for i, nd in ((1, 150), (2, 230), (3, 40)):
        gts = [a.add(i, 1 + j % 2, random_box(rng, smin=10)) for j in range(25)]
        for j in range(nd):
            if j < 40:
                g = gts[j % len(gts)]
                dts.append(det(i, g["category_id"], jitter(rng, g["bbox"], 0.07), rng.uniform(0, 1)))
            else:
                dts.append(det(i, int(rng.integers(1, 3)), random_box(rng, smin=10), rng.uniform(0, 1)))
    gt = {"images": [image(i) for i in (1, 2, 3)], "annotations": a.anns, "categories": categories(2)}
    return "More than 100 detections per image and category (truncated to the best 100).", gt, dts, None


def case_crowd():
    rng = np.random.default_rng(15)
    a = Ann()
    dts = []
    for i in (1, 2, 3):
        crowd = a.add(i, 1, [100, 100, 300, 200], iscrowd=1, area=40000.0)
        for _ in range(5):  # detections inside the crowd region: matched to the crowd, ignored
            x, y = rng.uniform(100, 320), rng.uniform(100, 240)
            dts.append(det(i, 1, [x, y, rng.uniform(20, 80), rng.uniform(20, 60)], rng.uniform(0, 1)))
        for _ in range(3):
            g = a.add(i, 1, [rng.uniform(120, 300), rng.uniform(120, 200), 60, 80])  # inside the crowd
            dts.append(det(i, 1, jitter(rng, g["bbox"], 0.05), rng.uniform(0.3, 1)))
        g = a.add(i, 2, random_box(rng, smin=20))
        dts.append(det(i, 2, jitter(rng, g["bbox"], 0.05), rng.uniform(0, 1)))
        a.add(i, 2, [400, 300, 30, 20], iscrowd=1, area=500.0)  # small crowd
        dts.append(det(i, 2, [405, 302, 10, 10], rng.uniform(0, 1)))
        dts.append(det(i, 1, crowd["bbox"], 0.99))  # the whole crowd box
    gt = {"images": [image(i) for i in (1, 2, 3)], "annotations": a.anns, "categories": categories(2)}
    return "Crowd regions (iscrowd=1) with many detections inside, next to normal objects.", gt, dts, None


def case_score_ties():
    rng = np.random.default_rng(16)
    a = Ann()
    dts = []
    for i in (1, 2, 3, 4):
        for _ in range(4):
            g = a.add(i, 1, random_box(rng, smin=15))
            if rng.uniform() < 0.8:
                dts.append(det(i, 1, jitter(rng, g["bbox"], 0.1), float(rng.choice([0.3, 0.6, 0.9]))))
        for _ in range(4):
            dts.append(det(i, 1, random_box(rng, smin=15), float(rng.choice([0.3, 0.6, 0.9]))))
        for _ in range(12):  # > 10 tied detections: maxDets 1 and 10 cut inside a tie
            dts.append(det(i, 2, random_box(rng, smin=15), 0.5))
        a.add(i, 2, random_box(rng, smin=15))
    rng.shuffle(dts)
    gt = {"images": [image(i) for i in (1, 2, 3, 4)], "annotations": a.anns, "categories": categories(2)}
    return "Scores drawn from three values, and 12 equal scores per image: stable tie order matters.", gt, dts, None


def realistic(seed, n_images, n_cats):
    rng = np.random.default_rng(seed)
    a = Ann()
    dts = []
    imgs = []
    for i in range(1, n_images + 1):
        w, h = int(rng.integers(300, 800)), int(rng.integers(300, 800))
        imgs.append(image(i * 7, w, h))  # non-contiguous image ids
        for _ in range(int(rng.integers(0, 12))):
            k = int(rng.integers(1, n_cats + 1))
            crowd = 1 if rng.uniform() < 0.05 else 0
            g = a.add(i * 7, k, random_box(rng, w, h, smin=4, smax=min(w, h) * 0.8), iscrowd=crowd)
            if rng.uniform() < 0.8:
                kk = k if rng.uniform() < 0.9 else int(rng.integers(1, n_cats + 1))
                q = rng.uniform(0, 1)
                dts.append(det(i * 7, kk, jitter(rng, g["bbox"], 0.02 + 0.15 * (1 - q)), 0.3 + 0.7 * q))
        for _ in range(int(rng.integers(0, 15))):
            dts.append(det(i * 7, int(rng.integers(1, n_cats + 1)),
                           random_box(rng, w, h, smin=4, smax=min(w, h) * 0.8), rng.uniform(0, 0.7)))
    gt = {"images": imgs, "annotations": a.anns, "categories": categories(n_cats)}
    return gt, dts


def case_realistic_random():
    gt, dts = realistic(17, 16, 6)
    return "Random scene set: 16 images, 6 categories, jittered hits, misses, false positives, a few crowds.", gt, dts, None


def case_only_crowd_gt():
    a = Ann()
    a.add(1, 1, [10, 10, 100, 100], iscrowd=1, area=9000.0)
    a.add(2, 2, [50, 50, 30, 30], iscrowd=1, area=800.0)
    dts = [det(1, 1, [20, 20, 40, 40], 0.9), det(2, 2, [0, 0, 10, 10], 0.4), det(2, 1, [5, 5, 5, 5], 0.2)]
    gt = {"images": [image(1), image(2)], "annotations": a.anns, "categories": categories(2)}
    return "Only crowd ground truth: nothing can be scored, every number is -1.", gt, dts, None


def case_ignore_field_and_zero_id():
    rng = np.random.default_rng(18)
    a = Ann(start=0)  # the first annotation has id 0: pycocotools counts its match as a false positive
    dts = []
    for i in (1, 2):
        for j in range(4):
            extra = {"ignore": 1} if j == 1 else {}  # pycocotools overwrites `ignore` with `iscrowd`
            g = a.add(i, 1, random_box(rng, smin=20), **extra)
            dts.append(det(i, 1, jitter(rng, g["bbox"], 0.03), rng.uniform(0.2, 1)))
    # A copy of the id-0 box: on equal IoU the later ground truth wins, so that detection is a true positive.
    a.add(1, 1, a.anns[0]["bbox"])
    gt = {"images": [image(1), image(2)], "annotations": a.anns, "categories": categories(1)}
    return ("A ground truth with id 0 (and a copy of its box), one with an `ignore` field (not honoured by pycocotools).",
            gt, dts, None)


def case_images_without_gt():
    rng = np.random.default_rng(19)
    a = Ann()
    dts = []
    for i in (1, 2):
        g = a.add(i, 1, random_box(rng, smin=20))
        dts.append(det(i, 1, jitter(rng, g["bbox"], 0.04), 0.8))
    for i in (3, 4):  # no ground truth at all; image 5 has nothing
        for _ in range(3):
            dts.append(det(i, 1, random_box(rng, smin=10), rng.uniform(0, 1)))
    gt = {"images": [image(i) for i in (1, 2, 3, 4, 5)], "annotations": a.anns, "categories": categories(1)}
    return "Detections on images that have no ground truth are false positives.", gt, dts, None


def case_subset_params():
    gt, dts = realistic(20, 10, 4)
    img_ids = [im["id"] for im in gt["images"]][1:8:2]
    return ("Evaluation restricted to some images and categories (params.imgIds / params.catIds).",
            gt, dts, {"imageIds": img_ids, "categoryIds": [1, 3, 4]})


CASES = [
    case_no_detections, case_category_without_gt, case_duplicate_detections, case_area_ranges,
    case_many_detections, case_crowd, case_score_ties, case_realistic_random, case_only_crowd_gt,
    case_ignore_field_and_zero_id, case_images_without_gt, case_subset_params,
]


# ---------------------------------------------------------------- reference evaluation

def coco_from(dataset):
    coco = COCO()
    coco.dataset = copy.deepcopy(dataset)
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def evaluate(gt, dts, params):
    coco_gt = coco_from(gt)
    with contextlib.redirect_stdout(io.StringIO()):
        if dts:
            coco_dt = coco_gt.loadRes(copy.deepcopy(dts))
        else:  # loadRes cannot take an empty list
            coco_dt = coco_from({"images": gt["images"], "categories": gt["categories"], "annotations": []})
        ev = COCOeval(coco_gt, coco_dt, "bbox")
        if params:
            ev.params.imgIds = params["imageIds"]
            ev.params.catIds = params["categoryIds"]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    per_cat = []
    for k, cat_id in enumerate(ev.params.catIds):
        p = ev.eval["precision"][:, :, k, 0, 2]
        r = ev.eval["recall"][:, k, 0, 2]
        per_cat.append({"categoryId": int(cat_id),
                        "AP": float(np.mean(p[p > -1])) if (p > -1).any() else -1.0,
                        "AR100": float(np.mean(r[r > -1])) if (r > -1).any() else -1.0})
    stats = [float(v) for v in ev.stats]
    return stats, per_cat


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for make in CASES:
        name = make.__name__[len("case_"):]
        description, gt, dts, params = make()
        stats, per_cat = evaluate(gt, dts, params)
        fixture = {"name": name, "description": description, "gt": gt, "dt": dts,
                   "expected": dict(zip(NAMES, stats)), "expectedStats": stats,
                   "expectedPerCategory": per_cat}
        if params:
            fixture["params"] = params
        path = os.path.join(OUT_DIR, f"{name}.json")
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(fixture, f, sort_keys=True, separators=(",", ":"), allow_nan=False)
            f.write("\n")
        os.replace(tmp, path)
        print(f"{name:28s} gt={len(gt['annotations']):4d} dt={len(dts):4d} "
              f"AP={stats[0]:.4f} AP50={stats[1]:.4f} AR100={stats[8]:.4f}")


if __name__ == "__main__":
    sys.exit(main())
