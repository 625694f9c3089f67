/**
 * The ImageNet classification checkpoints (official HRNet-Image-Classification, the same weights re-hosted by
 * timm, and the later CutMix / SSLD releases). Sources: the README tables and release pages.
 */
import { KEY_MAPPINGS, type ZooEntry, type ZooOrigin, type ZooTask, byHandFile as byHand, directFile as direct } from '@hrnetjs/core';

const GH = 'https://github.com';
const CLS_REPO = `${GH}/HRNet/HRNet-Image-Classification`;
const make =
  (task: ZooTask, origin: ZooOrigin) =>
  (s: Omit<ZooEntry, 'task' | 'origin'>): ZooEntry => ({ task, origin, ...s });

/** HRNet-Image-Classification (OneDrive) and the same weights re-hosted by timm as direct downloads. */
const CLS_ONEDRIVE: Record<string, [string, string, number]> = {
  'w18-small-v1': ['https://1drv.ms/u/s!Aus8VCZ_C_33gRv2PI1vjJyn2g7G?e=i8Rdzx', '13.2M', 27.7],
  'w18-small-v2': ['https://1drv.ms/u/s!Aus8VCZ_C_33gRmfdPR79WBS61Qn?e=HVZUi8', '15.6M', 24.9],
  w18: ['https://1drv.ms/u/s!Aus8VCZ_C_33cMkPimlmClRvmpw', '21.3M', 23.2],
  w30: ['https://1drv.ms/u/s!Aus8VCZ_C_33cQoACCEfrzcSaVI', '37.7M', 21.8],
  w32: ['https://1drv.ms/u/s!Aus8VCZ_C_33dYBMemi9xOUFR0w', '41.2M', 21.5],
  w40: ['https://1drv.ms/u/s!Aus8VCZ_C_33ck0gvo5jfoWBOPo', '57.6M', 21.1],
  w44: ['https://1drv.ms/u/s!Aus8VCZ_C_33czZQ0woUb980gRs', '67.1M', 21.1],
  w48: ['https://1drv.ms/u/s!Aus8VCZ_C_33dKvqI6pBZlifgJk', '77.5M', 20.7],
  w64: ['https://1drv.ms/u/s!Aus8VCZ_C_33gQbJsUPTIj3rQu99', '128.1M', 20.5],
};
const TIMM_RELEASE = `${GH}/rwightman/pytorch-image-models/releases/download/v0.1-hrnet`;
const TIMM_FILES: Record<string, string> = {
  'w18-small-v1': 'hrnet_w18_small_v1-f460c6bc.pth',
  'w18-small-v2': 'hrnet_w18_small_v2-4c50a8cb.pth',
  w18: 'hrnetv2_w18-8cb57bb9.pth',
  w30: 'hrnetv2_w30-8d7f8dab.pth',
  w32: 'hrnetv2_w32-90d8c5fb.pth',
  w40: 'hrnetv2_w40-7cd397a4.pth',
  w44: 'hrnetv2_w44-c9ac8c18.pth',
};
const clsConfig = (w: string) => `${CLS_REPO}/blob/master/experiments/cls_hrnet_${w.replace(/-/g, '_')}_sgd_lr5e-2_wd1e-4_bs32_x100.yaml`;

const classification: ZooEntry[] = Object.entries(CLS_ONEDRIVE).flatMap(([w, [url, params, top1Err]]) => {
  const base = {
    dataset: 'ImageNet-1k',
    model: { preset: w },
    config: clsConfig(w),
    keys: KEY_MAPPINGS.official!,
    params,
    metrics: { 'top-1 error %': top1Err },
  };
  const out: ZooEntry[] = [
    make('classify', 'hrnet')({
      ...base,
      name: `cls_hrnet_${w}_imagenet`,
      description: `HRNet-${w.toUpperCase()}-C ImageNet classifier (official release, also the ImageNet pre-training of every task)`,
      file: byHand(url, `hrnet_${w.replace(/-/g, '_')}.pth`),
    }),
  ];
  const timm = TIMM_FILES[w];
  if (timm) {
    out.push(
      make('classify', 'timm')({
        ...base,
        name: `cls_hrnet_${w}_imagenet_timm`,
        description: `HRNet-${w.toUpperCase()}-C ImageNet classifier: the official weights as re-hosted by timm (direct download)`,
        file: direct(`${TIMM_RELEASE}/${timm}`),
      }),
    );
  }
  return out;
});
classification.push(
  ...(
    [
      ['w18', 'HRNet_W18_C_cosinelr_cutmix_300epoch.pth.tar', 'CosineLR + CutMix, 300 epochs', 22.1],
      ['w48', 'HRNet_W48_C_cosinelr_cutmix_300epoch.pth.tar', 'CosineLR + CutMix, 300 epochs', 18.9],
      ['w18', 'HRNet_W18_C_ssld_pretrained.pth', 'SSLD, converted from PaddlePaddle', 18.8],
      ['w48', 'HRNet_W48_C_ssld_pretrained.pth', 'SSLD, converted from PaddlePaddle', 16.4],
    ] as const
  ).map(([w, file, how, err]) =>
    make('classify', 'hrnet')({
      name: `cls_hrnet_${w}_imagenet_${file.includes('ssld') ? 'ssld' : 'cutmix'}`,
      description: `HRNet-${w.toUpperCase()}-C ImageNet classifier (${how})`,
      dataset: 'ImageNet-1k',
      model: { preset: w },
      config: clsConfig(w),
      file: direct(`${CLS_REPO}/releases/download/PretrainedWeights/${file}`),
      keys: KEY_MAPPINGS.official!,
      metrics: { 'top-1 error %': err },
    }),
  ),
);

/** Every classification checkpoint of the zoo. */
export const CLASSIFY_ZOO: readonly ZooEntry[] = Object.freeze(classification);
