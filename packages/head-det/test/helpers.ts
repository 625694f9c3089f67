import { readFileSync } from 'node:fs';
import { type HostTensor, loadCheckpoint, readNpy } from '@hrnetjs/core';
import type { HRNetConfig, StageConfig } from '@hrnetjs/hrnet-backbone';
import { DET_FUSE, DETECTION_INPUT_DEFAULTS, type DetectionModelConfig, FCOS_INFERENCE_DEFAULTS } from '../src/index.js';

export const FIXTURE = new URL('./fixtures/det_fcos_small/', import.meta.url);

export function npy(name: string): HostTensor {
  return readNpy(new Uint8Array(readFileSync(new URL(`${name}.npy`, FIXTURE))));
}

interface RawStage {
  num_modules: number;
  num_branches: number;
  block: 'BASIC' | 'BOTTLENECK';
  num_blocks: number[];
  num_channels: number[];
}

export interface Meta {
  hrnet_args: Record<'stage1' | 'stage2' | 'stage3' | 'stage4', RawStage>;
  hrfpn: { in_channels: number[]; out_channels: number; conv_stride: number; num_level: number };
  fcos_head: { cls_logits_channels: number; num_convs: number };
  levels: { stride: number }[];
  output_stats: Record<string, { max_abs: number }>;
  param_count: number;
  state_dict_num_keys: number;
  num_batches_tracked_keys: number;
}

export const meta = JSON.parse(readFileSync(new URL('meta.json', FIXTURE), 'utf8')) as Meta;

function stage(s: RawStage): StageConfig {
  return { numModules: s.num_modules, numBranches: s.num_branches, block: s.block, numBlocks: s.num_blocks, numChannels: s.num_channels };
}

/** The small trunk of the fixture, described as the official `hrnet_args` dict. */
export function smallConfig(): DetectionModelConfig {
  const a = meta.hrnet_args;
  const backbone: HRNetConfig = { stage1: stage(a.stage1), stage2: stage(a.stage2), stage3: stage(a.stage3), stage4: stage(a.stage4), ...DET_FUSE };
  return {
    backbone,
    fpn: { inChannels: meta.hrfpn.in_channels, outChannels: meta.hrfpn.out_channels, convStride: meta.hrfpn.conv_stride, numLevels: meta.hrfpn.num_level, pooling: 'AVG' },
    fcos: { numClasses: meta.fcos_head.cls_logits_channels, numConvs: meta.fcos_head.num_convs, fpnStrides: meta.levels.map((l) => l.stride) },
    inference: { ...FCOS_INFERENCE_DEFAULTS },
    input: { ...DETECTION_INPUT_DEFAULTS },
  };
}

export function weightsBytes(): Uint8Array {
  return new Uint8Array(readFileSync(new URL('weights.pth', FIXTURE)));
}

export function smallStateDict() {
  return loadCheckpoint(weightsBytes());
}
