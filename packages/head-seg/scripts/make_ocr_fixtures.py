"""
Golden data for head-seg's HRNetV2 + OCR network and for the official test pipeline, computed by the
OFFICIAL code of HRNet/HRNet-Semantic-Segmentation (branch HRNet-OCR): lib/models/seg_hrnet_ocr.py
(`get_seg_model`) and lib/datasets/base_dataset.py (`BaseDataset.inference`, `multi_scale_inference`).
No official code is copied here: it is imported from the checkout given on the command line.

    git -C <HRNet-Semantic-Segmentation> archive HRNet-OCR lib | tar -x -C /tmp/hrseg
    /usr/bin/python3 scripts/make_ocr_fixtures.py /tmp/hrseg test/fixtures/configs/seg_ocr_small.yaml test/fixtures/seg_ocr_small

(Debian's /usr/bin/python3: torch 1.13, numpy 1.24, cv2, PyYAML.) Shims, none of which changes a number:
- `torch.nn.SyncBatchNorm` → `torch.nn.BatchNorm2d` (bn_helper picks SyncBatchNorm, which needs a GPU; in
  eval mode both compute the same affine map);
- `np.int` → `int` (removed in numpy 1.24; the official code uses it for sizes);
- `Tensor.cuda()` → identity (the pipeline moves its accumulators to the GPU);
- yacs is absent, so the config is the YAML merged over the `_C` defaults the code reads (listed below);
  `from config import config` in base_dataset.py gets that object.

Weights: deterministic random values as /work/shared/fixtures/official/README.md describes (conv W ~ N(0,
1/fan_in), biases ~ N(0, 0.1²); BatchNorm running_mean ~ N(0, 0.1²), running_var ~ U(0.5, 1.5), weight ~
U(0.5, 1.5), bias ~ N(0, 0.1²)), saved in the TRAINING format of the official `FullModel` (every key `model.`
+ the loss's `loss.criterion.weight` class weights), legacy (pre-zip) pickle like the released
`*_torch11.pth` files.

Writes to the output folder:
- weights.pth; config.yaml (copy of the input config);
- input.npy (1x3x72x100, normalised, NCHW; 72x100 is not a multiple of 32), output_aux.npy and output.npy
  (the two outputs of `model(input)`: aux_head and cls_head logits, 1x19x18x25); output_fp64.npy (cls_head
  logits of the same weights run in float64, rounded to float32: the float32 noise yardstick);
- pipeline_image.npy (50x90x3 uint8 RGB pixels), pipeline_scores.npy (1x19x50x90): the official
  `multi_scale_inference(scales=[0.5, 1.0, 1.25], flip=True)` of a `BaseDataset(base_size=90,
  crop_size=(40, 56))` on that image (BGR → input_transform as cv2 reads it), i.e. per scale: resize (cv2
  bilinear), pad with black, 2/3-overlap sliding windows, exp(flip-averaged upsampled logits) averaged
  over windows, resized back, summed over scales;
- meta.json: shapes, statistics, settings, float64 noise.
"""
import importlib.util
import json
import os
import shutil
import sys
import types

import numpy as np
import torch
import yaml

lib, config_path, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
lib = os.path.join(lib, 'lib') if os.path.isdir(os.path.join(lib, 'lib')) else lib
os.makedirs(out_dir, exist_ok=True)

np.int = int  # noqa: the official code predates numpy 1.24
torch.nn.SyncBatchNorm = torch.nn.BatchNorm2d
torch.Tensor.cuda = lambda self, *a, **k: self


class Node(dict):
    """Attribute access over nested dicts, enough of yacs' CfgNode for the code paths used."""

    def __getattr__(self, k):
        try:
            return self[k]
        except KeyError as e:
            raise AttributeError(k) from e


def to_node(d):
    return Node({k: to_node(v) for k, v in d.items()}) if isinstance(d, dict) else d


def merge(base, new):
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = v
    return base


# the `_C` defaults of lib/config/default.py that the model and the pipeline read
defaults = {
    'MODEL': {'NAME': 'seg_hrnet', 'PRETRAINED': '', 'ALIGN_CORNERS': True, 'NUM_OUTPUTS': 1, 'EXTRA': {},
              'OCR': {'MID_CHANNELS': 512, 'KEY_CHANNELS': 256, 'DROPOUT': 0.05, 'SCALE': 1}},
    'DATASET': {'NUM_CLASSES': 19},
    'TEST': {'OUTPUT_INDEX': -1},
}
with open(config_path) as f:
    cfg = to_node(merge(defaults, yaml.safe_load(f)))

sys.path.insert(0, lib)
config_module = types.ModuleType('config')
config_module.config = cfg
sys.modules['config'] = config_module


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


import models.seg_hrnet_ocr as seg_hrnet_ocr  # noqa: E402  (official, from the checkout)

base_dataset = load('base_dataset', os.path.join(lib, 'datasets', 'base_dataset.py'))


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) / fan_in ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
            elif isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=g) + 0.5)
                m.weight.copy_(torch.rand(c, generator=g) + 0.5)
                m.bias.copy_(torch.randn(c, generator=g) * 0.1)


model = seg_hrnet_ocr.get_seg_model(cfg)
randomize(model, 21)
model.eval()

# FullModel's state_dict: `model.` + the network, `loss.` + the criterion (CrossEntropy's class weights)
sd = {f'model.{k}': v for k, v in model.state_dict().items()}
sd['loss.criterion.weight'] = torch.rand(cfg.DATASET.NUM_CLASSES, generator=torch.Generator().manual_seed(3)) + 0.5
torch.save(sd, os.path.join(out_dir, 'weights.pth'), _use_new_zipfile_serialization=False)
shutil.copy(config_path, os.path.join(out_dir, 'config.yaml'))

torch.manual_seed(22)
x = torch.randn(1, 3, 72, 100)
with torch.no_grad():
    aux, out = model(x)
    model64 = seg_hrnet_ocr.get_seg_model(cfg).double()
    model64.load_state_dict(model.state_dict())
    model64.eval()
    aux64, out64 = model64(x.double())
np.save(os.path.join(out_dir, 'input.npy'), x.numpy())
np.save(os.path.join(out_dir, 'output_aux.npy'), aux.numpy())
np.save(os.path.join(out_dir, 'output.npy'), out.numpy())
# the same network in float64 (stored as float32): how far float32 arithmetic itself lands from the exact map
np.save(os.path.join(out_dir, 'output_fp64.npy'), out64.numpy().astype(np.float32))

# the official test pipeline on raw pixels
rng = np.random.default_rng(23)
rgb = rng.integers(0, 256, (50, 90, 3), dtype=np.uint8)
# a smooth image (random pixels make every class a near-tie): low-frequency pattern + a little noise
yy, xx = np.mgrid[0:50, 0:90]
for c in range(3):
    rgb[..., c] = np.clip(128 + 90 * np.sin(xx / (7 + 3 * c) + c) * np.cos(yy / (9 - 2 * c)) + rng.normal(0, 8, (50, 90)), 0, 255).astype(np.uint8)
np.save(os.path.join(out_dir, 'pipeline_image.npy'), rgb)
ds = base_dataset.BaseDataset(ignore_label=255, base_size=90, crop_size=(40, 56))
ds.num_classes = cfg.DATASET.NUM_CLASSES
bgr = rgb[:, :, ::-1].copy()  # what cv2.imread gives; input_transform flips it back to RGB
image = torch.from_numpy(ds.input_transform(bgr).transpose((2, 0, 1))[None].copy())
scales = [0.5, 1.0, 1.25]
with torch.no_grad():
    scores = ds.multi_scale_inference(cfg, model, image, scales=scales, flip=True)
np.save(os.path.join(out_dir, 'pipeline_scores.npy'), scores.numpy().astype(np.float32))
labels = scores.argmax(1)[0].numpy()
top2 = torch.topk(torch.log(scores), 2, dim=1).values[0]

meta = {
    'case': 'seg_ocr_small',
    'official_repo': 'HRNet/HRNet-Semantic-Segmentation @ branch HRNet-OCR',
    'model': 'lib/models/seg_hrnet_ocr.py get_seg_model(cfg) -> [aux_head logits, cls_head logits]',
    'pipeline': 'lib/datasets/base_dataset.py BaseDataset.multi_scale_inference',
    'align_corners': bool(cfg.MODEL.ALIGN_CORNERS),
    'num_classes': cfg.DATASET.NUM_CLASSES,
    'ocr': {'mid_channels': cfg.MODEL.OCR.MID_CHANNELS, 'key_channels': cfg.MODEL.OCR.KEY_CHANNELS},
    'weights_format': 'legacy torch pickle; keys model.* (network) + loss.criterion.weight',
    'torch_version': torch.__version__,
    'numpy_version': np.__version__,
    'input_shape': list(x.shape),
    'output_shape': list(out.shape),
    'output_max_abs': float(out.abs().max()),
    'output_aux_max_abs': float(aux.abs().max()),
    'max_rel_diff_fp32_vs_fp64_of_maxabs': float((out.double() - out64).abs().max() / out64.abs().max()),
    'aux_max_rel_diff_fp32_vs_fp64_of_maxabs': float((aux.double() - aux64).abs().max() / aux64.abs().max()),
    'param_count': sum(p.numel() for p in model.parameters()),
    'state_dict_num_keys': len(model.state_dict()),
    'pipeline_settings': {'base_size': 90, 'crop_size_hw': [40, 56], 'stride_hw': [26, 37], 'scales': scales, 'flip': True,
                          'pad_value': 'black pixels (-mean/std after normalisation)', 'image_hw': [50, 90]},
    'pipeline_scores_log_max_abs': float(torch.log(scores).abs().max()),
    'pipeline_min_top1_top2_log_gap': float((top2[0] - top2[1]).min()),
    'pipeline_label_histogram': np.bincount(labels.ravel(), minlength=cfg.DATASET.NUM_CLASSES).tolist(),
}
with open(os.path.join(out_dir, 'meta.json'), 'w') as f:
    json.dump(meta, f, indent=1)
print(json.dumps(meta, indent=1))
