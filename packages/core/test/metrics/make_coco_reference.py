#!/usr/bin/env python3
"""Reference numbers for packages/core/test/metrics/coco-reference.test.ts.

Builds a few non-trivial random COCO cases (crowds, all three area ranges, duplicate and
false-positive detections, tied scores, more detections than maxDets, images without ground truth,
keypoint objects without labelled keypoints, gt `ignore` fields that pycocotools overwrites) and
evaluates them with pycocotools' COCOeval. The JSON written next to this file is committed, so the
tests need neither Python nor pycocotools.

    pip install pycocotools numpy   # pycocotools 2.0.11 / numpy 2.4 produced the committed file
    python3 make_coco_reference.py
"""
import contextlib
import io
import json
import os

import numpy as np
import pycocotools
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'coco_reference.json')


def rand_box(rng, size_class):
    """A box whose area falls in the small / medium / large range (or straddles a border)."""
    side = {'small': (4, 30), 'medium': (34, 90), 'large': (100, 220), 'border': (31, 33)}[size_class]
    w = int(rng.integers(*side))
    h = int(rng.integers(*side))
    x = int(rng.integers(0, 400))
    y = int(rng.integers(0, 400))
    return [x, y, w, h]


def jitter_box(rng, b, amount):
    # Integer offsets so that some IoUs land exactly on a threshold (ties are part of the test).
    dx, dy, dw, dh = (int(v) for v in rng.integers(-amount, amount + 1, size=4))
    return [b[0] + dx, b[1] + dy, max(1, b[2] + dw), max(1, b[3] + dh)]


def make_bbox_case(seed, n_images=8, n_cats=3):
    rng = np.random.default_rng(seed)
    images = [{'id': 100 + i, 'width': 640, 'height': 480} for i in range(n_images)]
    # Category 3 has no ground truth at all (its AP must be absent, not 0).
    categories = [{'id': c + 1, 'name': 'c%d' % (c + 1)} for c in range(n_cats + 1)]
    anns, results = [], []
    ann_id = 1
    for img in images[:-1]:  # the last image has detections only
        for _ in range(int(rng.integers(1, 7))):
            cat = int(rng.integers(1, n_cats))
            size = str(rng.choice(['small', 'medium', 'large', 'border']))
            b = rand_box(rng, size)
            crowd = int(rng.random() < 0.12)
            ann = {'id': ann_id, 'image_id': img['id'], 'category_id': cat, 'bbox': b,
                   # area from the box with a random factor, as segment areas differ from box areas
                   'area': float(b[2] * b[3] * rng.uniform(0.6, 1.0)), 'iscrowd': crowd}
            if rng.random() < 0.1:
                ann['ignore'] = 1  # overwritten by pycocotools: must have no effect
            anns.append(ann)
            ann_id += 1
            n_det = int(rng.integers(0, 4))
            for _ in range(n_det):
                results.append({'image_id': img['id'], 'category_id': cat,
                                'bbox': jitter_box(rng, b, int(rng.integers(0, 8))),
                                'score': round(float(rng.random()), 2)})
        for _ in range(int(rng.integers(0, 5))):  # false positives, some in the empty category
            results.append({'image_id': img['id'], 'category_id': int(rng.integers(1, n_cats + 2)),
                            'bbox': rand_box(rng, str(rng.choice(['small', 'medium', 'large']))),
                            'score': round(float(rng.random()), 2)})
    for _ in range(5):
        results.append({'image_id': images[-1]['id'], 'category_id': 1,
                        'bbox': rand_box(rng, 'medium'), 'score': round(float(rng.random()), 2)})
    # One image with more than 100 detections of one category (maxDets truncation).
    img = images[0]['id']
    base = [a for a in anns if a['image_id'] == img][0]
    for _ in range(130):
        results.append({'image_id': img, 'category_id': base['category_id'],
                        'bbox': jitter_box(rng, base['bbox'], 10), 'score': round(float(rng.random()), 2)})
    return {'images': images, 'annotations': anns, 'categories': categories}, results


def rand_person(rng, size_class, k):
    side = {'medium': (40, 90), 'large': (110, 260), 'small': (10, 28)}[size_class]
    w = float(rng.integers(*side))
    h = float(rng.integers(*side)) * 1.5
    x = float(rng.integers(0, 300))
    y = float(rng.integers(0, 300))
    kps = []
    for _ in range(k):
        v = int(rng.choice([0, 1, 2], p=[0.25, 0.15, 0.6]))
        if v == 0:
            kps += [0, 0, 0]
        else:
            kps += [round(x + float(rng.random()) * w, 1), round(y + float(rng.random()) * h, 1), v]
    return [x, y, w, h], kps


def jitter_kps(rng, box, kps, k, sigma_px):
    x, y, w, h = box
    out = []
    for j in range(k):
        if kps[3 * j + 2] > 0:
            px, py = kps[3 * j], kps[3 * j + 1]
        else:
            px, py = x + float(rng.random()) * w, y + float(rng.random()) * h
        out += [round(px + float(rng.normal(0, sigma_px)), 2), round(py + float(rng.normal(0, sigma_px)), 2),
                round(float(rng.random()), 3)]
    return out


def make_keypoint_case(seed, k=17, n_images=6, with_result_bbox=False):
    rng = np.random.default_rng(seed)
    images = [{'id': i + 1, 'file_name': '%06d.jpg' % (i + 1)} for i in range(n_images)]
    categories = [{'id': 1, 'name': 'person'}]
    anns, results = [], []
    ann_id = 1
    for img in images:
        for _ in range(int(rng.integers(1, 6))):
            size = str(rng.choice(['small', 'medium', 'large'], p=[0.2, 0.4, 0.4]))
            box, kps = rand_person(rng, size, k)
            crowd = int(rng.random() < 0.1)
            no_kps = rng.random() < 0.12
            if no_kps:  # an object without labelled keypoints: ignored, OKS by the box rule
                kps = [0] * (3 * k)
            nk = int(sum(1 for j in range(k) if kps[3 * j + 2] > 0))
            anns.append({'id': ann_id, 'image_id': img['id'], 'category_id': 1, 'bbox': box,
                         'area': float(box[2] * box[3] * rng.uniform(0.5, 0.9)), 'iscrowd': crowd,
                         'keypoints': kps, 'num_keypoints': nk})
            ann_id += 1
            for _ in range(int(rng.integers(0, 3))):
                det = {'image_id': img['id'], 'category_id': 1,
                       'keypoints': jitter_kps(rng, box, kps, k, float(rng.uniform(0.5, 8))),
                       'score': round(float(rng.random()), 2)}
                if with_result_bbox:
                    det['bbox'] = [box[0], box[1], box[2] * float(rng.uniform(0.8, 1.2)), box[3]]
                results.append(det)
        for _ in range(int(rng.integers(0, 3))):  # false positives
            box, kps = rand_person(rng, 'medium', k)
            det = {'image_id': img['id'], 'category_id': 1,
                   'keypoints': jitter_kps(rng, box, [1, 1, 1] * k, k, 3.0),
                   'score': round(float(rng.random()), 2)}
            if with_result_bbox:
                det['bbox'] = box
            results.append(det)
    # More than maxDets = 20 detections in one image.
    base = anns[0]
    for _ in range(25):
        det = {'image_id': base['image_id'], 'category_id': 1,
               'keypoints': jitter_kps(rng, base['bbox'], base['keypoints'], k, 6.0),
               'score': round(float(rng.random()), 2)}
        if with_result_bbox:
            det['bbox'] = base['bbox']
        results.append(det)
    return {'images': images, 'annotations': anns, 'categories': categories}, results


def evaluate(gt, results, iou_type, sigmas=None, img_ids=None):
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = json.loads(json.dumps(gt))
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(json.loads(json.dumps(results)))
        ev = COCOeval(coco_gt, coco_dt, iou_type)
        if sigmas is not None:
            ev.params.kpt_oks_sigmas = np.array(sigmas)
        if img_ids is not None:
            ev.params.imgIds = img_ids
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    prec = ev.eval['precision']  # [T, R, K, A, M]
    out = {
        'stats': [float(s) for s in ev.stats],
        # The full precision table is large; its mean over recall thresholds per (t, k, a, m)
        # (with -1 kept where absent) pins it down well enough.
        'precisionMeanOverR': [float(v) for v in prec.mean(axis=1).ravel()],
        'recall': [float(v) for v in ev.eval['recall'].ravel()],
        'shape': list(prec.shape),
    }
    if iou_type == 'keypoints':
        sims = []
        for (img, cat), m in sorted(ev.ious.items()):
            if len(m):
                sims.append({'image_id': int(img), 'category_id': int(cat), 'oks': np.asarray(m).tolist()})
        out['oks'] = sims
    return out


def main():
    cases = []
    gt, res = make_bbox_case(seed=1)
    cases.append({'name': 'bbox random (crowds, 3 ranges, empty category, >100 dets)', 'iouType': 'bbox',
                  'gt': gt, 'results': res, 'options': {}, 'reference': evaluate(gt, res, 'bbox')})
    gt, res = make_bbox_case(seed=7, n_images=12, n_cats=5)
    img_ids = [i['id'] for i in gt['images']][::2]
    cases.append({'name': 'bbox random, imgIds subset', 'iouType': 'bbox', 'gt': gt, 'results': res,
                  'options': {'imgIds': img_ids}, 'reference': evaluate(gt, res, 'bbox', img_ids=img_ids)})
    gt, res = make_keypoint_case(seed=3)
    cases.append({'name': 'keypoints random COCO-17 (crowds, no-keypoint objects, >20 dets)',
                  'iouType': 'keypoints', 'gt': gt, 'results': res, 'options': {},
                  'reference': evaluate(gt, res, 'keypoints')})
    sigmas = [0.025, 0.05, 0.079, 0.107, 0.089]
    gt, res = make_keypoint_case(seed=11, k=5, n_images=8, with_result_bbox=True)
    cases.append({'name': 'keypoints random, 5 custom sigmas, results with bbox', 'iouType': 'keypoints',
                  'gt': gt, 'results': res, 'options': {'sigmas': sigmas},
                  'reference': evaluate(gt, res, 'keypoints', sigmas=sigmas)})
    meta = {'generator': 'make_coco_reference.py', 'pycocotools': getattr(pycocotools, '__version__', 'unknown'),
            'numpy': np.__version__}
    with open(OUT, 'w') as f:
        json.dump({'meta': meta, 'cases': cases}, f, separators=(',', ':'))
        f.write('\n')
    for c in cases:
        print(c['name'], ['%.4f' % s for s in c['reference']['stats']])


if __name__ == '__main__':
    main()
