/**
 * The bottom-up (HigherHRNet) checkpoints: the official release and mmpose 0.x's associative-embedding ones.
 * Sources: the official README's model tables (COCO val2017, single scale, flip test) and mmpose's
 * `configs/body/2d_kpt_sview_rgb_img/associative_embedding/coco/higherhrnet_coco.md`.
 */
import { ConfigError, KEY_MAPPINGS, type ZooEntry, byHandFile, directFile } from '@hrnetjs/core';
import { type BottomUpModelConfig, bottomUpPresetConfig } from './model.js';

/**
 * What an entry changes from its preset, in this head's terms. mmpose publishes a W48 at 512 (the official
 * release has W48 only at 640): the same network, another test input size.
 */
export interface BottomUpZooOverrides {
  inputSize?: number;
}

const GH = 'https://github.com';
const REPO = `${GH}/HRNet/HigherHRNet-Human-Pose-Estimation`;
/** The official model zoo folders (README "model zoo" link and its OneDrive mirror; the "testing" link). */
const DRIVE = 'https://drive.google.com/open?id=1bdXVmYrSynPLSk5lptvgyQ8fhziobD50';
const MIRRORS = ['https://1drv.ms/f/s!AhIXJn_J-blW4AwKRMklXVzndJT0', 'https://drive.google.com/drive/folders/1X9-TzWpwbX2zQf2To8lB-ZQHMYviYYh6'];

const official: ZooEntry[] = (
  [
    ['w32', 512, 0.671, '28.6M'],
    ['w32', 640, 0.685, '28.6M'],
    ['w48', 640, 0.699, '63.8M'],
  ] as const
).map(([w, size, ap, params]) => ({
  name: `pose_higher_hrnet_${w}_${size}`,
  task: 'pose',
  origin: 'hrnet',
  description: `HigherHRNet-${w.toUpperCase()} bottom-up multi-person pose, COCO, input ${size}`,
  dataset: 'COCO keypoints 2017',
  model: { preset: `higherhrnet_${w}_${size}` },
  config: `${REPO}/blob/master/experiments/coco/higher_hrnet/${w}_${size}_adam_lr1e-3.yaml`,
  file: byHandFile(DRIVE, `pose_higher_hrnet_${w}_${size}.pth`, MIRRORS),
  keys: KEY_MAPPINGS.official!,
  metrics: { AP: ap },
  params,
  notes: 'In the shared folder under pose_coco/. AP: COCO val2017, single scale, flip test.',
}));

const MMPOSE_DL = 'https://download.openmmlab.com/mmpose/bottom_up';
const MMPOSE_CFG = 'https://github.com/open-mmlab/mmpose/blob/v0.29.0/configs/body/2d_kpt_sview_rgb_img/associative_embedding/coco';
const mmpose: ZooEntry[] = (
  [
    ['higher_hrnet32_coco_512x512-8ae85183_20200713.pth', 'higherhrnet_w32_512', 512, 'w32_coco_512x512', 0.677],
    ['higher_hrnet32_coco_640x640-a22fe938_20200712.pth', 'higherhrnet_w32_640', 640, 'w32_coco_640x640', 0.686],
    ['higher_hrnet48_coco_512x512-60fedcbc_20200712.pth', 'higherhrnet_w48_640', 512, 'w48_coco_512x512', 0.686],
  ] as const
).map(([file, preset, size, cfg, ap]) => ({
  name: `mmpose_higherhrnet_${cfg}`,
  task: 'pose',
  origin: 'mmpose',
  description: `mmpose associative-embedding HigherHRNet-${preset.slice(12, 15).toUpperCase()}, COCO, input ${size}`,
  dataset: 'COCO keypoints 2017',
  model: { preset, ...(preset.endsWith(String(size)) ? {} : { overrides: { inputSize: size } }) },
  config: `${MMPOSE_CFG}/higherhrnet_${cfg}.py`,
  file: directFile(`${MMPOSE_DL}/${file}`),
  keys: KEY_MAPPINGS['mmpose-ae']!,
  metrics: { AP: ap },
  // mmpose's test_cfg for these models is the official TEST section (flip, NMS 5/2, detection 0.1, tag 1,
  // adjust, refine, project2image, align_corners False), so the official pipeline runs them unchanged
  notes: 'mmpose 0.x AssociativeEmbedding + AEHigherResolutionHead (the official layers under backbone./keypoint_head.). AP: COCO val2017, single scale, flip test.',
}));

/** Every bottom-up checkpoint of the zoo: official first. */
export const BOTTOM_UP_ZOO: readonly ZooEntry[] = Object.freeze([...official, ...mmpose]);

/** The network config a bottom-up zoo entry needs: its preset with the entry's overrides. */
export function bottomUpZooConfig(entry: ZooEntry): BottomUpModelConfig {
  const c = bottomUpPresetConfig(entry.model.preset);
  const o = (entry.model.overrides ?? {}) as BottomUpZooOverrides;
  for (const k of Object.keys(o)) {
    if (k !== 'inputSize') throw new ConfigError(`zoo entry ${entry.name}: unknown bottom-up override "${k}" (expected inputSize)`);
  }
  return o.inputSize === undefined ? c : { ...c, inputSize: o.inputSize };
}
