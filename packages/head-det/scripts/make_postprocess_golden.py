"""
Golden data for head-det's post-processing: the official HRNet-FCOS `FCOSPostProcessor`
(maskrcnn_benchmark/modeling/rpn/fcos/inference.py, with structures/bounding_box.py and boxlist_ops.py)
run on the raw per-level outputs of the det_fcos_small fixture (box_cls_L, box_regression_L, centerness_L,
locations_L), for a few option sets. Nothing of the official code is copied here: it is imported from the
checkout given on the command line.

Usage (Debian python3 with torch 1.13):
  git -C <HRNet-FCOS git dir> archive HEAD maskrcnn_benchmark | tar x -C /tmp/hrnet-fcos
  /usr/bin/python3 scripts/make_postprocess_golden.py /tmp/hrnet-fcos test/fixtures/det_fcos_small \
      > test/fixtures/postprocess_golden.json

Shims (the compiled extension is not built):
  * maskrcnn_benchmark._C: only `nms` is used at inference; it is a line-by-line port of csrc/cpu/nms_cpu.cpp
    below (float32, +1 areas, suppress when IoU >= threshold, kept indices ascending). Other entries raise.
  * forward_for_single_feature_map is recompiled from its own source with `candidate_inds.view(N, -1)` ->
    `.reshape(N, -1)` (torch 1.13 refuses the view on the permuted tensor; values are the same).
"""
import inspect
import json
import sys
import textwrap
import types

import numpy as np
import torch

official, fixture = sys.argv[1], sys.argv[2]
sys.path.insert(0, official)


def nms_cpu(dets, scores, threshold):
    if dets.numel() == 0:
        return torch.empty((0,), dtype=torch.int64)
    x1, y1, x2, y2 = [dets[:, k].contiguous() for k in range(4)]
    areas = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = scores.sort(0, descending=True)[1]
    n = dets.size(0)
    suppressed = torch.zeros(n, dtype=torch.uint8)
    thr = torch.tensor(threshold, dtype=torch.float32)
    for _i in range(n):
        i = order[_i]
        if suppressed[i] == 1:
            continue
        for _j in range(_i + 1, n):
            j = order[_j]
            if suppressed[j] == 1:
                continue
            xx1 = torch.max(x1[i], x1[j])
            yy1 = torch.max(y1[i], y1[j])
            xx2 = torch.min(x2[i], x2[j])
            yy2 = torch.min(y2[i], y2[j])
            w = torch.clamp(xx2 - xx1 + 1, min=0)
            h = torch.clamp(yy2 - yy1 + 1, min=0)
            inter = w * h
            ovr = inter / (areas[i] + areas[j] - inter)
            if ovr >= thr:
                suppressed[j] = 1
    return torch.nonzero(suppressed == 0).squeeze(1)


class _CStub(types.ModuleType):
    nms = staticmethod(nms_cpu)

    def __getattr__(self, name):
        def unavailable(*_a, **_k):
            raise RuntimeError(f"_C.{name} is not available in this shim")
        return unavailable


sys.modules["maskrcnn_benchmark._C"] = _CStub("maskrcnn_benchmark._C")
import maskrcnn_benchmark  # noqa: E402
maskrcnn_benchmark._C = sys.modules["maskrcnn_benchmark._C"]
from maskrcnn_benchmark.modeling.rpn.fcos import inference  # noqa: E402

src = textwrap.dedent(inspect.getsource(inference.FCOSPostProcessor.forward_for_single_feature_map))
assert "candidate_inds.view(N, -1)" in src
ns = {}
exec(compile(src.replace("candidate_inds.view(N, -1)", "candidate_inds.reshape(N, -1)"), inference.__file__, "exec"), inference.__dict__, ns)
inference.FCOSPostProcessor.forward_for_single_feature_map = ns["forward_for_single_feature_map"]

load = lambda name: torch.from_numpy(np.load(f"{fixture}/{name}.npy"))
L = 5
locations = [load(f"locations_{l}") for l in range(L)]
box_cls = [load(f"box_cls_{l}") for l in range(L)]
box_reg = [load(f"box_regression_{l}") for l in range(L)]
ctr = [load(f"centerness_{l}") for l in range(L)]

cases = [
    # official defaults; the image is smaller than the padded 128x160 input, so clipping bites
    dict(name="defaults", image_size=[120, 150], pre_nms_thresh=0.05, pre_nms_top_n=1000, nms_thresh=0.6, fpn_post_nms_top_n=100),
    # a small pre-NMS top-k (per level) and a tighter NMS
    dict(name="topk", image_size=[128, 160], pre_nms_thresh=0.05, pre_nms_top_n=40, nms_thresh=0.3, fpn_post_nms_top_n=30),
    # NMS off (threshold 0), no final cut
    dict(name="no_nms", image_size=[100, 140], pre_nms_thresh=0.2, pre_nms_top_n=1000, nms_thresh=0.0, fpn_post_nms_top_n=0),
    # the whole 128x160 input is the image (the end-to-end detector test feeds the fixture input as pixels)
    dict(name="full_image", image_size=[128, 160], pre_nms_thresh=0.05, pre_nms_top_n=1000, nms_thresh=0.6, fpn_post_nms_top_n=100),
    # nothing passes
    dict(name="empty", image_size=[128, 160], pre_nms_thresh=0.999, pre_nms_top_n=1000, nms_thresh=0.6, fpn_post_nms_top_n=100),
]
out = []
with torch.no_grad():
    for c in cases:
        pp = inference.FCOSPostProcessor(
            pre_nms_thresh=c["pre_nms_thresh"], pre_nms_top_n=c["pre_nms_top_n"], nms_thresh=c["nms_thresh"],
            fpn_post_nms_top_n=c["fpn_post_nms_top_n"], min_size=0, num_classes=81,
        )
        n_cand = [int((b.sigmoid() > c["pre_nms_thresh"]).sum()) for b in box_cls]
        res = pp(locations, box_cls, box_reg, ctr, [tuple(c["image_size"])])[0]
        out.append(dict(
            **c,
            candidates_per_level=n_cand,
            boxes=res.bbox.tolist(),
            scores=res.get_field("scores").tolist(),
            labels=res.get_field("labels").tolist(),
        ))
        print(c["name"], "candidates", n_cand, "->", len(res), file=sys.stderr)
json.dump(dict(source="HRNet/HRNet-FCOS @ a1feaa3 FCOSPostProcessor on det_fcos_small raw outputs (scripts/make_postprocess_golden.py)", cases=out), sys.stdout)
