"""Generate the checkpoint I/O fixtures of @hrnetjs/core (test/fixtures/checkpoints/).

Run with torch 1.13 (Debian python3-torch):  /usr/bin/python3 packages/core/scripts/make_io_fixtures.py
Deterministic values: fixed seeds, so re-running rewrites the same tensors (zip timestamps and the legacy
format's storage keys, which are memory addresses, differ from run to run).

Every fixture has its expected content in expected.json: for each file, the raw keys as stored, the keys after
the default key rules, and each tensor's shape and exact values (float16/bfloat16 widened to float32, int64 as
int). The hostile / broken files are built from raw bytes and are never unpickled here.
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'checkpoints')
os.makedirs(OUT, exist_ok=True)
expected = {}


def values_of(t):
    t = t.detach()
    if t.dtype in (torch.float16, torch.bfloat16, torch.float64, torch.float32):
        return [float(x) for x in t.to(torch.float32).contiguous().reshape(-1).tolist()]
    return [int(x) for x in t.to(torch.int64).contiguous().reshape(-1).tolist()]


def describe(sd, normalized_keys=None):
    raw = list(sd.keys())
    norm = normalized_keys if normalized_keys is not None else default_rules(raw)
    tensors = {}
    for new, old in zip(*norm):
        t = sd[old]
        tensors[new] = {'shape': list(t.shape), 'values': values_of(t)}
    return {'raw_keys': raw, 'keys': norm[0], 'tensors': tensors}


def default_rules(keys):
    """The rules of src/io/keys.ts, restated in Python so the expectation is independent of the TS code."""
    pairs = [(k[len('module.'):] if k.startswith('module.') else k, k) for k in keys]
    if any(k.startswith('model.') for k, _ in pairs) and all(k.startswith(('model.', 'loss.')) for k, _ in pairs):
        pairs = [(k[len('model.'):], o) for k, o in pairs if not k.startswith('loss.')]
    pairs = [(k, o) for k, o in pairs if not (k == 'num_batches_tracked' or k.endswith('.num_batches_tracked'))]
    return [k for k, _ in pairs], [o for _, o in pairs]


def small_net(seed):
    torch.manual_seed(seed)
    net = nn.Sequential(collections.OrderedDict(
        conv1=nn.Conv2d(3, 4, 3, bias=False), bn1=nn.BatchNorm2d(4), head=nn.Conv2d(4, 2, 1)))
    with torch.no_grad():
        net.bn1.running_mean.normal_(0, 0.1)
        net.bn1.running_var.uniform_(0.5, 1.5)
        net.bn1.weight.uniform_(0.5, 1.5)
        net.bn1.bias.normal_(0, 0.1)
        net.bn1.num_batches_tracked.fill_(7)
    return net


def save(obj, name, legacy=False, sd_for_expected=None, note=None):
    path = os.path.join(OUT, name)
    # torch names the zip's top folder after the file: saving under `name` gives stem = name without extension
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    if sd_for_expected is not None:
        expected[name] = describe(sd_for_expected)
        if note:
            expected[name]['note'] = note
    return path


# 1. legacy (pre-1.6) format with DataParallel's `module.` prefix, as the official 2019 HRNet files
dp_sd = collections.OrderedDict(('module.' + k, v) for k, v in small_net(1).state_dict().items())
save(dp_sd, 'legacy_module.pth', legacy=True, sd_for_expected=dp_sd)

# 1b. the same as saved from a GPU model (official releases): torch.cuda.*Storage, location 'cuda:0'.
# No GPU here, so patch the CPU file; protocol 2 has no FRAME lengths, so the strings may change size.
with open(os.path.join(OUT, 'legacy_module.pth'), 'rb') as f:
    cuda_bytes = f.read()
cuda_bytes = cuda_bytes.replace(b'ctorch\nFloatStorage\n', b'ctorch.cuda\nFloatStorage\n')
cuda_bytes = cuda_bytes.replace(b'ctorch\nLongStorage\n', b'ctorch.cuda\nLongStorage\n')
cuda_bytes = cuda_bytes.replace(b'X\x03\x00\x00\x00cpu', b'X\x06\x00\x00\x00cuda:0')
with open(os.path.join(OUT, 'legacy_cuda.pth'), 'wb') as f:
    f.write(cuda_bytes)
assert b'torch.cuda' in cuda_bytes and b'cuda:0' in cuda_bytes
cuda_check = torch.load(os.path.join(OUT, 'legacy_cuda.pth'), map_location='cpu')
assert all(torch.equal(cuda_check[k], dp_sd[k]) for k in dp_sd)
expected['legacy_cuda.pth'] = describe(dp_sd)

# 2. zip with a stem that is neither 'archive' nor 'weights'
plain_sd = small_net(2).state_dict()
zip_path = save(plain_sd, 'zip_other_stem.pth', sd_for_expected=plain_sd)
assert zipfile.ZipFile(zip_path).namelist()[0].startswith('zip_other_stem/')

# 3. the same archive re-packed with DEFLATE entries
with zipfile.ZipFile(zip_path) as src, zipfile.ZipFile(os.path.join(OUT, 'zip_deflated.pth'), 'w', zipfile.ZIP_DEFLATED) as dst:
    for info in src.infolist():
        dst.writestr(info.filename.replace('zip_other_stem/', 'deflated/'), src.read(info.filename))
expected['zip_deflated.pth'] = describe(plain_sd)

# 4. every element type, in both formats
torch.manual_seed(3)
dtypes_sd = collections.OrderedDict([
    ('f16', (torch.randn(2, 3) * 4).half()),
    ('bf16', (torch.randn(5) * 100).bfloat16()),
    ('f64', torch.randn(3, 2, dtype=torch.float64)),
    ('f32', torch.randn(4)),
    ('i64', torch.tensor([0, -5, 123456789, -2147483648], dtype=torch.int64)),
    ('i32', torch.tensor([[1, -2], [3, 2147483647]], dtype=torch.int32)),
    ('u8', torch.tensor([0, 200, 255], dtype=torch.uint8)),
    ('b', torch.tensor([True, False, True])),
    ('scalar', torch.tensor(2.5)),
])
save(dtypes_sd, 'dtypes.pth', sd_for_expected=dtypes_sd)
save(dtypes_sd, 'dtypes_legacy.pth', legacy=True, sd_for_expected=dtypes_sd)

# 5. non-contiguous views sharing one storage (offsets, strides, a stride-0 expand)
base = torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.5
views_sd = collections.OrderedDict([
    ('base', base),
    ('transposed', base.t()),
    ('slice', base[1:3, ::2]),
    ('row', base[2]),
    ('expanded', torch.tensor([[1.5], [-2.0], [3.25]]).expand(3, 4)),
    ('permuted', torch.arange(24, dtype=torch.float64).reshape(2, 3, 4).permute(2, 0, 1)),
])
assert not views_sd['transposed'].is_contiguous()
save(views_sd, 'views.pth', sd_for_expected=views_sd)
save(views_sd, 'views_legacy.pth', legacy=True, sd_for_expected=views_sd)

# 6. training-checkpoint wrappers
net = small_net(4)
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
net(torch.randn(1, 3, 5, 5)).sum().backward()
opt.step()
wrapped_sd = net.state_dict()
save({'epoch': 5, 'model': 'pose_hrnet', 'state_dict': wrapped_sd, 'perf': np.float64(0.731),
      'optimizer': opt.state_dict()}, 'wrapped_state_dict.pth', sd_for_expected=wrapped_sd)
fcos_sd = collections.OrderedDict(('module.backbone.body.' + k, v) for k, v in small_net(5).state_dict().items())
save({'model': fcos_sd, 'iteration': 90000, 'optimizer': opt.state_dict()}, 'wrapped_model_fcos.pth',
     legacy=True, sd_for_expected=fcos_sd)
msd = small_net(6).state_dict()
save({'model_state_dict': msd, 'epoch': 1}, 'wrapped_model_state_dict.pth', sd_for_expected=msd)
save({'encoder': small_net(7).state_dict(), 'decoder': small_net(8).state_dict(), 'step': 3}, 'nested_unknown.pth')

# 7. segmentation FullModel: `model.` + `loss.*`, legacy format like the official releases
seg_sd = collections.OrderedDict([('model.' + k, v) for k, v in small_net(9).state_dict().items()]
                                 + [('loss.criterion.weight', torch.tensor([0.8373, 0.918, 0.866]))])
save(seg_sd, 'seg_fullmodel_legacy.pth', legacy=True, sd_for_expected=seg_sd)

# 8. hostile pickles, written opcode by opcode so that nothing here ever unpickles them
PROTO2, PROTO4 = b'\x80\x02', b'\x80\x04'


def short_unicode(s):
    b = s.encode()
    return b'\x8c' + bytes([len(b)]) + b


def write_zip(name, entries):
    with zipfile.ZipFile(os.path.join(OUT, name), 'w', zipfile.ZIP_STORED) as z:
        for n, data in entries:
            z.writestr(n, data)


# GLOBAL 'posix system' ('echo pwned',) REDUCE — what pickling os.system gives on Linux
os_system = PROTO2 + b'cposix\nsystem\n' + b'X\x0a\x00\x00\x00echo pwned' + b'\x85' + b'R' + b'.'
write_zip('malicious_os_system.pth', [('archive/data.pkl', os_system), ('archive/version', b'3\n')])
# a real-looking state dict whose second value is built by builtins.eval (protocol 4, STACK_GLOBAL)
eval_pickle = (PROTO4 + b'\x95' + struct.pack('<Q', 0) + b'}' + b'\x94' + b'(' + short_unicode('conv.weight')
               + short_unicode('builtins') + b'\x94' + short_unicode('eval') + b'\x94' + b'\x93' + b'\x94'
               + short_unicode("__import__('os').system('echo pwned')") + b'\x85' + b'R' + b'u' + b'.')
legacy_head = (pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2) + pickle.dumps(1001, protocol=2)
               + pickle.dumps({'protocol_version': 1001, 'little_endian': True,
                               'type_sizes': {'short': 2, 'int': 4, 'long': 4}}, protocol=2))
with open(os.path.join(OUT, 'malicious_legacy_eval.pth'), 'wb') as f:
    f.write(legacy_head + eval_pickle)
popen = PROTO2 + b'csubprocess\nPopen\n' + b']' + b'X\x04\x00\x00\x00echo' + b'a' + b'\x85' + b'R' + b'.'
write_zip('malicious_subprocess.pth', [('exploit/data.pkl', popen)])

# 9. broken files
with open(os.path.join(OUT, 'legacy_module.pth'), 'rb') as f:
    legacy_bytes = f.read()
with open(os.path.join(OUT, 'truncated_legacy.pth'), 'wb') as f:
    f.write(legacy_bytes[: int(len(legacy_bytes) * 0.7)])
with open(zip_path, 'rb') as f:
    zip_bytes = f.read()
with open(os.path.join(OUT, 'truncated_zip.pth'), 'wb') as f:
    f.write(zip_bytes[: int(len(zip_bytes) * 0.6)])
with zipfile.ZipFile(zip_path) as src:
    pkl = src.read('zip_other_stem/data.pkl')
    write_zip('truncated_pickle.pth', [(n, pkl[: len(pkl) // 2] if n.endswith('data.pkl') else src.read(n))
                                       for n in src.namelist()])
write_zip('no_pickle.pth', [('archive/data/0', b'\x00' * 16), ('archive/version', b'3\n')])

# 10. safetensors, written by hand (the format is an 8-byte header length, a JSON header, raw data)
torch.manual_seed(10)
st_tensors = collections.OrderedDict([
    ('conv.weight', torch.randn(2, 3, 1, 1)),
    ('half', (torch.randn(4) * 3).half()),
    ('bf', (torch.randn(3) * 50).bfloat16()),
    ('double', torch.randn(2, 2, dtype=torch.float64)),
    ('count', torch.tensor(42, dtype=torch.int64)),
    ('ints', torch.tensor([-7, 8, 9], dtype=torch.int32)),
    ('mask', torch.tensor([True, False])),
    ('10.bias', torch.tensor([0.25, -0.5])),  # integer-like first segment: JSON key order must not matter
])
ST_DT = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float64: 'F64',
         torch.int64: 'I64', torch.int32: 'I32', torch.bool: 'BOOL'}
header, blobs, off = {'__metadata__': {'format': 'pt'}}, [], 0
for k, t in st_tensors.items():
    raw = t.contiguous().view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.contiguous().numpy().tobytes()
    header[k] = {'dtype': ST_DT[t.dtype], 'shape': list(t.shape), 'data_offsets': [off, off + len(raw)]}
    blobs.append(raw)
    off += len(raw)
hb = json.dumps(header).encode()
hb += b' ' * (-len(hb) % 8)
with open(os.path.join(OUT, 'tensors.safetensors'), 'wb') as f:
    f.write(struct.pack('<Q', len(hb)) + hb + b''.join(blobs))
expected['tensors.safetensors'] = describe(st_tensors, normalized_keys=(list(st_tensors), list(st_tensors)))

# 11. .npy files
rng = np.random.default_rng(11)
npys = {
    'float32.npy': rng.standard_normal((2, 3, 4)).astype(np.float32),
    'float64.npy': rng.standard_normal((3, 2)),
    'float16.npy': (rng.standard_normal(5) * 8).astype(np.float16),
    'int64.npy': np.array([[1, -2, 3], [2**31 - 1, -2**31, 0]], dtype=np.int64),
    'int32.npy': np.array([5, -6], dtype=np.int32),
    'bigendian.npy': np.array([1.5, -2.25, 3e-3], dtype='>f4'),
    'scalar.npy': np.array(0.125, dtype=np.float32),
}
for name, a in npys.items():
    np.save(os.path.join(OUT, name), a)
    expected[name] = {'shape': list(a.shape), 'values': [float(x) if a.dtype.kind == 'f' else int(x)
                                                         for x in a.astype(np.float32 if a.dtype.kind == 'f' else np.int64).reshape(-1)]}
np.save(os.path.join(OUT, 'fortran.npy'), np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))

# 12. facts about the official golden weights (copied beside these fixtures), read once
for case in ('pose_small', 'det_fcos_small'):
    sd = torch.load(os.path.join(OUT, case + '.pth'))
    keys = list(sd.keys())
    probe = [keys[0], keys[1], keys[-1]] + [k for k in keys if k.endswith('running_var')][:1]
    expected[case + '.pth'] = {
        'raw_count': len(keys),
        'count': len(default_rules(keys)[0]),
        'first': keys[0], 'last': keys[-1],
        'probes': {k: {'shape': list(sd[k].shape), 'head': values_of(sd[k])[:4], 'tail': values_of(sd[k])[-2:]} for k in probe},
    }

with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT) if n not in ('pose_small.pth', 'det_fcos_small.pth'))
print(f'wrote {len(os.listdir(OUT))} files, {total} bytes of generated fixtures', file=sys.stderr)
