/**
 * The face landmark checkpoints this head runs (official HRNet-Facial-Landmark-Detection and mmpose's
 * HRNetV2-W18 face models). Sources: the README tables and mmpose's `metafile.yml` / configs.
 */
import { KEY_MAPPINGS, type ZooEntry, type ZooOrigin, type ZooTask, byHandFile as byHand, directFile as direct } from '@hrnetjs/core';

/** How a face entry's network differs from its preset (`model.overrides`). */
export interface FaceZooOverrides {
  /** Crop size `[width, height]` (`MODEL.IMAGE_SIZE`; mmpose's `input_size`). */
  imageSize?: [number, number];
}

const GH = 'https://github.com';
const FACE_REPO = `${GH}/HRNet/HRNet-Facial-Landmark-Detection`;
const MMPOSE = `${GH}/open-mmlab/mmpose/blob/main`;
const MMPOSE_DL = 'https://download.openmmlab.com/mmpose';
const make =
  (task: ZooTask, origin: ZooOrigin) =>
  (s: Omit<ZooEntry, 'task' | 'origin'>): ZooEntry => ({ task, origin, ...s });

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
    keys: KEY_MAPPINGS.official!,
    metrics: { [metric]: value },
  }),
);

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
    keys: KEY_MAPPINGS['mmpose-face']!,
    metrics: { [metric]: value },
    notes: 'mmpose normalises RGB with ImageNet mean/std like the official code; crops are 256x256.',
  }),
);

/** Every face checkpoint of the zoo: official first. */
export const FACE_ZOO: readonly ZooEntry[] = Object.freeze([...officialFace, ...mmposeFace]);
