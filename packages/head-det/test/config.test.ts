import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@hrnetjs/core';
import { useBackend } from '@hrnetjs/core/testing';
import { DETECTION_PRESETS, createDetectionModel, detectionPresetConfig, parseDetectionYaml } from '../src/index.js';
import { FIXTURE, smallConfig } from './helpers.js';

/** "# params" of the official model zoo table (HRNet-FCOS README), in millions. */
const OFFICIAL_PARAMS_M: Record<string, number> = { fcos_w18_5l: 17.5, fcos_w18_6l: 18.1, fcos_w32_5l: 37.3, fcos_w32_6l: 37.9, fcos_w40_6l: 54.1 };

describe('detection presets', () => {
  beforeAll(() => useBackend('cpu'));

  it.each(Object.keys(OFFICIAL_PARAMS_M))('%s has the parameter count of the official model zoo', (name) => {
    const model = createDetectionModel(name);
    expect(model.numParameters() / 1e6).toBeCloseTo(OFFICIAL_PARAMS_M[name]!, 1);
    const keys = [...model.shapes().keys()];
    expect(keys.every((k) => k.startsWith('backbone.body.') || k.startsWith('backbone.fpn.') || k.startsWith('rpn.head.'))).toBe(true);
    const levels = DETECTION_PRESETS[name as keyof typeof DETECTION_PRESETS].levels;
    expect(keys.filter((k) => /^backbone\.fpn\.fpn_conv\.\d+\.weight$/.test(k))).toHaveLength(levels);
    expect(keys.filter((k) => /^rpn\.head\.scales\.\d+\.scale$/.test(k))).toHaveLength(levels);
    expect(model.shapes().get('rpn.head.cls_logits.weight')).toEqual([80, 256, 3, 3]);
    expect(model.shapes().get('rpn.head.cls_tower.10.weight')).toEqual([256]); // GroupNorm at index 3·3+1
    model.dispose();
  });

  it('accepts the official file names and rejects unknown presets', () => {
    expect(detectionPresetConfig('fcos_hrnet_w32_6l_ms_2x')).toEqual(detectionPresetConfig('fcos_w32_6l'));
    expect(detectionPresetConfig('W18-5L').fcos.fpnStrides).toEqual([8, 16, 32, 64, 128]);
    expect(detectionPresetConfig('w40_6l_3x').fpn.convStride).toBe(1);
    expect(() => detectionPresetConfig('fcos_w48_5l')).toThrow(ConfigError);
  });
});

describe('official YAML configs', () => {
  const w18_6l = `MODEL:
  META_ARCHITECTURE: "GeneralizedRCNN"
  RPN_ONLY: True
  FCOS_ON: True
  BACKBONE:
    CONV_BODY: "HRNET-W18"
  HRNET:
    FPN:
      CONV_STRIDE: 1
  FCOS:
    FPN_STRIDES: [4, 8, 16, 32, 64, 128]
INPUT:
  MIN_SIZE_TEST: 800
  MAX_SIZE_TEST: 1333
DATALOADER:
  SIZE_DIVISIBILITY: 32
`;

  it('a 6-level HRNet-W18 YAML gives the preset config', () => {
    expect(parseDetectionYaml(w18_6l)).toEqual(detectionPresetConfig('fcos_w18_6l'));
  });

  it('the fixture YAML names a trunk the official builder does not know; MODEL.HRNET.EXTRA describes it', () => {
    const text = readFileSync(new URL('config.yaml', FIXTURE), 'utf8');
    expect(() => parseDetectionYaml(text)).toThrow(/CONV_BODY.*HRNET-W8/);
    const extra = `  HRNET:
    EXTRA:
      STAGE1: { NUM_MODULES: 1, NUM_BRANCHES: 1, BLOCK: BOTTLENECK, NUM_BLOCKS: [2], NUM_CHANNELS: [32] }
      STAGE2: { NUM_MODULES: 1, NUM_BRANCHES: 2, BLOCK: BASIC, NUM_BLOCKS: [2, 2], NUM_CHANNELS: [8, 16] }
      STAGE3: { NUM_MODULES: 2, NUM_BRANCHES: 3, BLOCK: BASIC, NUM_BLOCKS: [2, 2, 2], NUM_CHANNELS: [8, 16, 32] }
      STAGE4: { NUM_MODULES: 2, NUM_BRANCHES: 4, BLOCK: BASIC, NUM_BLOCKS: [2, 2, 2, 2], NUM_CHANNELS: [8, 16, 32, 64] }
    FPN:`;
    const cfg = parseDetectionYaml(text.replace(/ {2}HRNET:\n {4}FPN:/, extra));
    const expected = smallConfig();
    expect(cfg.backbone).toEqual(expected.backbone);
    expect(cfg.fpn).toEqual(expected.fpn);
    expect(cfg.fcos).toEqual(expected.fcos);
    expect(cfg.input.sizeDivisibility).toBe(32);
  });

  it('malformed configs are ConfigErrors naming the path', () => {
    expect(() => parseDetectionYaml(w18_6l.replace('CONV_STRIDE: 1', 'CONV_STRIDE: 2'))).toThrow(/FPN_STRIDES: with CONV_STRIDE 2/);
    expect(() => parseDetectionYaml(w18_6l.replace('HRNET-W18', 'R-50-FPN'))).toThrow(ConfigError);
    expect(() => parseDetectionYaml(w18_6l.replace('    FPN:\n', '    FPN:\n      OUT_CHANNEL: 100\n'))).toThrow(/OUT_CHANNEL/);
    expect(() => parseDetectionYaml('MODEL: [1, 2]\n')).toThrow(ConfigError);
  });
});
