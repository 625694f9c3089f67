/**
 * The PyTorch reference of the engine table: the same network exported by `torch.onnx.export` (the tool
 * `torch_onnx_reference.py` of the project's shared tools, run with a Python that has torch and onnx), written
 * once into the cache folder and reused. Never needed in CI: without the tool or torch the torch columns say
 * why they are empty.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchModelSpec } from './models.js';

const TOOL = 'torch_onnx_reference.py';

export interface TorchReference {
  python: string;
  tool: string;
  configs: string;
}

export interface TorchFiles {
  onnx: string;
  /** State dict with the official keys (loaded into our network, so both files hold the same weights). */
  pth: string;
  /** The tool's fixed input (NCHW float32) and PyTorch's first output on it. */
  input: string;
  output: string;
}

/** The tool and a Python with torch, or the reason why there is no reference. */
export function findTorchReference(): TorchReference | string {
  const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
  const candidates = [process.env.HRNET_TORCH_TOOL, join(repo, '../shared/tools', TOOL), join(repo, '../../shared/tools', TOOL)].filter(
    (p): p is string => !!p,
  );
  const tool = candidates.find((p) => existsSync(p));
  if (!tool) return `no ${TOOL} (looked for ${candidates.join(', ')}; set HRNET_TORCH_TOOL)`;
  const python = process.env.HRNET_PYTHON ?? '/usr/bin/python3';
  if (!existsSync(python)) return `no Python at ${python} (set HRNET_PYTHON)`;
  const probe = spawnSync(python, ['-c', 'import torch, onnx'], { encoding: 'utf8', timeout: 120_000 });
  if (probe.status !== 0) return `${python} cannot import torch and onnx (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()})`;
  return { python, tool, configs: join(dirname(tool), '../configs/official') };
}

/** The reference files of one network at one input size, made on first use (minutes for the big ones). */
export function torchFiles(ref: TorchReference, spec: BenchModelSpec, size: [number, number], cacheDir: string, log: (l: string) => void): TorchFiles | string {
  if (!spec.torch) return 'the reference tool builds HRNet pose/seg/face/cls only';
  const config = join(ref.configs, spec.torch.config);
  if (!existsSync(config)) return `no ${config}`;
  const dir = join(cacheDir, 'bench', 'torch-ref', `${spec.id}-${size[0]}x${size[1]}`);
  const name = spec.torch.config.replace(/\.yaml$/, '');
  const files: TorchFiles = {
    onnx: join(dir, `${name}.torch.onnx`),
    pth: join(dir, `${name}.pth`),
    input: join(dir, `${name}.in.f32`),
    output: join(dir, `${name}.out.f32`),
  };
  if (Object.values(files).every((f) => existsSync(f))) return files;
  mkdirSync(dir, { recursive: true });
  log(`torch reference for ${spec.label} ${size.join('x')}: running ${ref.tool} (once; cached in ${dir})`);
  const r = spawnSync(ref.python, [ref.tool, dir, '--config', config, '--task', spec.torch.task, '--size', `${size[0]}x${size[1]}`], {
    encoding: 'utf8',
    timeout: 900_000,
  });
  if (r.status !== 0 || !Object.values(files).every((f) => existsSync(f))) {
    return `the reference tool failed (${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop()}; files: ${existsSync(dir) ? readdirSync(dir).join(', ') : 'none'})`;
  }
  return files;
}
