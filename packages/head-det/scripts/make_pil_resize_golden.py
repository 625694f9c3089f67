"""
Golden data for head-det's Pillow-exact bilinear resize (the official test transform resizes PIL images with
torchvision F.resize -> PIL.Image.resize(size, BILINEAR)). Pillow 9.4 (Debian python3-pil).
Usage: /usr/bin/python3 scripts/make_pil_resize_golden.py test/fixtures/pil_resize
"""
import os
import sys

import numpy as np
from PIL import Image

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(5)
src = rng.integers(0, 256, size=(37, 53, 3), dtype=np.uint8)
# smooth-ish content too, so rounding paths other than saturation are exercised
yy, xx = np.mgrid[0:37, 0:53]
src[..., 1] = ((np.sin(xx / 5.0) + np.cos(yy / 7.0)) * 60 + 128).astype(np.uint8)
np.save(f"{out}/src.npy", src)
for (h, w) in [(23, 31), (80, 111), (50, 20), (37, 90), (12, 53)]:
    dst = np.asarray(Image.fromarray(src).resize((w, h), Image.BILINEAR))
    np.save(f"{out}/dst_{h}x{w}.npy", dst)
print(Image.__version__ if hasattr(Image, "__version__") else "")
