"""Golden data for core/image: cv2.warpAffine (INTER_LINEAR, zero border) of a smooth float image with a
rotated, scaled map, as the official pose and face crops use. Run: /usr/bin/python3 scripts/make_image_fixtures.py"""
import json, os
import numpy as np
import cv2

h, w = 24, 32
yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
img = np.stack([xx * 7 + yy * 3, 200 - yy * 5, 50 + 40 * np.sin(xx / 4)], axis=-1).astype(np.float32)
# image -> crop: rotate 30 degrees about (15, 11), scale 0.8, into a 20x16 crop centred at (8, 10)
rot, s = np.deg2rad(30), 0.8
c, sn = np.cos(rot) * s, np.sin(rot) * s
M = np.array([[c, -sn, 0], [sn, c, 0]], dtype=np.float64)
M[:, 2] = np.array([8, 10]) - M[:, :2] @ np.array([15, 11])
crop = cv2.warpAffine(img, M, (16, 20), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'image', 'warp_affine.json')
json.dump({'cv2': cv2.__version__, 'image': {'shape': [h, w, 3], 'data': img.flatten().tolist()},
           'matrix': M.flatten().tolist(), 'crop': {'shape': list(crop.shape), 'data': crop.flatten().tolist()}}, open(out, 'w'))
print('wrote', out)
