"""Golden data for core's layers: each case runs a torch.nn layer (eval mode) on a random input and stores
input, state dict and output (NCHW, flattened) in test/fixtures/nn/layers.json.
Run with Debian's python3-torch:  /usr/bin/python3 scripts/make_nn_fixtures.py"""
import json, os
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
cases = []

def randomize(m):
    for name, t in m.state_dict().items():
        if name.endswith('num_batches_tracked'):
            continue
        if name.endswith('running_var') or (name.endswith('weight') and t.dim() == 1):
            t.copy_(torch.rand_like(t) + 0.5)
        else:
            t.copy_(torch.randn_like(t) * 0.5)

def add(name, module, x, fn=None, **extra):
    if module is not None:
        randomize(module)
        module.eval()
    with torch.no_grad():
        y = fn(x) if fn is not None else module(x)
    sd = {} if module is None else {k: {'shape': list(v.shape), 'data': v.flatten().tolist()}
                                   for k, v in module.state_dict().items() if not k.endswith('num_batches_tracked')}
    cases.append({'name': name, 'input': {'shape': list(x.shape), 'data': x.flatten().tolist()},
                  'state_dict': sd, 'output': {'shape': list(y.shape), 'data': y.flatten().tolist()}, **extra})

x = torch.randn(2, 6, 9, 8)
add('conv3x3_s1_p1', nn.Conv2d(6, 4, 3, 1, 1, bias=False), x, kernel=3, stride=1, padding=1, dilation=1, groups=1, bias=False)
add('conv3x3_s2_p1_bias', nn.Conv2d(6, 5, 3, 2, 1, bias=True), x, kernel=3, stride=2, padding=1, dilation=1, groups=1, bias=True)
add('conv3x3_dil2_p2', nn.Conv2d(6, 4, 3, 1, 2, dilation=2, bias=True), x, kernel=3, stride=1, padding=2, dilation=2, groups=1, bias=True)
add('conv3x3_groups2', nn.Conv2d(6, 4, 3, 1, 1, groups=2, bias=True), x, kernel=3, stride=1, padding=1, dilation=1, groups=2, bias=True)
add('conv3x3_depthwise', nn.Conv2d(6, 6, 3, 2, 1, groups=6, bias=False), x, kernel=3, stride=2, padding=1, dilation=1, groups=6, bias=False)
add('conv1x1', nn.Conv2d(6, 3, 1, bias=True), x, kernel=1, stride=1, padding=0, dilation=1, groups=1, bias=True)
add('batchnorm', nn.BatchNorm2d(6), x)
add('groupnorm', nn.GroupNorm(3, 6), x)
add('conv_bn_relu', nn.Sequential(nn.Conv2d(6, 4, 3, 2, 1, bias=False), nn.BatchNorm2d(4), nn.ReLU()), x)
add('linear', nn.Linear(6, 3), torch.randn(4, 6))
small = torch.randn(1, 3, 5, 7)
add('bilinear_align_false', None, small, fn=lambda t: F.interpolate(t, size=(11, 9), mode='bilinear', align_corners=False), size=[11, 9], align_corners=False)
add('bilinear_align_true', None, small, fn=lambda t: F.interpolate(t, size=(11, 9), mode='bilinear', align_corners=True), size=[11, 9], align_corners=True)
add('bilinear_down_align_false', None, torch.randn(1, 2, 16, 12), fn=lambda t: F.interpolate(t, size=(5, 7), mode='bilinear', align_corners=False), size=[5, 7], align_corners=False)
add('nearest_x4', None, small, fn=lambda t: nn.Upsample(scale_factor=4, mode='nearest')(t), factor=4)
add('global_avg_pool', None, x, fn=lambda t: F.adaptive_avg_pool2d(t, 1).flatten(1))

out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'nn', 'layers.json')
with open(out, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f)
print('wrote', out, len(cases), 'cases')
