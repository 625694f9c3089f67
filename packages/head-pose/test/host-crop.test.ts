import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, normalizeImageNet, readNpy } from '@hrnetjs/core';
import { NODE_TEST_BACKENDS, useBackend } from '@hrnetjs/core/testing';
import {
  boxToCenterScale,
  createPoseEstimator,
  createPoseModel,
  cropPersonsHost,
  getAffineTransform,
  getFinalPreds,
  warpAffineOpenCV,
  warpAffineOpenCVPixels,
} from '../src/index.js';
import { previousWarpAffineOpenCV } from './helpers/previous-crop.js';

// The 'opencv' crop runs on host typed arrays (estimatePoses reads the image back once); before, it sampled with
// tfjs ops. The host version must give the previous values bit for bit, and estimatePoses the previous poses.
const fixture = (p: string) => new URL(`./fixtures/${p}`, import.meta.url);
const npy = (p: string) => readNpy(new Uint8Array(readFileSync(fixture(p))));
const meta = JSON.parse(readFileSync(fixture('crop/meta.json'), 'utf8')) as { boxes_xywh: number[][] };

describe.each(NODE_TEST_BACKENDS)('host opencv crop vs the previous tfjs sampling (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('equals it bit for bit on the OpenCV fixture, and both equal cv2.warpAffine on uint8', () => {
    const img = npy('crop/image.npy');
    const u8 = npy('crop/crops_uint8.npy');
    const [H, W] = img.shape as [number, number, number];
    const image = tf.tensor3d(Float32Array.from(img.data), [H, W, 3]);
    const people = meta.boxes_xywh.map((b) => boxToCenterScale(b, 96 / 128));
    const host = cropPersonsHost({ data: Uint8Array.from(img.data), width: W, height: H, channels: 3 }, people, [96, 128]);
    const maps = people.map((p) => getAffineTransform(p.center, p.scale, 0, [96, 128]));
    const previous = previousWarpAffineOpenCV(image, maps, { width: 96, height: 128 });
    expect(Array.from(host)).toEqual(Array.from(previous.dataSync()));
    expect(Array.from(host)).toEqual(Array.from(u8.data));
    tf.dispose([image, previous]);
  });

  it('rounds and clips a float image as the previous tf.round + clipByValue did (halves to even, < 0, > 255)', () => {
    // values at .5 exercise the rounding mode, the rest the clipping; a 5x4 image, a zoom that reads every pixel
    const values = [0.5, 1.5, 2.5, 3.5, 254.5, 255.5, 300, -2, -0.5, 127.49, 127.5, 128.5, 10, 20.25, 99.75, 0, 255, 1, 2, 3];
    const data = Float32Array.from({ length: 5 * 4 * 3 }, (_, i) => values[(i * 7) % values.length]!);
    const image = tf.tensor3d(data, [4, 5, 3]);
    // zooms inside the image, one partly outside and two wholly outside (right/below and left/above): the host
    // crop converts only the part of the image the crops read
    const maps = [
      getAffineTransform([2, 1.5], [0.02, 0.025], 0, [7, 6]),
      getAffineTransform([2.3, 1.1], [0.03, 0.02], 0, [5, 5]),
      getAffineTransform([4.2, 3.6], [0.02, 0.02], 0, [7, 6]),
      getAffineTransform([9, 7], [0.02, 0.02], 0, [7, 6]),
      getAffineTransform([-4, -3], [0.015, 0.02], 0, [7, 6]),
    ];
    for (const m of maps) {
      const size = { width: 7, height: 6 };
      const previous = previousWarpAffineOpenCV(image, [m], size);
      const host = warpAffineOpenCVPixels({ data, width: 5, height: 4, channels: 3 }, [m], size);
      const tensor = warpAffineOpenCV(image, [m], size);
      expect(Array.from(host)).toEqual(Array.from(previous.dataSync()));
      expect(Array.from(tensor.dataSync())).toEqual(Array.from(host));
      const nonzero = host.filter((v) => v !== 0).length;
      expect(nonzero > 0, 'a crop wholly outside is all zeros, the others are not').toBe(m !== maps[3] && m !== maps[4]);
      tf.dispose([previous, tensor]);
    }
    image.dispose();
  });

  it('estimatePoses (pose_small golden weights, a photo, boxes in and partly outside it) gives the poses of the previous pipeline exactly', async () => {
    const photo = jpeg.decode(readFileSync(fixture('samples/people_6.jpg')), { useTArray: true, formatAsRGBA: false });
    const yaml = readFileSync(fixture('pose_small/config.yaml'), 'utf8');
    const weights = loadCheckpoint(new Uint8Array(readFileSync(fixture('pose_small/weights.pth'))));
    const boxes: [number, number, number, number][] = [
      [90, 60, 110, 250],
      [260, 70, 120, 240],
      [-30, -20, 100, 200],
    ];
    const est = await createPoseEstimator({ model: yaml, weights, backend, flipTest: false });
    const [iw, ih] = est.inputSize;
    const image = tf.tensor3d(Float32Array.from(photo.data), [photo.height, photo.width, 3]);
    const poses = await est.estimatePoses(image, { boxes });
    // 8-bit RGB pixel data goes to the crop as it is (no tensor): the same poses
    const fromPixels = await est.estimatePoses({ data: photo.data, width: photo.width, height: photo.height, channels: 3 }, { boxes });
    expect(fromPixels).toEqual(poses);
    // the previous estimatePoses, step by step: tfjs crop, normalize, predict, decode
    const model = createPoseModel(yaml);
    model.loadStateDict(weights);
    model.fuse();
    const people = boxes.map((b) => boxToCenterScale(b, iw / ih));
    const maps = people.map((p) => getAffineTransform(p.center, p.scale, 0, [iw, ih]));
    const hm = tf.tidy(() => model.predict(normalizeImageNet(previousWarpAffineOpenCV(image, maps, { width: iw, height: ih })) as tf.Tensor4D) as tf.Tensor4D);
    const { preds, maxvals } = getFinalPreds({ data: (await hm.data()) as Float32Array, shape: hm.shape }, people.map((p) => p.center), people.map((p) => p.scale));
    tf.dispose([hm, image]);
    model.dispose();
    est.dispose();
    const k = poses[0]!.keypoints.length;
    expect(poses.flatMap((p) => p.keypoints.flatMap((kp) => [kp.x, kp.y]))).toEqual(Array.from(preds));
    expect(poses.flatMap((p) => p.keypoints.map((kp) => kp.score))).toEqual(Array.from(maxvals));
    expect(preds.length).toBe(boxes.length * k * 2);
  });
});
