"""
Reference cases for face-align's geometry and decoding, computed by the OFFICIAL code of
HRNet/HRNet-Facial-Landmark-Detection (lib/utils/transforms.py, lib/core/evaluation.py). No official code is
copied here: it is imported from the checkout given on the command line.

    /usr/bin/python3 scripts/make_official_cases.py /path/to/HRNet-Facial-Landmark-Detection test/fixtures/official_cases.json

(Debian's /usr/bin/python3 with torch 1.13 and numpy; scipy is stubbed when absent: transforms.py imports
scipy.misc only for crop()'s imresize, which is not called.)
Writes: transform_pixel (forward and inverse, float32 centres as the datasets give them, float64 scales),
the integer crop box of `crop()` (ul, br from transform_pixel on [0, 0] and output_size), and decode_preds on
random heatmaps (with ties to the quarter shift and masked maps) for random center/scale.
"""
import importlib.util
import json
import math
import sys
import types

import numpy as np
import torch

root = sys.argv[1]
out_path = sys.argv[2]


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


# transforms.py imports scipy.misc for crop()'s imresize only, which no function called here uses
try:
    import scipy.misc  # noqa: F401
except ImportError:
    sys.modules['scipy'] = types.ModuleType('scipy')
    sys.modules['scipy.misc'] = types.ModuleType('scipy.misc')
    sys.modules['scipy'].misc = sys.modules['scipy.misc']

# a package shell so that evaluation.py's `from ..utils.transforms import transform_preds` resolves
for pkg in ['hrnetface', 'hrnetface.utils', 'hrnetface.core']:
    sys.modules[pkg] = types.ModuleType(pkg)
    sys.modules[pkg].__path__ = []
transforms = load('hrnetface.utils.transforms', f'{root}/lib/utils/transforms.py')
evaluation = load('hrnetface.core.evaluation', f'{root}/lib/core/evaluation.py')

rng = np.random.default_rng(5)
cases = {'source': 'HRNet/HRNet-Facial-Landmark-Detection lib/utils/transforms.py, lib/core/evaluation.py',
         'transform_pixel': [], 'crop_box': [], 'decode': []}

for i in range(200):
    center = torch.Tensor([rng.uniform(-50, 600), rng.uniform(-50, 600)])  # float32 like the datasets
    scale = float(rng.uniform(0.2, 4.0)) * 1.25
    res = [int(rng.choice([64, 16, 256])), 0]
    res[1] = res[0]
    pt = [float(np.float32(rng.uniform(-10, 700))), float(np.float32(rng.uniform(-10, 700)))]
    if i % 4 == 0:  # quarter-pixel heatmap positions, as decode_preds feeds them
        pt = [rng.integers(0, res[0] + 1) + rng.choice([-0.25, 0, 0.25]) + 0.5 for _ in range(2)]
    invert = int(i % 2)
    r = transforms.transform_pixel(pt, center, scale, res, invert=invert)
    cases['transform_pixel'].append({'pt': pt, 'center': center.tolist(), 'scale': scale, 'res': res,
                                     'invert': invert, 'out': [int(r[0]), int(r[1])]})

for i in range(100):
    center = torch.Tensor([rng.uniform(0, 640), rng.uniform(0, 480)])
    scale = float(rng.uniform(0.1, 2.5)) * 1.25
    size = [256, 256]
    ul = transforms.transform_pixel([0, 0], center, scale, size, invert=1)
    br = transforms.transform_pixel(size, center, scale, size, invert=1)
    cases['crop_box'].append({'center': center.tolist(), 'scale': scale, 'size': size,
                              'ul': [int(v) for v in ul], 'br': [int(v) for v in br]})

for i in range(15):
    n, k, res = 2, 7, [16, 16]
    # 3 decimals keep the JSON small; the float64 values round to the same float32 in numpy and in JS
    values = np.round(rng.normal(0, 1, (n, k, res[1], res[0])), 3)
    hm = torch.from_numpy(values.astype(np.float32))
    if i % 3 == 0:
        hm[0, 0] = -torch.abs(hm[0, 0])  # a map with no positive value: masked to (0, 0)
    if i % 5 == 0:
        # a plateau around the peak: neighbour differences of 0 give a zero shift
        hm[1, 1] = 0
        hm[1, 1, 5, 5] = 2
    center = torch.Tensor(np.stack([rng.uniform(50, 500, n), rng.uniform(50, 500, n)], 1).astype(np.float32))
    scale = torch.from_numpy(rng.uniform(0.3, 3.0, n) * 1.25)  # float64, as the data loader collates it
    preds = evaluation.decode_preds(hm.clone(), center, scale, res)
    cases['decode'].append({'shape_nkhw': [n, k, res[1], res[0]], 'heatmaps': np.round(hm.numpy().astype(np.float64), 3).ravel().tolist(),
                            'center': center.tolist(), 'scale': scale.tolist(), 'res': res,
                            'preds': preds.numpy().tolist()})

with open(out_path, 'w') as f:
    json.dump(cases, f)
print('wrote', out_path, {k: len(v) for k, v in cases.items() if isinstance(v, list)})
