import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { KEY_MAPPINGS, StateDictError, applyZooKeyMapping, isFused, loadCheckpoint, readNpy, sha256PrefixFromFileName } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, compare, nchwToNhwc, useBackend } from '@hrnetjs/core/testing';
import {
  COCO_KEYPOINTS,
  LITE_POSE_PRESETS,
  POSE_ZOO,
  PoseLiteHRNet,
  boxToCenterScale,
  createPoseEstimator,
  createPoseModel,
  cropPersons,
  flipTest,
  getFinalPreds,
  parseLitePoseModelDict,
  preprocessCrops,
} from '../src/index.js';

const fixture = (p: string) => new URL(`./fixtures/${p}`, import.meta.url);
const dir = fixture('litehrnet_small/');
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const meta = JSON.parse(readFileSync(new URL('meta.json', dir), 'utf8'));
/** The published mmpose 0.x layout (`backbone.*`, `keypoint_head.*`), as the zoo's files hold it. */
const weightBytes = new Uint8Array(gunzipSync(bytes('weights.pth.gz')));
const config = parseLitePoseModelDict(meta.model_cfg, { imageSize: [96, 128] });
const photo = jpeg.decode(readFileSync(fixture('samples/people_6.jpg')), { useTArray: true, formatAsRGBA: false });
const image = { data: photo.data, width: photo.width, height: photo.height, channels: 3 };
const BOXES = [
  [90, 60, 110, 250],
  [260, 70, 120, 240],
] as const;
const TOL = 1e-5;

describe.each(NODE_TEST_BACKENDS)('createPoseEstimator with Lite-HRNet (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('loads the mmpose checkpoint (key rule detected), fuses, and its network equals the official output', async () => {
    const est = await createPoseEstimator({ model: config, weights: weightBytes, backend });
    expect(est.model).toBeInstanceOf(PoseLiteHRNet);
    expect(est.keyMapping).toBe('mmpose-pose');
    expect(isFused(est.model)).toBe(true);
    expect(est.keypointSet.names).toEqual(COCO_KEYPOINTS.names);
    const input = nchwToNhwc(readNpy(bytes('input.npy')));
    const expected = nchwToNhwc(readNpy(bytes('output.npy')));
    const out = await est.heatmaps(input, false);
    expect(compare(out.dataSync(), expected.dataSync()).relative).toBeLessThan(TOL);
    tf.dispose([input, expected, out]);
    est.dispose();
  });

  it('estimatePoses = the same crops, flip test and official decode on the unfused reference network; leak-free', async () => {
    const est = await createPoseEstimator({ model: config, weights: weightBytes, backend });
    const reference = createPoseModel(config);
    reference.loadStateDict(applyZooKeyMapping(loadCheckpoint(weightBytes), KEY_MAPPINGS['mmpose-pose']!));
    const people = BOXES.map((b) => boxToCenterScale(b, 96 / 128));
    const crops = tf.tidy(() => preprocessCrops(cropPersons(tf.tensor3d(image.data, [image.height, image.width, 3], 'int32'), people, [96, 128], { method: 'opencv' })));
    const hm = await flipTest((x) => reference.predict(x) as tf.Tensor4D, crops, { flipPairs: COCO_KEYPOINTS.flipPairs });
    const [n, h, w, k] = hm.shape;
    const want = getFinalPreds({ data: hm.dataSync() as Float32Array, shape: [n, h, w, k] }, people.map((p) => p.center), people.map((p) => p.scale));
    tf.dispose([crops, hm]);
    reference.dispose();

    const before = tf.memory().numTensors;
    const poses = await est.estimatePoses(image, { boxes: BOXES });
    expect(tf.memory().numTensors).toBe(before);
    expect(poses).toHaveLength(2);
    const xy = poses.flatMap((p) => p.keypoints.flatMap((kp) => [kp.x, kp.y]));
    const scores = poses.flatMap((p) => p.keypoints.map((kp) => kp.score));
    // coordinates in image pixels (~250 px): float32 rounding of the fused network only
    expect(compare(xy, want.preds).maxAbsDiff).toBeLessThan(1e-2);
    expect(compare(scores, want.maxvals).relative).toBeLessThan(1e-4);
    est.dispose();
  });
});

describe('Lite-HRNet zoo', () => {
  beforeAll(() => useBackend('wasm'));
  const lite = POSE_ZOO.filter((e) => e.model.preset.startsWith('litehrnet_'));

  it('lists the six official and six mmpose checkpoints with their published accuracy', () => {
    expect(lite.map((e) => e.name)).toEqual([
      ...Object.keys(LITE_POSE_PRESETS).map((p) => `pose_${p}`),
      'mmpose_td-hm_litehrnet-18_8xb64-210e_coco-256x192',
      'mmpose_td-hm_litehrnet-18_8xb32-210e_coco-384x288',
      'mmpose_td-hm_litehrnet-30_8xb64-210e_coco-256x192',
      'mmpose_td-hm_litehrnet-30_8xb32-210e_coco-384x288',
      'mmpose_td-hm_litehrnet-18_8xb64-210e_mpii-256x256',
      'mmpose_td-hm_litehrnet-30_8xb64-210e_mpii-256x256',
    ]);
    for (const e of lite) {
      expect(e.model.preset in LITE_POSE_PRESETS, e.name).toBe(true);
      expect(e.keys).toBe(KEY_MAPPINGS['mmpose-pose']);
      expect(e.processing).toEqual({ decode: 'official', flipTest: true, shiftHeatmap: true });
      if (e.origin === 'mmpose') {
        expect(e.file.direct).toBe(true);
        expect(e.file.url).toMatch(/\/mmpose\/top_down\/litehrnet\/litehrnet(18|30)_(coco|mpii)_\d+x\d+-[0-9a-f]{8}_\d{8}\.pth$/);
        expect(e.file.sha256Prefix).toBe(sha256PrefixFromFileName(e.file.fileName));
      } else {
        expect(e.file.direct).toBe(false);
        expect(e.file.mirrors).toHaveLength(1);
      }
    }
    const ap = Object.fromEntries(lite.map((e) => [e.name, Object.values(e.metrics!)[0]]));
    expect(ap['mmpose_td-hm_litehrnet-18_8xb64-210e_coco-256x192']).toBe(0.642);
    expect(ap['mmpose_td-hm_litehrnet-30_8xb64-210e_coco-256x192']).toBe(0.676);
    expect(ap.pose_litehrnet_18_coco_256x192).toBe(0.648);
    expect(ap.pose_litehrnet_30_coco_384x288).toBe(0.704);
  });

  it('a zoo name builds its network and brings its key rule and test settings', async () => {
    const name = 'mmpose_td-hm_litehrnet-18_8xb64-210e_coco-256x192';
    const model = createPoseModel(name);
    expect(model).toBeInstanceOf(PoseLiteHRNet);
    expect(model.numParameters()).toBe(1_130_769);
    model.dispose();
    const est = await createPoseEstimator({ model: name, weights: null });
    expect(est.zooEntry?.name).toBe(name);
    expect(est.inputSize).toEqual([192, 256]);
    expect(est.heatmapSize).toEqual([48, 64]);
    expect(est.options).toMatchObject({ flipTest: true, shiftHeatmap: true, decode: { method: 'official' } });
    const before = tf.memory().numTensors;
    const poses = await est.estimatePoses(image, { boxes: [BOXES[0]] });
    expect(poses[0]!.keypoints).toHaveLength(17);
    expect(tf.memory().numTensors).toBe(before);
    est.dispose();
  });

  it('a checkpoint of the other family is a StateDictError saying so, before the key lists', async () => {
    const hrnetWeights = new Uint8Array(readFileSync(fixture('pose_small/weights.pth')));
    await expect(createPoseEstimator({ model: config, weights: hrnetWeights })).rejects.toThrow(/HRNet pose checkpoint.*model is a Lite-HRNet/);
    await expect(createPoseEstimator({ model: 'coco_w32_256x192', weights: weightBytes })).rejects.toThrow(StateDictError);
    await expect(createPoseEstimator({ model: 'coco_w32_256x192', weights: weightBytes })).rejects.toThrow(/Lite-HRNet pose checkpoint/);
  });
});
