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
    ['td-hm_hrnet-w32_8xb64-210e_mpii-256x256', 'mpii_w32_256x256', 'mpii', `${MMPOSE_DL}/top_down/hrnet/hrnet_w32_mpii_256x256-6c4f923f_20200812.pth`, undefined],
    ['td-hm_hrnet-w48_8xb64-210e_mpii-256x256', 'mpii_w48_256x256', 'mpii', `${MMPOSE_DL}/top_down/hrnet/hrnet_w48_mpii_256x256-92cab7bd_20200812.pth`, undefined],
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
    ...(ap === undefined ? {} : { metrics: { AP: ap } }),
    // mmpose's test_cfg: flip_test=True, flip_mode='heatmap', shift_heatmap=True; codec MSRAHeatmap (unbiased for DARK)
    processing: { decode: dark ? 'dark' : 'official', flipTest: true, shiftHeatmap: true },
    ...(dark ? { notes: 'Trained with DARK (unbiased) heatmaps: decoded with the DARK method, as mmpose evaluates it.' } : {}),
  });
});

/** Every pose checkpoint of the zoo: official first. */
export const POSE_ZOO: readonly ZooEntry<PoseZooProcessing>[] = Object.freeze([...officialPose, ...mmposePose]);
