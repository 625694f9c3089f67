"""Golden data for the ImageNet classifier, made by running the official HRNet-Image-Classification code.

Usage: /usr/bin/python3 scripts/make_cls_golden.py <checkout of HRNet/HRNet-Image-Classification>

The classification head is hard-coded at full size (≈10 M parameters), too large to commit as a weights file,
so the weights are defined by a formula both sides compute exactly (see `formula` here and
test/formula-weights.ts): a Park–Miller generator (state ← state·48271 mod 2³¹−1, exact in float64) seeded
from the key, giving uniform values in [−1, 1) scaled per kind so activations stay in range and every
BatchNorm term matters. Writes test/fixtures/cls_small/{input,output}.json.
"""
import json, math, os, sys
import numpy as np
import torch
import yaml

repo = sys.argv[1]
sys.path.insert(0, os.path.join(repo, 'lib', 'models'))
import cls_hrnet  # noqa: E402  (the official model file, read from the given checkout; not committed here)

here = os.path.dirname(os.path.abspath(__file__))
fixture = os.path.join(here, '..', 'test', 'fixtures', 'cls_small')
cfg = yaml.safe_load(open(os.path.join(fixture, 'config.yaml')))


def seed(key):
    h = 0
    for c in key:
        h = (h * 31 + ord(c)) % 2147483647
    return h or 1


def uniform(key, n):
    """n values in [-1, 1) from the Park-Miller sequence seeded by the key."""
    out = np.empty(n, dtype=np.float64)
    state = seed(key)
    for i in range(n):
        state = (state * 48271) % 2147483647
        out[i] = state / 2147483647 * 2 - 1
    return out


def formula(key, shape):
    n = int(np.prod(shape)) if len(shape) else 1
    u = uniform(key, n)
    if key.endswith('running_var') or (len(shape) == 1 and key.endswith('weight')):
        v = 1.0 + 0.5 * u  # BatchNorm variance and gamma in [0.5, 1.5)
    elif key.endswith('running_mean') or key.endswith('bias'):
        v = 0.1 * u
    else:  # conv / linear weight: variance 1/fan_in (uniform on [-a, a) has variance a²/3)
        fan_in = int(np.prod(shape[1:]))
        v = math.sqrt(3.0 / fan_in) * u
    return v.astype(np.float32).reshape(shape)


model = cls_hrnet.HighResolutionNet(cfg)
sd = model.state_dict()
with torch.no_grad():
    for k, t in sd.items():
        if k.endswith('num_batches_tracked'):
            continue
        t.copy_(torch.from_numpy(formula(k, tuple(t.shape))))
model.eval()
torch.manual_seed(3)
x = torch.randn(1, 3, 64, 64)
with torch.no_grad():
    y = model(x)
json.dump({'shape': list(x.shape), 'data': x.flatten().tolist()}, open(os.path.join(fixture, 'input.json'), 'w'))
json.dump({'shape': list(y.shape), 'data': y.flatten().tolist(), 'torch': torch.__version__,
           'source': 'HRNet-Image-Classification lib/models/cls_hrnet.py HighResolutionNet(cfg), eval mode',
           'num_keys': len(sd), 'top5': torch.topk(y, 5).indices[0].tolist()},
          open(os.path.join(fixture, 'output.json'), 'w'))
print('keys', len(sd), 'logits', y.shape, 'max', y.abs().max().item(), 'std', y.std().item())
