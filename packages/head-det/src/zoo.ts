/**
 * The detection checkpoints this head runs (official HRNet-FCOS and mmdetection's FCOS-HRNet), with the
 * network each needs and the upstream preprocessing / NMS settings. Sources: the README tables, mmdetection's
 * `configs/hrnet/metafile.yml` and configs.
 */
import { KEY_MAPPINGS, type ZooEntry, type ZooOrigin, type ZooTask, byHandFile as byHand, directFile as direct } from '@hrnetjs/core';
import type { DetectionInputConfig, FcosInferenceConfig } from './config.js';

/**
 * The upstream test-time settings of a detection entry, merged over the preset's (`input`, `inference` of
 * `DetectionModelConfig`) when the network is built from the zoo name. Absent: the official HRNet-FCOS ones.
 */
export interface DetZooProcessing {
  input?: Partial<DetectionInputConfig>;
  inference?: Partial<FcosInferenceConfig>;
}

const GH = 'https://github.com';
const FCOS_REPO = `${GH}/HRNet/HRNet-FCOS`;
/** The 2.x config names (the 3.x tree renamed them); v2.28.2 is the last 2.x release. */
const MMDET = `${GH}/open-mmlab/mmdetection/blob/v2.28.2`;
const make =
  <P>(task: ZooTask, origin: ZooOrigin) =>
  (s: Omit<ZooEntry<P>, 'task' | 'origin'>): ZooEntry<P> => ({ task, origin, ...s });

/** HRNet-FCOS (OneDrive): COCO minival box AP. The official builder hard-codes its trunk per width. */
const officialFcos: ZooEntry<DetZooProcessing>[] = (
  [
    ['w18_5l_2x', 'https://1drv.ms/u/s!Av9x_1oQAAoqeRND03CfS4HBONM?e=wT0G0O', 37.7, '17.5M', false],
    ['w18_5l_2x_ms', 'https://1drv.ms/u/s!Av9x_1oQAAoqgQlVjkAUDdV9Ej0A?e=9bh7VW', 39.4, '17.5M', true],
    ['w18_6l_2x', 'https://1drv.ms/u/s!Av9x_1oQAAoqeumBsKzXzZjE8Qs?e=fT1edk', 37.8, '18.1M', false],
    ['w32_5l_2x', 'https://1drv.ms/u/s!Av9x_1oQAAoqfPuN69wCHx26k0o?e=L7c5FX', 41.9, '37.3M', false],
    ['w32_5l_2x_ms', 'https://1drv.ms/u/s!Av9x_1oQAAoqgQHJWCW0-u0zOgzi?e=yrtKUt', 42.5, '37.3M', true],
    ['w32_6l_2x', 'https://1drv.ms/u/s!Av9x_1oQAAoqfZn3Xt2CrKUI2rk?e=ZdJSPG', 42.1, '37.9M', false],
    ['w32_6l_2x_ms', 'https://1drv.ms/u/s!Av9x_1oQAAoqf6I0plglrSXPuys?e=lzdDwu', 42.9, '37.9M', true],
    ['w40_6l_3x', 'https://1drv.ms/u/s!Av9x_1oQAAoqfu-2x6aOIsGxSsg?e=OBbs5Z', 42.6, '54.1M', false],
  ] as const
).map(([v, url, ap, params, ms]) => {
  const [w, levels] = v.split('_') as [string, string];
  return make<DetZooProcessing>('det', 'hrnet')({
    name: `det_fcos_hrnet_${v}`,
    description: `FCOS with HRNetV2p-${w.toUpperCase()}, ${levels === '6l' ? '6' : '5'} FPN levels${ms ? ', multi-scale training' : ''}`,
    dataset: 'COCO 2017',
    model: { preset: `fcos_${w}_${levels}` },
    config: `${FCOS_REPO}/blob/master/configs/fcos/fcos_hrnet_${v.replace('_ms', '').replace(/_(\dx)$/, ms ? '_ms_$1' : '_$1')}.yaml`,
    file: byHand(url, `FCOS_hrnet_${v}.pth`),
    keys: KEY_MAPPINGS.official!,
    metrics: { 'box AP': ap },
    params,
    notes: 'Released as {"model": {"module." + key}}: core unwraps both.',
  });
});

/**
 * mmdetection 2.x FCOS-HRNet test settings (`configs/hrnet/fcos_hrnetv2p_*.py` and their base
 * `fcos/fcos_r50_caffe_fpn_gn-head_1x_coco.py`): `img_norm_cfg` (BGR, to_rgb=False), `Resize` (1333, 800)
 * keep_ratio, `Pad` size_divisor 32, `test_cfg`.
 */
const MMDET_FCOS_PROCESSING: DetZooProcessing = {
  input: { resizeRule: 'mmdet', toBgr255: true, pixelMean: [103.53, 116.28, 123.675], pixelStd: [57.375, 57.12, 58.395], minSize: 800, maxSize: 1333, sizeDivisibility: 32 },
  inference: { postprocess: 'mmdet', preNmsTopN: 1000, scoreThreshold: 0.05, nmsThreshold: 0.5, detectionsPerImage: 100 },
};

const MMDET_DL = 'https://download.openmmlab.com/mmdetection/v2.0/hrnet';
/** mmdetection FCOS-HRNet (configs/hrnet/metafile.yml): COCO val box AP. Other mmdet HRNet detectors are not ported. */
const mmdet: ZooEntry<DetZooProcessing>[] = (
  [
    ['fcos_hrnetv2p_w18_gn-head_4x4_1x_coco', '20201212_100710-4ad151de', 'w18', 35.3],
    ['fcos_hrnetv2p_w18_gn-head_4x4_2x_coco', '20201212_101110-5c575fa5', 'w18', 38.2],
    ['fcos_hrnetv2p_w32_gn-head_4x4_1x_coco', '20201211_134730-cb8055c0', 'w32', 39.5],
    ['fcos_hrnetv2p_w32_gn-head_4x4_2x_coco', '20201212_112133-77b6b9bb', 'w32', 40.8],
    ['fcos_hrnetv2p_w18_gn-head_mstrain_640-800_4x4_2x_coco', '20201212_111651-441e9d9f', 'w18', 38.3],
    ['fcos_hrnetv2p_w32_gn-head_mstrain_640-800_4x4_2x_coco', '20201212_090846-b6f2b49f', 'w32', 41.9],
    ['fcos_hrnetv2p_w40_gn-head_mstrain_640-800_4x4_2x_coco', '20201212_124752-f22d2ce5', 'w40', 42.7],
  ] as const
).map(([name, stamp, w, ap]) =>
  make<DetZooProcessing>('det', 'mmdetection')({
    name: `mmdet_${name}`,
    description: `mmdetection FCOS with HRNetV2p-${w.toUpperCase()}, GN head, COCO`,
    dataset: 'COCO 2017',
    model: { preset: `fcos_${w}_5l` },
    config: `${MMDET}/configs/hrnet/${name}.py`,
    file: direct(`${MMDET_DL}/${name}/${name}_${stamp}.pth`),
    keys: KEY_MAPPINGS['mmdet-fcos']!,
    metrics: { 'box AP': ap },
    processing: MMDET_FCOS_PROCESSING,
    notes:
      "mmdetection 2.x: BGR, mean [103.53, 116.28, 123.675], std [57.375, 57.12, 58.395] (every FCOS-HRNet config, " +
      'the mstrain ones too: they override the caffe base\'s std 1), mmcv rescale to (1333, 800) keeping the ratio ' +
      '(cv2 bilinear), pad to 32; test_cfg nms_pre 1000, score_thr 0.05 (on score x centerness), NMS IoU 0.5, ' +
      'max_per_img 100, mmdet\'s box convention (no +1). Its tower convs have no bias (zero here).',
  }),
);

/** Every detection checkpoint of the zoo: official first. */
export const DET_ZOO: readonly ZooEntry<DetZooProcessing>[] = Object.freeze([...officialFcos, ...mmdet]);
