import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { saveSafetensors, type StateDict } from '@hrnetjs/core';
import { REPO, hrnet, tempDir } from './helpers.js';

// `hrnet info` reads a Lite-HRNet checkpoint's trunk from its keys (modules, LITE/NAIVE, channels) and names the preset.
const POSE = join(REPO, 'packages/head-pose/test/fixtures');

describe('hrnet info / convert on Lite-HRNet checkpoints', () => {
  it('the small golden checkpoint: PoseLiteHRNet, mmpose layout, its three LITE stages', async () => {
    const dir = await tempDir();
    const file = join(dir, 'litehrnet_small.pth');
    await writeFile(file, gunzipSync(readFileSync(join(POSE, 'litehrnet_small/weights.pth.gz'))));
    const r = await hrnet(['info', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/task\s+pose: top-down pose \(PoseLiteHRNet\), 17 joints \(COCO\)/);
    expect(r.stdout).toMatch(/key layout\s+mmpose-pose/);
    expect(r.stdout).toMatch(/stage 1\s+1 module, LITE, blocks \[2, 2\], channels \[16, 32\]/);
    expect(r.stdout).toMatch(/stage 3\s+1 module, LITE, blocks \[2, 2, 2, 2\], channels \[16, 32, 64, 128\]/);
  });

  it('a Lite-HRNet-30 key set (the official manifest) is the litehrnet_30 preset, with its zoo entries', async () => {
    const manifest = JSON.parse(gunzipSync(readFileSync(join(POSE, 'manifests/litehrnet_30_coco_256x192.json.gz'))).toString('utf8')) as {
      state_dict: Record<string, number[]>;
    };
    const sd: StateDict = new Map();
    for (const [k, shape] of Object.entries(manifest.state_dict)) {
      if (k.endsWith('num_batches_tracked')) continue;
      sd.set(k, { dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    }
    const dir = await tempDir();
    const file = join(dir, 'l30.safetensors');
    await writeFile(file, saveSafetensors(sd));
    const r = await hrnet(['info', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/stage 2\s+8 modules, LITE, blocks \[2, 2, 2\], channels \[40, 80, 160\]/);
    expect(r.stdout).toMatch(/preset\s+litehrnet_30\n/);
    expect(r.stdout).toMatch(/zoo\s+.*pose_litehrnet_30_coco_256x192.*mmpose_td-hm_litehrnet-30_8xb64-210e_coco-256x192/);
    // and a Lite-HRNet preset name is a pose model for `convert`
    const c = await hrnet(['convert', file, '--to', 'onnx', '--model', 'litehrnet_30_coco_256x192', '--out', join(dir, 'l30.onnx')]);
    expect(c.code, c.stderr + c.stdout).toBe(0);
    expect(c.stdout.trim()).toBe(join(dir, "l30.onnx"));
    expect(c.stderr).toMatch(/wrote .*l30\.onnx .*input N x 256 x 192 x 3 NHWC, pose network of preset litehrnet_30_coco_256x192.*keys mmpose-pose/);
  });
});
