"""Reference DARK decoding for test/dark.test.ts, from the DarkPose code itself.

Run (from packages/head-pose):
  git clone https://github.com/ilovepose/DarkPose /tmp/DarkPose
  /usr/bin/python3 scripts/make_dark_fixture.py /tmp/DarkPose/lib

Imports `core.inference.get_final_preds` of DarkPose (Zhang et al., CVPR 2020; TEST.BLUR_KERNEL = 11) from the
given lib folder (nothing of it is committed) and decodes the official pose_small heatmaps (output.npy and
output_fliptest.npy) with the pose_small center/scale. Writes test/fixtures/dark/expected.json with
`heatmap_coords` (DarkPose's refined coordinates in heatmap pixels, captured where they enter
transform_preds) and `preds` (DarkPose's image coordinates). DarkPose's transform_preds uses its own
"unbiased" get_affine_transform ((size - 1) instead of size), which matches its own crops, not the official
ones; @hrnetjs/head-pose keeps the official inverse affine, so only `heatmap_coords` are compared.
"""
import json
import os
import sys
import types

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SMALL = os.path.join(HERE, '..', 'test', 'fixtures', 'pose_small')
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'dark')


def main(lib):
    sys.path.insert(0, lib)
    import core.inference as inference  # DarkPose's

    captured = []
    transform_preds = inference.transform_preds

    def capture(coords, *args):
        captured.append(np.array(coords, dtype=np.float64).tolist())
        return transform_preds(coords, *args)

    inference.transform_preds = capture

    meta = json.load(open(os.path.join(SMALL, 'meta.json')))
    center = np.array(meta['decode']['center'], dtype=np.float32)
    scale = np.array(meta['decode']['scale'], dtype=np.float32)
    config = types.SimpleNamespace(TEST=types.SimpleNamespace(BLUR_KERNEL=11))
    out = {'made_by': 'scripts/make_dark_fixture.py', 'darkpose_function': 'lib/core/inference.py get_final_preds (BLUR_KERNEL 11)',
           'center': meta['decode']['center'], 'scale': meta['decode']['scale']}
    for name in ['output', 'output_fliptest']:
        hm = np.load(os.path.join(SMALL, name + '.npy')).astype(np.float32)
        captured.clear()
        preds, maxvals = inference.get_final_preds(config, hm.copy(), center, scale)
        out[name] = {'heatmap_coords': list(captured), 'preds': preds.tolist(), 'maxvals': maxvals.tolist()}
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(out, f, indent=1)


if __name__ == '__main__':
    main(sys.argv[1])
