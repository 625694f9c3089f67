/**
 * The segmentation checkpoints this head runs (official HRNet-Semantic-Segmentation and mmsegmentation's
 * FCN-HRNet), with the network each needs. Sources: the repositories' README tables, mmsegmentation's
 * `configs/hrnet/metafile.yaml` and configs (`_base_/models/fcn_hr18.py`, the `hr18s`/`hr48` overrides).
 */
import { KEY_MAPPINGS, type ZooEntry, type ZooOrigin, type ZooTask, byHandFile as byHand, directFile as direct } from '@hrnetjs/core';

/**
 * How a zoo entry's network differs from its preset (`model.overrides` of a seg entry): mmsegmentation builds
 * `FCNHead` on any trunk and class count, and resizes with `align_corners=False` everywhere.
 */
export interface SegZooOverrides {
  /** The HRNet trunk (`hrnet-backbone` preset): `w18-small-v2` for mmseg's `hr18s`, `w18`, `w48`. */
  trunk?: 'w18' | 'w18-small-v1' | 'w18-small-v2' | 'w48';
  numClasses?: number;
  /** Data set the classes follow (class names and palette where known). */
  dataset?: string;
  /** Fuse layers, HRNetV2 concatenation and logits upsampling (bilinear in every case). */
  alignCorners?: boolean;
}

/**
 * mmsegmentation's test settings of an entry (`processing`), the defaults of `segment()`: the test pipeline's
 * `Resize(img_scale, keep_ratio=True)` and `test_cfg` (`mode='whole'`, or `'slide'` with crop and stride).
 */
export interface SegZooProcessing {
  /** `img_scale` `[long, short]` edges the image is rescaled to fit (mmcv `rescale_size`). */
  imgScale?: [number, number];
  /** `test_cfg.mode='slide'`: `crop_size` and `stride` as `[width, height]` (mmseg's sliding window). */
  slide?: { cropSize: [number, number]; stride: [number, number] };
}

const GH = 'https://github.com';
const SEG_REPO = `${GH}/HRNet/HRNet-Semantic-Segmentation`;
const MMSEG = `${GH}/open-mmlab/mmsegmentation/blob/main`;
const make =
  (task: ZooTask, origin: ZooOrigin) =>
  (s: Omit<ZooEntry, 'task' | 'origin'>): ZooEntry => ({ task, origin, ...s });

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
    keys: KEY_MAPPINGS['official-seg']!,
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
      keys: KEY_MAPPINGS['official-seg']!,
      metrics: { mIoU: miou },
      params,
      notes: 'OneDrive share link: download in a browser; the local file name is ours (the release names none).',
    }),
  ),
);

/** `decode_head.num_classes` of mmsegmentation's configs for each data set. */
const MMSEG_CLASSES: Record<string, number> = { cityscapes: 19, ade20k: 150, voc: 21, pascal_ctx: 59, pascal_ctx60: 60 };

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
  const trunk = name.startsWith('fcn_hr18s') ? 'w18-small-v2' : name.startsWith('fcn_hr18') ? 'w18' : 'w48';
  const folder = file.slice(0, file.search(/_20\d{6}/));
  const ds = dataset.startsWith('Cityscapes') ? 'cityscapes' : dataset.startsWith('ADE') ? 'ade20k' : dataset.includes('59') ? 'pascal_ctx' : dataset.includes('60') ? 'pascal_ctx60' : 'voc';
  const overrides: SegZooOverrides = { trunk, numClasses: MMSEG_CLASSES[ds]!, dataset: ds, alignCorners: false };
  return make('seg', 'mmsegmentation')({
    name: `mmseg_${name}`,
    description: `mmsegmentation FCN on HRNetV2-${trunk.toUpperCase()}, ${dataset}`,
    dataset,
    // the official preset of the same data set (test sizes); VOC and the 60-class Context have none
    model: { preset: `w48_${ds === 'voc' || ds === 'pascal_ctx60' ? 'pascal_ctx' : ds}`, overrides: { ...overrides } },
    config: `${MMSEG}/configs/hrnet/${name}.py`,
    file: direct(`${MMSEG_DL}/${folder}/${file}`),
    keys: KEY_MAPPINGS['mmseg-fcn']!,
    metrics: { mIoU: miou },
    // the configs' test pipelines and test_cfg (mmseg's configs/_base_/datasets/*.py)
    processing: (ds === 'cityscapes'
      ? { imgScale: [2048, 1024] }
      : ds.startsWith('pascal_ctx')
        ? { imgScale: [520, 520], slide: { cropSize: [480, 480], stride: [320, 320] } }
        : { imgScale: [2048, 512] }) satisfies SegZooProcessing,
    notes:
      "mmsegmentation's HRNet fuses branches with bilinear upsampling, align_corners=False (its HRModule), and " +
      'FCNHead resizes and concatenates with align_corners=False; `hr18s` is the W18-Small-v2 trunk, `hr18` the ' +
      'full W18. RGB with ImageNet mean/std as in the official code.',
  });
});

/** Every segmentation checkpoint of the zoo: official first. */
export const SEG_ZOO: readonly ZooEntry[] = Object.freeze([...officialSeg, ...mmseg]);
