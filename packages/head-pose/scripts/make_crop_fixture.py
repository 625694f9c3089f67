"""Reference crops from OpenCV for the crop-parity test (test/crop.test.ts).

Run: /usr/bin/python3 scripts/make_crop_fixture.py  (from packages/head-pose; needs numpy and cv2)

The official pipeline (deep-high-resolution-net.pytorch lib/dataset/JointsDataset.py) reads a uint8 image with
cv2.imread, converts BGR->RGB, and crops with cv2.warpAffine(img, trans, size, flags=INTER_LINEAR) where
trans = get_affine_transform(center, scale, 0, IMAGE_SIZE) and (center, scale) = COCODataset._xywh2cs(box).
This script re-states those few lines (no official code is imported) and stores the inputs and the crops
OpenCV makes, both from the uint8 image (what the official code feeds the network) and from a float32 copy
(no rounding of the result), so the test can tell rounding from interpolation differences.
"""
import json
import os

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'crop')
SAMPLE = os.path.join(HERE, '..', 'test', 'fixtures', 'samples', 'people_6.jpg')
IMAGE_SIZE = (96, 128)  # MODEL.IMAGE_SIZE of pose_small: width, height
ASPECT = IMAGE_SIZE[0] / IMAGE_SIZE[1]


def xywh2cs(x, y, w, h):
    center = np.zeros((2,), dtype=np.float32)
    center[0] = x + w * 0.5
    center[1] = y + h * 0.5
    if w > ASPECT * h:
        h = w * 1.0 / ASPECT
    elif w < ASPECT * h:
        w = h * ASPECT
    scale = np.array([w * 1.0 / 200, h * 1.0 / 200], dtype=np.float32) * 1.25
    return center, scale


def get_3rd_point(a, b):
    d = a - b
    return b + np.array([-d[1], d[0]], dtype=np.float32)


def affine(center, scale, output_size):
    src_w = scale[0] * 200.0
    dst_w, dst_h = output_size
    src = np.zeros((3, 2), dtype=np.float32)
    dst = np.zeros((3, 2), dtype=np.float32)
    src[0, :] = center
    src[1, :] = center + np.array([0, src_w * -0.5])
    dst[0, :] = [dst_w * 0.5, dst_h * 0.5]
    dst[1, :] = np.array([dst_w * 0.5, dst_h * 0.5]) + np.array([0, dst_w * -0.5], np.float32)
    src[2:, :] = get_3rd_point(src[0, :], src[1, :])
    dst[2:, :] = get_3rd_point(dst[0, :], dst[1, :])
    return cv2.getAffineTransform(np.float32(src), np.float32(dst))


def main():
    os.makedirs(OUT, exist_ok=True)
    bgr = cv2.imread(SAMPLE, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    # a smaller copy keeps the fixture small; it is the "image" of the test
    rgb = cv2.cvtColor(cv2.resize(bgr, (200, 150), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    # boxes [x, y, w, h]: inside, wider than the aspect, taller, partly outside, tiny (upsampling a lot)
    boxes = [[60.0, 20.0, 50.0, 110.0], [10.5, 40.25, 120.0, 60.0], [150.0, -20.0, 80.0, 100.0], [90.3, 70.7, 7.0, 9.0]]
    crops_u8, crops_f32, transforms = [], [], []
    for b in boxes:
        c, s = xywh2cs(*b)
        t = affine(c, s, IMAGE_SIZE)
        transforms.append(t.reshape(-1).tolist())
        crops_u8.append(cv2.warpAffine(rgb, t, IMAGE_SIZE, flags=cv2.INTER_LINEAR))
        crops_f32.append(cv2.warpAffine(rgb.astype(np.float32), t, IMAGE_SIZE, flags=cv2.INTER_LINEAR))
    np.save(os.path.join(OUT, 'image.npy'), rgb)
    np.save(os.path.join(OUT, 'crops_uint8.npy'), np.stack(crops_u8))
    np.save(os.path.join(OUT, 'crops_float.npy'), np.stack(crops_f32))
    meta = {
        'made_by': 'scripts/make_crop_fixture.py',
        'opencv': cv2.__version__,
        'image': 'people_6.jpg resized to 200x150 (INTER_AREA), RGB uint8, HxWx3',
        'image_size_wh': IMAGE_SIZE,
        'boxes_xywh': boxes,
        'image_to_crop_affine': transforms,
    }
    with open(os.path.join(OUT, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1)


if __name__ == '__main__':
    main()
