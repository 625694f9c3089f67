import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@hrnetjs/core';
import { BACKBONE_PRESETS, backbonePreset, normalizePresetName, parseBackboneYaml } from '../src/index.js';

const dir = new URL('./fixtures/configs/', import.meta.url);
const yaml = (name: string) => readFileSync(new URL(name, dir), 'utf8');
const NEAREST = { fuseUpsample: { mode: 'nearest' }, multiScaleOutput: true } as const;

describe('backbone presets equal the official classification YAMLs', () => {
  const files = readdirSync(dir).filter((f) => f.startsWith('cls_'));
  it('covers every preset', () => {
    expect(files.map((f) => normalizePresetName(f.replace(/^cls_|\.yaml$/g, ''))).sort()).toEqual(Object.keys(BACKBONE_PRESETS).sort());
  });
  it.each(files)('%s', (file) => {
    const preset = normalizePresetName(file.replace(/^cls_|\.yaml$/g, ''));
    const { config } = parseBackboneYaml(yaml(file), NEAREST);
    expect(config).toEqual(backbonePreset(preset, NEAREST));
  });
});

describe('config errors', () => {
  it('unknown preset lists the known ones', () => {
    expect(() => backbonePreset('w99', NEAREST)).toThrowError(/unknown backbone preset "w99"; expected one of w18, w30/);
  });
  it('malformed YAML', () => {
    expect(() => parseBackboneYaml('MODEL: [unclosed', NEAREST)).toThrowError(ConfigError);
    expect(() => parseBackboneYaml('MODEL: [unclosed', NEAREST)).toThrowError(/malformed YAML/);
  });
  it('a missing stage names its path', () => {
    const text = yaml('cls_w18.yaml').replace('STAGE3:', 'STAGE9:');
    expect(() => parseBackboneYaml(text, NEAREST)).toThrowError(/MODEL\.EXTRA\.STAGE3: expected a mapping, found nothing/);
  });
  it('a wrong list length says what was expected and found', () => {
    const text = yaml('cls_w18.yaml').replace(/NUM_CHANNELS:\n(\s+)- 18\n\s+- 36\n/, 'NUM_CHANNELS:\n$1- 18\n');
    expect(() => parseBackboneYaml(text, NEAREST)).toThrowError(/STAGE2\.NUM_CHANNELS: expected a list of 2 positive integers .* found a list \[18\]/);
  });
  it('tolerates the official NUM_RANCHES typo and reads NUM_BRANCHES too', () => {
    const typo = yaml('cls_w18_small_v1.yaml');
    expect(typo).toContain('NUM_RANCHES');
    const fixed = typo.replace(/NUM_RANCHES/g, 'NUM_BRANCHES');
    expect(parseBackboneYaml(typo, NEAREST).config).toEqual(parseBackboneYaml(fixed, NEAREST).config);
  });
  it('a non-mapping document', () => {
    expect(() => parseBackboneYaml('- just\n- a list\n', NEAREST)).toThrowError(/expected a YAML mapping/);
  });
});
