import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, countMultiplyAdds, normalizeStateDictKeys } from '@hrnetjs/core';
import { readCheckpointFile, readNpyFile } from '@hrnetjs/core/node';
import { NODE_TEST_BACKENDS, compare, nchwToNhwc, nhwcToNchw, useBackend } from '@hrnetjs/core/testing';
import {
  SEGMENTATION_PRESETS,
  SegHighResolutionNet,
  createSegmentationModel,
  parseSegmentationYaml,
  segmentationPresetConfig,
} from '../src/index.js';

const fixture = (p: string) => fileURLToPath(new URL(`./fixtures/${p}`, import.meta.url));
const text = (p: string) => readFileSync(fixture(p), 'utf8');

interface Manifest {
  param_count: number;
  state_dict: Record<string, number[]>;
  conv_linear_multiply_adds: Record<string, number>;
  align_corners: boolean;
  num_classes: number;
}

describe.each(NODE_TEST_BACKENDS)('seg_small golden output (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('reproduces the official seg_hrnet logits, before and after fuse()', async () => {
    const model = createSegmentationModel(text('seg_small/config.yaml'));
    expect(model).toBeInstanceOf(SegHighResolutionNet);
    expect(model.segConfig.alignCorners).toBe(false);
    const sd = normalizeStateDictKeys(await readCheckpointFile(fixture('seg_small/weights.pth')));
    model.loadStateDict(sd);
    const meta = JSON.parse(text('seg_small/meta.json')) as { param_count: number };
    expect(model.numParameters()).toBe(meta.param_count);
    const input = nchwToNhwc(await readNpyFile(fixture('seg_small/input.npy')));
    const expected = (await readNpyFile(fixture('seg_small/output.npy'))).data;
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => model.logits(input));
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(out.shape).toEqual([1, 16, 32, 19]);
    const plain = compare(nhwcToNchw(out), expected);
    out.dispose();
    expect(plain.relative).toBeLessThan(1e-5);
    model.fuse();
    const fusedOut = tf.tidy(() => model.logits(input));
    const fused = compare(nhwcToNchw(fusedOut), expected);
    fusedOut.dispose();
    expect(fused.relative).toBeLessThan(1e-5);
    input.dispose();
    model.dispose();
  });
});

describe('segmentation presets', () => {
  beforeAll(() => useBackend('wasm'));

  it('w48 Cityscapes has exactly the official keys, shapes and order, parameter count and multiply-adds', () => {
    const manifest = JSON.parse(text('manifests/seg_w48_cityscapes.json')) as Manifest;
    const model = createSegmentationModel('w48_cityscapes');
    expect([...model.shapes()]).toEqual(Object.entries(manifest.state_dict));
    expect(model.numParameters()).toBe(manifest.param_count);
    expect(model.segConfig.alignCorners).toBe(manifest.align_corners);
    expect(model.numClasses).toBe(manifest.num_classes);
    // counted at 128x256 and scaled by 16: with sides that are multiples of 32 every conv output shrinks
    // exactly 4x a side, so this equals the 512x1024 count without a 20-second full-size pass
    const macs = countMultiplyAdds(() => tf.tidy(() => model.logits(tf.zeros([1, 128, 256, 3]))));
    expect(macs * 16).toBe(manifest.conv_linear_multiply_adds['512x1024']);
    expect(macs * 64).toBe(manifest.conv_linear_multiply_adds['1024x2048']);
    model.dispose();
  });

  it('the official YAMLs build the same networks as the presets', () => {
    const pairs: [string, string][] = [
      ['configs/seg_w48_cityscapes.yaml', 'w48_cityscapes'],
      ['configs/seg_w18_small_v1_cityscapes.yaml', 'w18_small_v1_cityscapes'],
      ['configs/seg_w18_small_v2_cityscapes.yaml', 'hrnet_w18-small-v2_cityscapes'],
    ];
    for (const [file, preset] of pairs) {
      // the w18-small configs come from the master branch, trained with align_corners=False
      const fromYaml = parseSegmentationYaml(text(file), { defaultAlignCorners: false });
      const fromPreset = segmentationPresetConfig(preset);
      expect(fromYaml.backbone).toEqual(fromPreset.backbone);
      expect(fromYaml.numClasses).toBe(fromPreset.numClasses);
      expect(fromYaml.alignCorners).toBe(fromPreset.alignCorners);
      expect(fromYaml.test.cropSize).toEqual([2048, 1024]);
    }
  });

  it('every preset resolves and builds its head with the right class count', () => {
    const classes: Record<string, number> = {
      w48_cityscapes: 19, 'w18-small-v1_cityscapes': 19, 'w18-small-v2_cityscapes': 19, w48_ade20k: 150,
      w48_pascal_ctx: 59, w48_lip: 20, ocr_w48_cityscapes: 19, w48_cocostuff: 171, ocr_w48_lip: 20,
      ocr_w48_pascal_ctx: 59, ocr_w48_cocostuff: 171, ocr_w48_ade20k: 150,
    };
    expect(Object.keys(SEGMENTATION_PRESETS).sort()).toEqual(Object.keys(classes).sort());
    for (const [name, n] of Object.entries(classes)) {
      const c = segmentationPresetConfig(name);
      expect(c.numClasses).toBe(n);
      expect(c.backbone.fuseUpsample).toEqual({ mode: 'bilinear', alignCorners: c.alignCorners });
    }
    expect(segmentationPresetConfig('seg_hrnet_ocr_w48_cityscapes').ocr).toEqual({ midChannels: 512, keyChannels: 256 });
    expect(segmentationPresetConfig('W48-Pascal-Context').numClasses).toBe(59);
    expect(() => segmentationPresetConfig('w32_cityscapes')).toThrow(ConfigError);
    expect(() => segmentationPresetConfig('w32_cityscapes')).toThrow(/w48_cityscapes/);
  });

  it('rejects malformed YAMLs with ConfigError naming the field', () => {
    const base = text('configs/seg_w48_cityscapes.yaml');
    expect(() => parseSegmentationYaml(base.replace('NUM_CLASSES: 19', 'NUM_CLASSES: zero'))).toThrow(/DATASET.NUM_CLASSES/);
    expect(() => parseSegmentationYaml(base.replace('NAME: seg_hrnet', 'NAME: pspnet'))).toThrow(/MODEL.NAME/);
    expect(() => parseSegmentationYaml(base.replace('ALIGN_CORNERS: False', 'ALIGN_CORNERS: maybe'))).toThrow(/ALIGN_CORNERS/);
  });
});

