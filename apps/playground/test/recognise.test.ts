/** The weights panel's recogniser, on the bundled files and on the keys of full official checkpoints (Node only). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type StateDict, loadCheckpoint, loadTfjsWeights } from '@hrnetjs/core';
import { describe, expect, it } from 'vitest';
import { describeWeights, recogniseArchitecture } from '../src/recognise.js';

const file = (p: string) => readFileSync(fileURLToPath(new URL(`../public/weights/${p}`, import.meta.url)));

/** A state dict with only the shapes that matter (values are never read by the recogniser). */
function keys(entries: [string, number[]][]): StateDict {
  return new Map(entries.map(([k, shape]) => [k, { dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }]));
}

describe('recogniseArchitecture', () => {
  it('names each bundled checkpoint', () => {
    const face = file('face_small/model.json').toString('utf8');
    const paths = (JSON.parse(face) as { weightsManifest: { paths: string[] }[] }).weightsManifest.flatMap((g) => g.paths);
    const faceSd = loadTfjsWeights(face, paths.map((p) => file(`face_small/${p}`)));
    const lite = file('litehrnet_small/model.json').toString('utf8');
    const litePaths = (JSON.parse(lite) as { weightsManifest: { paths: string[] }[] }).weightsManifest.flatMap((g) => g.paths);
    const liteSd = loadTfjsWeights(lite, litePaths.map((p) => file(`litehrnet_small/${p}`)));
    const cases: [StateDict, string, string][] = [
      [liteSd, 'pose', 'pose Lite-HRNet, width 16, 17 joints (COCO)'],
      [loadCheckpoint(file('pose_small.pth')), 'pose', 'pose HRNet, width 8, 17 joints (COCO)'],
      [loadCheckpoint(file('seg_small.safetensors')), 'segmentation', 'segmentation HRNetV2, width 8, 19 classes'],
      [loadCheckpoint(file('det_fcos_small.pth')), 'detection', 'detection HRNet-FCOS (HRFPN + FCOS head), width 8, 80 classes'],
      [faceSd, 'face', 'face landmark HRNetV2, width 8, 68 landmarks'],
    ];
    for (const [sd, task, architecture] of cases) expect(recogniseArchitecture(sd)).toEqual({ task, architecture });
  });

  it('names full-size official layouts from their keys', () => {
    const stage2 = (w: number): [string, number[]] => ['stage2.0.branches.0.0.conv1.weight', [w, w, 3, 3]];
    expect(recogniseArchitecture(keys([stage2(18), ['incre_modules.0.0.conv1.weight', [32, 18, 1, 1]], ['classifier.weight', [1000, 2048]]]))).toEqual({
      task: 'classification',
      architecture: 'ImageNet classifier HRNet, width 18, 1000 classes',
    });
    expect(recogniseArchitecture(keys([stage2(48), ['cls_head.weight', [19, 512, 1, 1]], ['ocr_distri_head.object_context_block.f_pixel.0.weight', [256, 512, 1, 1]]])).architecture).toBe(
      'segmentation HRNetV2 + OCR, width 48, 19 classes',
    );
    expect(recogniseArchitecture(keys([stage2(32), ['final_layer.weight', [16, 32, 1, 1]]])).architecture).toBe('pose HRNet, width 32, 16 joints (MPII)');
    // Lite-HRNet's own layout (stem, stage0.., head_layer, final_layer) is not HRNet's
    expect(recogniseArchitecture(keys([['stem.conv1.conv.weight', [32, 3, 3, 3]], ['final_layer.weight', [16, 40, 1, 1]]])).architecture).toBe(
      'pose Lite-HRNet, width 40, 16 joints (MPII)',
    );
    expect(recogniseArchitecture(keys([stage2(18)]))).toEqual({ task: null, architecture: 'HRNet trunk without a known head, width 18' });
    expect(recogniseArchitecture(keys([['fc.weight', [10, 3]]]))).toEqual({ task: null, architecture: 'not an HRNet state dict (no stage2.* keys)' });
  });

  it('counts parameters without the BatchNorm counters', () => {
    const sd = keys([['a.weight', [2, 3]], ['bn.num_batches_tracked', []], ['bn.running_mean', [4]]]);
    const info = describeWeights('x.pth', 'torch-zip', 123, sd);
    expect(info.parameters).toBe(10);
    expect(info.keys).toBe(3);
    expect(info.sample[0]).toEqual({ key: 'a.weight', shape: [2, 3] });
  });
});
