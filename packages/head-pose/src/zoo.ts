/**
 * The pose checkpoints this head runs (official HRNet and mmpose), with the network each needs and the
 * upstream pre/post-processing it was evaluated with. Sources: the repositories' README model tables and
 * mmpose's `metafile.yml` / configs.
 */
import { KEY_MAPPINGS, type ZooEntry, type ZooOrigin, type ZooTask, byHandFile as byHand, directFile as direct } from '@hrnetjs/core';

/**
 * The upstream test-time settings of a pose entry, as defaults of `createPoseEstimator`'s options (the
 * caller's options win). Absent: the official HRNet ones (flip test, shifted heatmaps, the official decode).
 */
export interface PoseZooProcessing {
  /** How heatmaps become coordinates: mmpose's `MSRAHeatmap` decode is the official one; `unbiased=True` is DARK. */
  decode?: 'official' | 'dark';
  flipTest?: boolean;
  shiftHeatmap?: boolean;
}

const GH = 'https://github.com';
const make =
  <P>(task: ZooTask, origin: ZooOrigin) =>
  (s: Omit<ZooEntry<P>, 'task' | 'origin'>): ZooEntry<P> => ({ task, origin, ...s });
const POSE_REPO = `${GH}/HRNet/deep-high-resolution-net.pytorch`;
const MMPOSE = `${GH}/open-mmlab/mmpose/blob/main`;
/** The official pose model zoo is one shared Google Drive folder (OneDrive mirror); files are fetched by hand. */
const POSE_DRIVE = 'https://drive.google.com/drive/folders/1hOTihvbyIxsm5ygDpbUuJ7O_tzv4oXjC';
const POSE_ONEDRIVE = 'https://1drv.ms/f/s!AhIXJn_J-blW231MH2krnmLq5kkQ';

/** deep-high-resolution-net.pytorch: COCO val2017 AP (person detector AP 56.4) and MPII PCKh@0.5, flip test. */
const officialPose: ZooEntry<PoseZooProcessing>[] = (
  [
    ['coco', 'w32', '256x192', 0.744, '28.5M'],
    ['coco', 'w32', '384x288', 0.758, '28.5M'],
    ['coco', 'w48', '256x192', 0.751, '63.6M'],
    ['coco', 'w48', '384x288', 0.763, '63.6M'],
    ['mpii', 'w32', '256x256', 0.903, undefined],
    ['mpii', 'w48', '256x256', undefined, undefined],
  ] as const
).map(([ds, w, size, metric, params]) =>
  make<PoseZooProcessing>('pose', 'hrnet')({
    name: `pose_hrnet_${w}_${ds}_${size}`,
    description: `HRNet-${w.toUpperCase()} top-down pose, ${ds.toUpperCase()}, input ${size}`,
    dataset: ds === 'coco' ? 'COCO keypoints 2017' : 'MPII',
    model: { preset: `${ds}_${w}_${size}` },
    config: `${POSE_REPO}/blob/master/experiments/${ds}/hrnet/${w}_${size}_adam_lr1e-3.yaml`,
    file: byHand(POSE_DRIVE, `pose_hrnet_${w}_${size}.pth`, [POSE_ONEDRIVE]),
    keys: KEY_MAPPINGS.official!,
    ...(metric === undefined ? {} : { metrics: { [ds === 'coco' ? 'AP' : 'PCKh@0.5']: metric } }),
    ...(params ? { params } : {}),
    notes: `In the shared folder under pose_${ds}/.`,
  }),
);

const MMPOSE_DL = 'https://download.openmmlab.com/mmpose';
const mmposePose: ZooEntry<PoseZooProcessing>[] = (
  [
    ['td-hm_hrnet-w32_8xb64-210e_coco-256x192', 'coco_w32_256x192', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192-81c58e40_20220909.pth`, 0.746],
    ['td-hm_hrnet-w32_8xb64-210e_coco-384x288', 'coco_w32_384x288', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-384x288-ca5956af_20220909.pth`, 0.76],
    ['td-hm_hrnet-w48_8xb32-210e_coco-256x192', 'coco_w48_256x192', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w48_8xb32-210e_coco-256x192-0e67c616_20220913.pth`, 0.756],
    ['td-hm_hrnet-w48_8xb32-210e_coco-384x288', 'coco_w48_384x288', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w48_8xb32-210e_coco-384x288-c161b7de_20220915.pth`, 0.767],
    ['td-hm_hrnet-w32_dark-8xb64-210e_coco-256x192', 'coco_w32_256x192', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_dark-8xb64-210e_coco-256x192-0e00bf12_20220914.pth`, 0.757],
    ['td-hm_hrnet-w32_dark-8xb64-210e_coco-384x288', 'coco_w32_384x288', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_dark-8xb64-210e_coco-384x288-9bab4c9b_20220917.pth`, 0.766],
    ['td-hm_hrnet-w48_dark-8xb32-210e_coco-256x192', 'coco_w48_256x192', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w48_dark-8xb32-210e_coco-256x192-e1ebdd6f_20220913.pth`, 0.764],
    ['td-hm_hrnet-w48_dark-8xb32-210e_coco-384x288', 'coco_w48_384x288', 'coco', `${MMPOSE_DL}/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w48_dark-8xb32-210e_coco-384x288-39c3c381_20220916.pth`, 0.772],
    ['td-hm_hrnet-w32_8xb64-210e_mpii-256x256', 'mpii_w32_256x256', 'mpii', `${MMPOSE_DL}/top_down/hrnet/hrnet_w32_mpii_256x256-6c4f923f_20200812.pth`, 0.9],
    ['td-hm_hrnet-w48_8xb64-210e_mpii-256x256', 'mpii_w48_256x256', 'mpii', `${MMPOSE_DL}/top_down/hrnet/hrnet_w48_mpii_256x256-92cab7bd_20200812.pth`, 0.901],
  ] as const
).map(([name, preset, ds, url, ap]) => {
  const folder = ds === 'coco' ? 'coco' : 'mpii';
  const dark = name.includes('dark');
  return make<PoseZooProcessing>('pose', 'mmpose')({
    name: `mmpose_${name}`,
    description: `mmpose top-down heatmap HRNet${dark ? ' + DARK' : ''}, ${ds.toUpperCase()}`,
    dataset: ds === 'coco' ? 'COCO keypoints 2017' : 'MPII',
    model: { preset },
    config: `${MMPOSE}/configs/body_2d_keypoint/topdown_heatmap/${folder}/${name}.py`,
    file: direct(url),
    keys: KEY_MAPPINGS['mmpose-pose']!,
    // mmpose's hrnet_coco.yml / hrnet_mpii.yml: COCO AP, MPII PCKh@0.5 ('Mean')
    metrics: { [ds === 'coco' ? 'AP' : 'PCKh@0.5']: ap },
    // mmpose's test_cfg: flip_test=True, flip_mode='heatmap', shift_heatmap=True; codec MSRAHeatmap (unbiased for DARK)
    processing: { decode: dark ? 'dark' : 'official', flipTest: true, shiftHeatmap: true },
    ...(dark ? { notes: 'Trained with DARK (unbiased) heatmaps: decoded with the DARK method, as mmpose evaluates it.' } : {}),
  });
});

/**
 * Lite-HRNet (HRNet/Lite-HRNet README): COCO val2017 AP (person detector AP 56.4) and MPII PCKh@0.5 mean, flip test.
 * Trained with the official code on mmpose 0.x, so the files hold mmpose's layout (`backbone.*`, `keypoint_head.*`).
 * Each is one Google Drive file (OneDrive mirror): fetched by hand.
 */
const LITE_REPO = `${GH}/HRNet/Lite-HRNet`;
const officialLite: ZooEntry<PoseZooProcessing>[] = (
  [
    ['litehrnet_18_coco_256x192', 0.648, '1.1M', 'https://drive.google.com/file/d/1ZewlvpncTvahbqcCFb-95C3NHet30mk5/view?usp=sharing', 'https://1drv.ms/u/s!AvreNzlRJaHngQE0r-EVnMNPObk7?e=ojJosi'],
    ['litehrnet_18_coco_384x288', 0.676, '1.1M', 'https://drive.google.com/file/d/1E3S18YbUfBm7YtxYOV7I9FmrntnlFKCp/view?usp=sharing', 'https://1drv.ms/u/s!AvreNzlRJaHnfZE0w9s_h9oK98c?e=xPiAxS'],
    ['litehrnet_30_coco_256x192', 0.672, '1.8M', 'https://drive.google.com/file/d/1KLjNInzFfmZWSbEQwx-zbyaBiLB7SnEj/view?usp=sharing', 'https://1drv.ms/u/s!AvreNzlRJaHnexxp5RCK15meEWw?e=g4ObHb'],
    ['litehrnet_30_coco_384x288', 0.704, '1.8M', 'https://drive.google.com/file/d/1BcHnLka4FWiXRmPnJgJKmsSuXXqN4dgn/view?usp=sharing', 'https://1drv.ms/u/s!AvreNzlRJaHnfOng41YajWZg478?e=wVKeIS'],
    ['litehrnet_18_mpii_256x256', 0.854, '1.1M', 'https://drive.google.com/file/d/1bcnn5Ic2-FiSNqYOqLd1mOfQchAz_oCf/view?usp=sharing', 'https://1drv.ms/u/s!AvreNzlRJaHnev2he_nA_VOLSqg?e=f9zACb'],
    ['litehrnet_30_mpii_256x256', 0.87, '1.8M', 'https://drive.google.com/file/d/1JB9LOwkuz5OUtry0IQqXammFuCrGvlEd/view?usp=sharing', 'https://1drv.ms/u/s!AvreNzlRJaHnf0LR6jpyGoTJZIA?e=653jEF'],
  ] as const
).map(([preset, metric, params, drive, oneDrive]) => {
  const [, depth, ds, size] = /^litehrnet_(\d+)_(coco|mpii)_(\d+x\d+)$/.exec(preset)!;
  return make<PoseZooProcessing>('pose', 'hrnet')({
    name: `pose_${preset}`,
    description: `Lite-HRNet-${depth} top-down pose, ${ds!.toUpperCase()}, input ${size}`,
    dataset: ds === 'coco' ? 'COCO keypoints 2017' : 'MPII',
    model: { preset },
    config: `${LITE_REPO}/blob/hrnet/configs/top_down/lite_hrnet/${ds}/${preset}.py`,
    // the share page names no file: save the download under this name
    file: byHand(drive, `${preset}.pth`, [oneDrive]),
    keys: KEY_MAPPINGS['mmpose-pose']!,
    metrics: { [ds === 'coco' ? 'AP' : 'PCKh@0.5']: metric },
    params,
    // the official test_cfg: flip_test=True, shift_heatmap=True, post_process (quarter offset), unbiased_decoding=False
    processing: { decode: 'official', flipTest: true, shiftHeatmap: true },
    notes: 'Official Lite-HRNet checkpoint (mmpose 0.x layout: backbone.*, keypoint_head.*).',
  });
});

/** mmpose's Lite-HRNet checkpoints (`configs/body_2d_keypoint/topdown_heatmap/{coco,mpii}/litehrnet_*.md`, `.yml`). */
const mmposeLite: ZooEntry<PoseZooProcessing>[] = (
  [
    ['td-hm_litehrnet-18_8xb64-210e_coco-256x192', 'litehrnet_18_coco_256x192', 'litehrnet18_coco_256x192-6bace359_20211230.pth', 0.642],
    ['td-hm_litehrnet-18_8xb32-210e_coco-384x288', 'litehrnet_18_coco_384x288', 'litehrnet18_coco_384x288-8d4dac48_20211230.pth', 0.676],
    ['td-hm_litehrnet-30_8xb64-210e_coco-256x192', 'litehrnet_30_coco_256x192', 'litehrnet30_coco_256x192-4176555b_20210626.pth', 0.676],
    ['td-hm_litehrnet-30_8xb32-210e_coco-384x288', 'litehrnet_30_coco_384x288', 'litehrnet30_coco_384x288-a3aef5c4_20210626.pth', 0.7],
    ['td-hm_litehrnet-18_8xb64-210e_mpii-256x256', 'litehrnet_18_mpii_256x256', 'litehrnet18_mpii_256x256-cabd7984_20210623.pth', 0.859],
    ['td-hm_litehrnet-30_8xb64-210e_mpii-256x256', 'litehrnet_30_mpii_256x256', 'litehrnet30_mpii_256x256-faae8bd8_20210622.pth', 0.869],
  ] as const
).map(([name, preset, file, metric]) => {
  const ds = name.includes('_mpii-') ? 'mpii' : 'coco';
  return make<PoseZooProcessing>('pose', 'mmpose')({
    name: `mmpose_${name}`,
    description: `mmpose top-down heatmap Lite-HRNet-${preset.split('_')[1]}, ${ds.toUpperCase()}, input ${preset.split('_')[3]}`,
    dataset: ds === 'coco' ? 'COCO keypoints 2017' : 'MPII',
    model: { preset },
    config: `${MMPOSE}/configs/body_2d_keypoint/topdown_heatmap/${ds}/${name}.py`,
    file: direct(`${MMPOSE_DL}/top_down/litehrnet/${file}`),
    keys: KEY_MAPPINGS['mmpose-pose']!,
    metrics: { [ds === 'coco' ? 'AP' : 'PCKh@0.5']: metric },
    params: preset.startsWith('litehrnet_18') ? '1.1M' : '1.8M',
    // mmpose's test_cfg: flip_test=True, flip_mode='heatmap', shift_heatmap=True; codec MSRAHeatmap (not unbiased)
    processing: { decode: 'official', flipTest: true, shiftHeatmap: true },
    notes: 'Saved by mmpose 0.x (backbone.*, keypoint_head.*); the mmpose 1.x configs use the same files.',
  });
});

/** Every pose checkpoint of the zoo: official first. */
export const POSE_ZOO: readonly ZooEntry<PoseZooProcessing>[] = Object.freeze([...officialPose, ...mmposePose, ...officialLite, ...mmposeLite]);
