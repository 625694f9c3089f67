"""
A tiny checkpoint in the layout of the released HRNet-FCOS files: tools/train_net.py trains under
DistributedDataParallel and Checkpointer.save writes {"model": state_dict (keys "module." + key), "optimizer",
"scheduler", "iteration"} in torch's legacy (pre-1.6) pickle format. Only a few small rpn.head tensors of the
det_fcos_small weights are kept, so the file stays small.
Usage: /usr/bin/python3 scripts/make_wrapped_checkpoint.py test/fixtures/det_fcos_small/weights.pth test/fixtures/wrapped_head_subset.pth
"""
import sys
from collections import OrderedDict

import torch

sd = torch.load(sys.argv[1], map_location="cpu")
keep = [k for k in sd if k.startswith("rpn.head.scales.") or k.startswith("rpn.head.centerness.") or k.startswith("rpn.head.bbox_pred.")]
model = OrderedDict(("module." + k, sd[k].clone()) for k in keep)
obj = {"model": model, "optimizer": {"state": {}, "param_groups": [{"lr": 0.01, "params": [0, 1]}]}, "scheduler": {"last_epoch": 5}, "iteration": 5}
torch.save(obj, sys.argv[2], _use_new_zipfile_serialization=False)
print(len(keep), "keys")
