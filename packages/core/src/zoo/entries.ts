/**
 * The model zoo: every released checkpoint of the official HRNet repositories and the HRNet models of
 * OpenMMLab (mmpose, mmsegmentation, mmdetection), with the facts the publishers give. Sources: each
 * repository's README model tables and OpenMMLab's `metafile.yml` files. Checksums are never guessed: an
 * entry has `sha256Prefix` only where the published file name carries one (OpenMMLab `-xxxxxxxx_date.pth`,
 * torch.hub/timm `-xxxxxxxx.pth`), and no checksum at all otherwise (OneDrive / Google Drive files).
 */
import type { ZooEntry, ZooFile, ZooKeyMapping, ZooOrigin, ZooTask } from './types.js';

const GH = 'https://github.com';
const POSE_REPO = `${GH}/HRNet/deep-high-resolution-net.pytorch`;
const SEG_REPO = `${GH}/HRNet/HRNet-Semantic-Segmentation`;
const FACE_REPO = `${GH}/HRNet/HRNet-Facial-Landmark-Detection`;
const CLS_REPO = `${GH}/HRNet/HRNet-Image-Classification`;
const FCOS_REPO = `${GH}/HRNet/HRNet-FCOS`;
const MMPOSE = `${GH}/open-mmlab/mmpose/blob/main`;
const MMSEG = `${GH}/open-mmlab/mmsegmentation/blob/main`;
const MMDET = `${GH}/open-mmlab/mmdetection/blob/main`;

/** The official pose model zoo is one shared Google Drive folder (OneDrive mirror); files are fetched by hand. */
const POSE_DRIVE = 'https://drive.google.com/drive/folders/1hOTihvbyIxsm5ygDpbUuJ7O_tzv4oXjC';
const POSE_ONEDRIVE = 'https://1drv.ms/f/s!AhIXJn_J-blW231MH2krnmLq5kkQ';

/** `name-<hex>.pth` or `name-<hex>_<date>.pth` → the hex (a SHA-256 prefix by the publishers' convention). */
export function sha256PrefixFromFileName(fileName: string): string | undefined {
  const m = /-([0-9a-f]{8,64})(?:_\d{8}(?:_\d{6})?)?\.pth(?:\.tar)?$/.exec(fileName);
  return m?.[1];
}

function direct(url: string): ZooFile {
  const fileName = url.slice(url.lastIndexOf('/') + 1);
  const prefix = sha256PrefixFromFileName(fileName);
  return { url, fileName, direct: true, ...(prefix ? { sha256Prefix: prefix } : {}) };
}

function byHand(url: string, fileName: string, mirrors: string[] = []): ZooFile {
  return { url, fileName, direct: false, ...(mirrors.length ? { mirrors } : {}) };
}

// ---------------------------------------------------------------------------------------------- key rules
/** Official checkpoints load as they are (DataParallel `module.`, seg `model.`/`loss.` handled by the defaults). */
const OFFICIAL: ZooKeyMapping = { rules: {} };

/** Official segmentation checkpoints also carry the training-time `loss.*` criterion; the defaults drop it. */
const OFFICIAL_SEG: ZooKeyMapping = { rules: { dropPrefix: ['loss.'] } };

/** mmpose top-down heatmap models: `backbone.` trunk; `head.final_layer` (1.x) or `keypoint_head.final_layer` (0.x). */
const MMPOSE_POSE: ZooKeyMapping = {
  rules: {
    stripPrefix: ['backbone.'],
    rename: [
      ['head.final_layer.', 'final_layer.'],
      ['keypoint_head.final_layer.', 'final_layer.'],
    ],
  },
};

/**
 * mmpose face models (0.x `TopdownHeatmapSimpleHead` with one 1x1 conv layer): `keypoint_head.final_layer`
 * is Sequential(conv, BN, ReLU, conv) exactly like the official `head`; 1.x `HeatmapHead` splits it into
 * `conv_layers` (conv, BN) and `final_layer`.
 */
const MMPOSE_FACE: ZooKeyMapping = {
  rules: {
    stripPrefix: ['backbone.'],
    rename: [
      ['keypoint_head.final_layer.', 'head.'],
      ['head.conv_layers.0.', 'head.0.'],
      ['head.conv_layers.1.', 'head.1.'],
      ['head.final_layer.', 'head.3.'],
    ],
  },
};

/**
 * mmsegmentation `FCNHead` (num_convs 1, kernel 1, resize_concat) = the official `last_layer`
 * (conv, BN, ReLU, conv); its `ConvModule` has no bias before BN, so the official conv bias is zero.
 */
const MMSEG_FCN: ZooKeyMapping = {
  rules: {
    dropPrefix: ['auxiliary_head.'],
    stripPrefix: ['backbone.'],
    rename: [
      ['decode_head.convs.0.conv.', 'last_layer.0.'],
      ['decode_head.convs.0.bn.', 'last_layer.1.'],
      ['decode_head.conv_seg.', 'last_layer.3.'],
    ],
  },
  zeroBiases: ['last_layer.0.bias'],
};

/**
 * mmdetection FCOS + HRFPN onto the official HRNet-FCOS names (`backbone.body`, `backbone.fpn`, `rpn.head`).
 * Tower convs are `ConvModule`s without bias before GroupNorm (official: with bias), so those biases are zero.
 */
function mmdetFcos(numConvs = 4, numOuts = 5): ZooKeyMapping {
  const rename: [string, string][] = [
    ['neck.reduction_conv.conv.', 'backbone.fpn.reduction_conv.0.'],
    ['bbox_head.conv_cls.', 'rpn.head.cls_logits.'],
    ['bbox_head.conv_reg.', 'rpn.head.bbox_pred.'],
    ['bbox_head.conv_centerness.', 'rpn.head.centerness.'],
    ['bbox_head.scales.', 'rpn.head.scales.'],
  ];
  const zeroBiases: string[] = [];
  for (let i = 0; i < numOuts; i++) rename.push([`neck.fpn_convs.${i}.conv.`, `backbone.fpn.fpn_conv.${i}.`]);
  for (let i = 0; i < numConvs; i++) {
    for (const [mm, ours] of [['cls_convs', 'cls_tower'], ['reg_convs', 'bbox_tower']] as const) {
      rename.push([`bbox_head.${mm}.${i}.conv.`, `rpn.head.${ours}.${3 * i}.`]);
      rename.push([`bbox_head.${mm}.${i}.gn.`, `rpn.head.${ours}.${3 * i + 1}.`]);
      zeroBiases.push(`rpn.head.${ours}.${3 * i}.bias`);
    }
  }
  rename.push(['backbone.', 'backbone.body.']);
  return { rules: { rename }, zeroBiases };
}

// ------------------------------------------------------------------------------------------------ entries
type Spec = Omit<ZooEntry, 'task' | 'origin'>;
const make = (task: ZooTask, origin: ZooOrigin) => (s: Spec): ZooEntry => ({ task, origin, ...s });

/** deep-high-resolution-net.pytorch: COCO val2017 AP (person detector AP 56.4) and MPII PCKh@0.5, flip test. */
const officialPose: ZooEntry[] = (
  [
    ['coco', 'w32', '256x192', 0.744, '28.5M'],
    ['coco', 'w32', '384x288', 0.758, '28.5M'],
    ['coco', 'w48', '256x192', 0.751, '63.6M'],
    ['coco', 'w48', '384x288', 0.763, '63.6M'],
    ['mpii', 'w32', '256x256', 0.903, undefined],
    ['mpii', 'w48', '256x256', undefined, undefined],
  ] as const
).map(([ds, w, size, metric, params]) =>
  make('pose', 'hrnet')({
    name: `pose_hrnet_${w}_${ds}_${size}`,
    description: `HRNet-${w.toUpperCase()} top-down pose, ${ds.toUpperCase()}, input ${size}`,
    dataset: ds === 'coco' ? 'COCO keypoints 2017' : 'MPII',
    model: { preset: `${ds}_${w}_${size}` },
    config: `${POSE_REPO}/blob/master/experiments/${ds}/hrnet/${w}_${size}_adam_lr1e-3.yaml`,
    file: byHand(POSE_DRIVE, `pose_hrnet_${w}_${size}.pth`, [POSE_ONEDRIVE]),
    keys: OFFICIAL,
    ...(metric === undefined ? {} : { metrics: { [ds === 'coco' ? 'AP' : 'PCKh@0.5']: metric } }),
    ...(params ? { params } : {}),
    notes: `In the shared folder under pose_${ds}/.`,
  }),
);

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
    keys: OFFICIAL,
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
      keys: OFFICIAL,
      metrics: { 'top-1 error %': err },
    }),
  ),
);

const HSFZ = `${GH}/hsfzxjy/models.storage/releases/download/HRNet-OCR`;
/** HRNet-Semantic-Segmentation (pytorch-v1.1 and HRNet-OCR branches): mIoU as in their README tables. */
const officialSeg: ZooEntry[] = [
  ['seg_hrnet_w48_cityscapes', 'HRNetV2-W48, Cityscapes train', 'Cityscapes', 'w48_cityscapes', `${HSFZ}/hrnet_cs_8090_torch11.pth`, 80.9, 'HRNet-OCR/experiments/cityscapes/seg_hrnet_w48_train_512x1024_sgd_lr1e-2_wd5e-4_bs_12_epoch484.yaml'],
  ['seg_hrnet_ocr_w48_cityscapes', 'HRNetV2-W48 + OCR, Cityscapes train', 'Cityscapes', 'ocr_w48_cityscapes', `${HSFZ}/hrnet_ocr_cs_8162_torch11.pth`, 81.6, 'HRNet-OCR/experiments/cityscapes/seg_hrnet_ocr_w48_train_512x1024_sgd_lr1e-2_wd5e-4_bs_12_epoch484.yaml'],
  ['seg_hrnet_ocr_w48_cityscapes_trainval', 'HRNetV2-W48 + OCR, Cityscapes train+val', 'Cityscapes', 'ocr_w48_cityscapes', `${HSFZ}/hrnet_ocr_cs_trainval_8227_torch11.pth`, 82.3, 'HRNet-OCR/experiments/cityscapes/seg_hrnet_ocr_w48_trainval_512x1024_sgd_lr1e-2_wd5e-4_bs_12_epoch484.yaml'],
  ['seg_hrnet_w48_lip', 'HRNetV2-W48, LIP', 'LIP', 'w48_lip', `${HSFZ}/hrnet_lip_5583_torch04.pth`, 55.83, 'HRNet-OCR/experiments/lip/seg_hrnet_w48_473x473_sgd_lr7e-3_wd5e-4_bs_40_epoch150.yaml'],
  ['seg_hrnet_ocr_w48_lip', 'HRNetV2-W48 + OCR, LIP', 'LIP', 'ocr_w48_lip', `${HSFZ}/hrnet_ocr_lip_5648_torch04.pth`, 56.48, 'HRNet-OCR/experiments/lip/seg_hrnet_ocr_w48_473x473_sgd_lr7e-3_wd5e-4_bs_40_epoch150.yaml'],
  ['seg_hrnet_w48_pascal_ctx59', 'HRNetV2-W48, PASCAL-Context 59 classes', 'PASCAL-Context (59)', 'w48_pascal_ctx', `${HSFZ}/hrnet_pascal_ctx_5410_torch11.pth`, 54.1, 'HRNet-OCR/experiments/pascal_ctx/seg_hrnet_w48_cls59_520x520_sgd_lr1e-3_wd1e-4_bs_16_epoch200.yaml'],
  ['seg_hrnet_ocr_w48_pascal_ctx59', 'HRNetV2-W48 + OCR, PASCAL-Context 59 classes', 'PASCAL-Context (59)', 'ocr_w48_pascal_ctx', `${HSFZ}/hrnet_ocr_pascal_ctx_5618_torch11.pth`, 56.2, 'HRNet-OCR/experiments/pascal_ctx/seg_hrnet_ocr_w48_cls59_520x520_sgd_lr1e-3_wd1e-4_bs_16_epoch200.yaml'],
  ['seg_hrnet_w48_cocostuff', 'HRNetV2-W48, COCO-Stuff', 'COCO-Stuff', 'w48_cocostuff', `${HSFZ}/hrnet_cocostuff_3617_torch04.pth`, 36.2, 'HRNet-OCR/experiments/cocostuff/seg_hrnet_w48_520x520_ohem_sgd_lr1e-3_wd1e-4_bs_16_epoch110.yaml'],
  ['seg_hrnet_ocr_w48_cocostuff', 'HRNetV2-W48 + OCR, COCO-Stuff', 'COCO-Stuff', 'ocr_w48_cocostuff', `${HSFZ}/hrnet_ocr_cocostuff_3965_torch04.pth`, 39.7, 'HRNet-OCR/experiments/cocostuff/seg_hrnet_ocr_w48_520x520_ohem_sgd_lr1e-3_wd1e-4_bs_16_epoch110.yaml'],
  ['seg_hrnet_w48_ade20k', 'HRNetV2-W48, ADE20K', 'ADE20K', 'w48_ade20k', `${HSFZ}/hrnet_ade20k_4312_torch04.pth`, 43.1, 'HRNet-OCR/experiments/ade20k/seg_hrnet_w48_520x520_ohem_sgd_lr2e-2_wd1e-4_bs_16_epoch120.yaml'],
  ['seg_hrnet_ocr_w48_ade20k', 'HRNetV2-W48 + OCR, ADE20K', 'ADE20K', 'ocr_w48_ade20k', `${HSFZ}/hrnet_ocr_ade20k_4451_torch04.pth`, 44.5, 'HRNet-OCR/experiments/ade20k/seg_hrnet_ocr_w48_520x520_ohem_sgd_lr2e-2_wd1e-4_bs_16_epoch120.yaml'],
].map(([name, description, dataset, preset, url, miou, cfg]) =>
  make('seg', 'hrnet')({
    name: name as string,
    description: description as string,
    dataset: dataset as string,
    model: { preset: preset as string },
    config: `${SEG_REPO}/blob/${cfg as string}`,
    file: direct(url as string),
    keys: OFFICIAL_SEG,
    metrics: { mIoU: miou as number },
  }),
);
officialSeg.push(
  ...(
    [
      ['seg_hrnet_w48_cityscapes_v11', 'HRNetV2-W48, Cityscapes train (pytorch-v1.1 branch)', 'Cityscapes', 'w48_cityscapes', 'https://1drv.ms/u/s!Aus8VCZ_C_33gSlK7Fju_sXCxFUt?e=WZ96Ck', 'hrnet_w48_cityscapes_cls19_1024x2048_trainset.pth', 81.1, 'pytorch-v1.1/experiments/cityscapes/seg_hrnet_w48_train_512x1024_sgd_lr1e-2_wd5e-4_bs_12_epoch484.yaml', '65.8M'],
      ['seg_hrnet_w48_lip_v11', 'HRNetV2-W48, LIP (pytorch-v1.1 branch)', 'LIP', 'w48_lip', 'https://1drv.ms/u/s!Aus8VCZ_C_33gSjZUHtqfojPfBc6?e=4sE90v', 'hrnet_w48_lip_cls20_473x473.pth', 55.8, 'pytorch-v1.1/experiments/lip/seg_hrnet_w48_473x473_sgd_lr7e-3_wd5e-4_bs_40_epoch150.yaml', '65.8M'],
      ['seg_hrnet_w18_small_v1_cityscapes', 'HRNetV2-W18-Small-v1, Cityscapes train', 'Cityscapes', 'w18-small-v1_cityscapes', 'https://1drv.ms/u/s!Aus8VCZ_C_33gSEsg-2sxTmZL2AT?e=AqHbjh', 'hrnet_w18_small_v1_cityscapes_cls19_1024x2048_trainset.pth', 70.3, 'pytorch-v1.1/experiments/cityscapes/seg_hrnet_w18_small_v1_512x1024_sgd_lr1e-2_wd5e-4_bs_12_epoch484.yaml', '1.5M'],
      ['seg_hrnet_w18_small_v2_cityscapes', 'HRNetV2-W18-Small-v2, Cityscapes train', 'Cityscapes', 'w18-small-v2_cityscapes', 'https://1drv.ms/u/s!Aus8VCZ_C_33gSAL4OurOW0RX4JH?e=ptLwpW', 'hrnet_w18_small_v2_cityscapes_cls19_1024x2048_trainset.pth', 76.2, 'pytorch-v1.1/experiments/cityscapes/seg_hrnet_w18_small_v2_512x1024_sgd_lr1e-2_wd5e-4_bs_12_epoch484.yaml', '3.9M'],
    ] as const
  ).map(([name, description, dataset, preset, url, fileName, miou, cfg, params]) =>
    make('seg', 'hrnet')({
      name,
      description,
      dataset,
      model: { preset },
      config: `${SEG_REPO}/blob/${cfg}`,
      file: byHand(url, fileName),
      keys: OFFICIAL_SEG,
      metrics: { mIoU: miou },
      params,
      notes: 'OneDrive share link: download in a browser; the local file name is ours (the release names none).',
    }),
  ),
);

/** HRNet-Facial-Landmark-Detection: NME (%) on each test set's full split. */
const officialFace: ZooEntry[] = (
  [
    ['300w', 'HR18-300W.pth', 'https://1drv.ms/u/s!AiWjZ1LamlxzeYLmza1XU-4WhnQ', 'NME full', 3.34, '300W'],
    ['wflw', 'HR18-WFLW.pth', 'https://1drv.ms/u/s!AiWjZ1LamlxzdTsr_9QZCwJsn5U', 'NME test', 4.6, 'WFLW'],
    ['cofw', 'HR18-COFW.pth', 'https://1drv.ms/u/s!AiWjZ1LamlxzdFIsEUQl8jgUaMk', 'NME', 3.45, 'COFW'],
    ['aflw', 'HR18-AFLW.pth', 'https://1drv.ms/u/s!AiWjZ1Lamlxzc7xumEw810iBLTc', 'NME full', 1.57, 'AFLW'],
  ] as const
).map(([ds, file, url, metric, value, dataset]) =>
  make('face', 'hrnet')({
    name: `face_hrnet_w18_${ds}`,
    description: `HRNetV2-W18 facial landmarks, ${dataset}`,
    dataset,
    model: { preset: ds },
    config: `${FACE_REPO}/blob/master/experiments/${ds}/face_alignment_${ds}_hrnet_w18.yaml`,
    file: byHand(url, file),
    keys: OFFICIAL,
    metrics: { [metric]: value },
  }),
);

/** HRNet-FCOS (OneDrive): COCO minival box AP. The official builder hard-codes its trunk per width. */
const officialFcos: ZooEntry[] = (
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
  return make('det', 'hrnet')({
    name: `det_fcos_hrnet_${v}`,
    description: `FCOS with HRNetV2p-${w.toUpperCase()}, ${levels === '6l' ? '6' : '5'} FPN levels${ms ? ', multi-scale training' : ''}`,
    dataset: 'COCO 2017',
    model: { preset: `fcos_${w}_${levels}` },
    config: `${FCOS_REPO}/blob/master/configs/fcos/fcos_hrnet_${v.replace('_ms', '').replace(/_(\dx)$/, ms ? '_ms_$1' : '_$1')}.yaml`,
    file: byHand(url, `FCOS_hrnet_${v}.pth`),
    keys: OFFICIAL,
    metrics: { 'box AP': ap },
    params,
    notes: 'Released as {"model": {"module." + key}}: core unwraps both.',
  });
});

// ------------------------------------------------------------------------------------------- OpenMMLab
const MMPOSE_DL = 'https://download.openmmlab.com/mmpose';
const mmposePose: ZooEntry[] = (
  [
    ['td-hm_hrnet-w32_8xb64-210e_coco-256x192', 'coco_w32_256x192', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192-81c58e40_20220909.pth`, 0.746],
    ['td-hm_hrnet-w32_8xb64-210e_coco-384x288', 'coco_w32_384x288', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-384x288-ca5956af_20220909.pth`, 0.76],
    ['td-hm_hrnet-w48_8xb32-210e_coco-256x192', 'coco_w48_256x192', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w48_8xb32-210e_coco-256x192-0e67c616_20220913.pth`, 0.756],
    ['td-hm_hrnet-w48_8xb32-210e_coco-384x288', 'coco_w48_384x288', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w48_8xb32-210e_coco-384x288-c161b7de_20220915.pth`, 0.767],
    ['td-hm_hrnet-w32_dark-8xb64-210e_coco-256x192', 'coco_w32_256x192', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_dark-8xb64-210e_coco-256x192-0e00bf12_20220914.pth`, 0.757],
    ['td-hm_hrnet-w32_dark-8xb64-210e_coco-384x288', 'coco_w32_384x288', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_dark-8xb64-210e_coco-384x288-9bab4c9b_20220917.pth`, 0.766],
    ['td-hm_hrnet-w48_dark-8xb32-210e_coco-256x192', 'coco_w48_256x192', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w48_dark-8xb32-210e_coco-256x192-e1ebdd6f_20220913.pth`, 0.764],
    ['td-hm_hrnet-w48_dark-8xb32-210e_coco-384x288', 'coco_w48_384x288', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w48_dark-8xb32-210e_coco-384x288-39c3c381_20220916.pth`, 0.772],
    ['td-hm_hrnet-w32_8xb64-210e_mpii-256x256', 'mpii_w32_256x256', 'mpii', `${MMPOSE_DL}/top_down/hrnet/hrnet_w32_mpii_256x256-6c4f923f_20200812.pth`, undefined],
    ['td-hm_hrnet-w48_8xb64-210e_mpii-256x256', 'mpii_w48_256x256', 'mpii', `${MMPOSE_DL}/top_down/hrnet/hrnet_w48_mpii_256x256-92cab7bd_20200812.pth`, undefined],
  ] as const
).map(([name, preset, ds, url, ap]) => {
  const folder = ds === 'coco' ? 'coco' : 'mpii';
  const dark = name.includes('dark');
  return make('pose', 'mmpose')({
    name: `mmpose_${name}`,
    description: `mmpose top-down heatmap HRNet${dark ? ' + DARK' : ''}, ${ds.toUpperCase()}`,
    dataset: ds === 'coco' ? 'COCO keypoints 2017' : 'MPII',
    model: { preset },
    config: `${MMPOSE}/configs/body_2d_keypoint/topdown_heatmap/${folder}/${name}.py`,
    file: direct(url),
    keys: MMPOSE_POSE,
    ...(ap === undefined ? {} : { metrics: { AP: ap } }),
    ...(dark ? { notes: 'Trained with DARK heatmaps: decode with the DARK method for the published AP.' } : {}),
  });
});

const mmposeFace: ZooEntry[] = (
  [
    ['300w', `${MMPOSE_DL}/face/hrnetv2/hrnetv2_w18_300w_256x256-eea53406_20211019.pth`, 'NME full', 3.45, '300W'],
    ['wflw', `${MMPOSE_DL}/face/hrnetv2/hrnetv2_w18_wflw_256x256-2bf032a6_20210125.pth`, 'NME test', 4.06, 'WFLW'],
    ['cofw', `${MMPOSE_DL}/face/hrnetv2/hrnetv2_w18_cofw_256x256-49243ab8_20211019.pth`, 'NME', 3.48, 'COFW'],
    ['aflw', `${MMPOSE_DL}/face/hrnetv2/hrnetv2_w18_aflw_256x256-f2bbc62b_20210125.pth`, 'NME full', 1.41, 'AFLW'],
  ] as const
).map(([ds, url, metric, value, dataset]) =>
  make('face', 'mmpose')({
    name: `mmpose_td-hm_hrnetv2-w18_8xb64-60e_${ds}-256x256`,
    description: `mmpose HRNetV2-W18 facial landmarks, ${dataset}, input 256x256`,
    dataset,
    model: { preset: ds, overrides: { imageSize: [256, 256] } },
    config: `${MMPOSE}/configs/face_2d_keypoint/topdown_heatmap/${ds}/td-hm_hrnetv2-w18_8xb64-60e_${ds}-256x256.py`,
    file: direct(url),
    keys: MMPOSE_FACE,
    metrics: { [metric]: value },
    notes: 'mmpose normalises RGB with ImageNet mean/std like the official code; crops are 256x256.',
  }),
);

const MMSEG_DL = 'https://download.openmmlab.com/mmsegmentation/v0.5/hrnet';
/** mmsegmentation FCN-HRNet (configs/hrnet/metafile.yaml): single-scale mIoU. */
const mmseg: ZooEntry[] = (
  [
    ['fcn_hr18s_4xb2-40k_cityscapes-512x1024', 'fcn_hr18s_512x1024_40k_cityscapes_20200601_014216-93db27d0.pth', 'Cityscapes', 73.86],
    ['fcn_hr18_4xb2-40k_cityscapes-512x1024', 'fcn_hr18_512x1024_40k_cityscapes_20200601_014216-f196fb4e.pth', 'Cityscapes', 77.19],
    ['fcn_hr48_4xb2-40k_cityscapes-512x1024', 'fcn_hr48_512x1024_40k_cityscapes_20200601_014240-a989b146.pth', 'Cityscapes', 78.48],
    ['fcn_hr18s_4xb2-80k_cityscapes-512x1024', 'fcn_hr18s_512x1024_80k_cityscapes_20200601_202700-1462b75d.pth', 'Cityscapes', 75.31],
    ['fcn_hr18_4xb2-80k_cityscapes-512x1024', 'fcn_hr18_512x1024_80k_cityscapes_20200601_223255-4e7b345e.pth', 'Cityscapes', 78.65],
    ['fcn_hr48_4xb2-80k_cityscapes-512x1024', 'fcn_hr48_512x1024_80k_cityscapes_20200601_202606-58ea95d6.pth', 'Cityscapes', 79.93],
    ['fcn_hr18s_4xb2-160k_cityscapes-512x1024', 'fcn_hr18s_512x1024_160k_cityscapes_20200602_190901-4a0797ea.pth', 'Cityscapes', 76.31],
    ['fcn_hr18_4xb2-160k_cityscapes-512x1024', 'fcn_hr18_512x1024_160k_cityscapes_20200602_190822-221e4a4f.pth', 'Cityscapes', 78.8],
    ['fcn_hr48_4xb2-160k_cityscapes-512x1024', 'fcn_hr48_512x1024_160k_cityscapes_20200602_190946-59b7973e.pth', 'Cityscapes', 80.65],
    ['fcn_hr18s_4xb4-80k_ade20k-512x512', 'fcn_hr18s_512x512_80k_ade20k_20200614_144345-77fc814a.pth', 'ADE20K', 31.38],
    ['fcn_hr18_4xb4-80k_ade20k-512x512', 'fcn_hr18_512x512_80k_ade20k_20210827_114910-6c9382c0.pth', 'ADE20K', 36.27],
    ['fcn_hr48_4xb4-80k_ade20k-512x512', 'fcn_hr48_512x512_80k_ade20k_20200614_193946-7ba5258d.pth', 'ADE20K', 41.9],
    ['fcn_hr18s_4xb4-160k_ade20k-512x512', 'fcn_hr18s_512x512_160k_ade20k_20210829_174739-f1e7c2e7.pth', 'ADE20K', 33.07],
    ['fcn_hr18_4xb4-160k_ade20k-512x512', 'fcn_hr18_512x512_160k_ade20k_20200614_214426-ca961836.pth', 'ADE20K', 36.79],
    ['fcn_hr48_4xb4-160k_ade20k-512x512', 'fcn_hr48_512x512_160k_ade20k_20200614_214407-a52fc02c.pth', 'ADE20K', 42.02],
    ['fcn_hr18s_4xb4-20k_voc12aug-512x512', 'fcn_hr18s_512x512_20k_voc12aug_20210829_174910-0aceadb4.pth', 'Pascal VOC 2012 + Aug', 65.5],
    ['fcn_hr18_4xb4-20k_voc12aug-512x512', 'fcn_hr18_512x512_20k_voc12aug_20200617_224503-488d45f7.pth', 'Pascal VOC 2012 + Aug', 72.3],
    ['fcn_hr48_4xb4-20k_voc12aug-512x512', 'fcn_hr48_512x512_20k_voc12aug_20200617_224419-89de05cd.pth', 'Pascal VOC 2012 + Aug', 75.87],
    ['fcn_hr18s_4xb4-40k_voc12aug-512x512', 'fcn_hr18s_512x512_40k_voc12aug_20200614_000648-4f8d6e7f.pth', 'Pascal VOC 2012 + Aug', 66.61],
    ['fcn_hr18_4xb4-40k_voc12aug-512x512', 'fcn_hr18_512x512_40k_voc12aug_20200613_224401-1b4b76cd.pth', 'Pascal VOC 2012 + Aug', 72.9],
    ['fcn_hr48_4xb4-40k_voc12aug-512x512', 'fcn_hr48_512x512_40k_voc12aug_20200613_222111-1b0f18bc.pth', 'Pascal VOC 2012 + Aug', 76.24],
    ['fcn_hr48_4xb4-40k_pascal-context-480x480', 'fcn_hr48_480x480_40k_pascal_context_20200911_164852-667d00b0.pth', 'PASCAL-Context (60)', 45.14],
    ['fcn_hr48_4xb4-80k_pascal-context-480x480', 'fcn_hr48_480x480_80k_pascal_context_20200911_155322-847a6711.pth', 'PASCAL-Context (60)', 45.84],
    ['fcn_hr48_4xb4-40k_pascal-context-59-480x480', 'fcn_hr48_480x480_40k_pascal_context_59_20210410_122738-b808b8b2.pth', 'PASCAL-Context (59)', 50.33],
    ['fcn_hr48_4xb4-80k_pascal-context-59-480x480', 'fcn_hr48_480x480_80k_pascal_context_59_20210411_003240-3ae7081e.pth', 'PASCAL-Context (59)', 51.12],
  ] as const
).map(([name, file, dataset, miou]) => {
  const width = name.startsWith('fcn_hr18s') ? 'w18-small-v2' : name.startsWith('fcn_hr18') ? 'w18' : 'w48';
  const folder = file.slice(0, file.search(/_20\d{6}/));
  const ds = dataset.startsWith('Cityscapes') ? 'cityscapes' : dataset.startsWith('ADE') ? 'ade20k' : dataset.includes('59') ? 'pascal_ctx' : dataset.includes('60') ? 'pascal_ctx60' : 'voc';
  return make('seg', 'mmsegmentation')({
    name: `mmseg_${name}`,
    description: `mmsegmentation FCN on HRNetV2-${width.toUpperCase()}, ${dataset}`,
    dataset,
    model: { preset: `${width}_${ds}`, overrides: { fuseUpsample: { mode: 'nearest' }, alignCorners: false } },
    config: `${MMSEG}/configs/hrnet/${name}.py`,
    file: direct(`${MMSEG_DL}/${folder}/${file}`),
    keys: MMSEG_FCN,
    metrics: { mIoU: miou },
    notes:
      "mmsegmentation's HRNet fuses branches with nearest upsampling (the official segmentation code: bilinear), " +
      '`hr18s` is the W18-Small-v2 trunk; BGR→RGB with ImageNet mean/std as in the official code.',
  });
});

const MMDET_DL = 'https://download.openmmlab.com/mmdetection/v2.0/hrnet';
/** mmdetection FCOS-HRNet (configs/hrnet/metafile.yml): COCO val box AP. Other mmdet HRNet detectors are not ported. */
const mmdet: ZooEntry[] = (
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
  make('det', 'mmdetection')({
    name: `mmdet_${name}`,
    description: `mmdetection FCOS with HRNetV2p-${w.toUpperCase()}, GN head, COCO`,
    dataset: 'COCO 2017',
    model: { preset: `fcos_${w}_5l`, overrides: { mmdet: true } },
    config: `${MMDET}/configs/hrnet/${name}.py`,
    file: direct(`${MMDET_DL}/${name}/${name}_${stamp}.pth`),
    keys: mmdetFcos(),
    metrics: { 'box AP': ap },
    notes:
      'mmdetection preprocesses RGB with ImageNet mean/std (the official HRNet-FCOS: BGR minus mean) and ' +
      'pads to a multiple of 32; its tower convs have no bias (zero here).',
  }),
);

/**
 * The key mappings by name, for checkpoints that are not zoo entries (`hrnet … --keys mmpose`): the same
 * rules the zoo entries of each origin use.
 */
export const KEY_MAPPINGS: Readonly<Record<string, ZooKeyMapping>> = Object.freeze({
  official: OFFICIAL,
  'official-seg': OFFICIAL_SEG,
  'mmpose-pose': MMPOSE_POSE,
  'mmpose-face': MMPOSE_FACE,
  'mmseg-fcn': MMSEG_FCN,
  'mmdet-fcos': mmdetFcos(),
});

/** Every zoo entry, official first, by task. */
export const ZOO: readonly ZooEntry[] = Object.freeze([
  ...officialPose,
  ...mmposePose,
  ...officialSeg,
  ...mmseg,
  ...officialFcos,
  ...mmdet,
  ...officialFace,
  ...mmposeFace,
  ...classification,
]);
