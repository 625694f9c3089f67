/**
 * Pose estimation in Node on a sample photo:
 *   npx tsx examples/node.ts [photo.jpg] [checkpoint.pth] [model]
 * Defaults: test/fixtures/samples/people_6.jpg, and the small golden-test network (random weights: the
 * pipeline is real, the poses are not). With an official checkpoint, e.g.
 *   npx tsx examples/node.ts photo.jpg pose_hrnet_w32_256x192.pth coco_w32_256x192
 */
import { readFile } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import { selectBackend } from '@hrnetjs/core';
import { createPoseEstimator } from '@hrnetjs/head-pose';

const here = (p: string) => new URL(p, import.meta.url);
const [photoPath, weightsPath, model] = process.argv.slice(2);

console.log((await selectBackend()).reason); // tfjs-node if installed, else wasm, else cpu

// jpeg-js decodes to RGBA by default; ask for RGB. (With sharp: `sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true })`.)
const file = await readFile(photoPath ?? here('../test/fixtures/samples/people_6.jpg'));
const { data, width, height } = jpeg.decode(file, { useTArray: true, formatAsRGBA: false });

const estimator = await createPoseEstimator({
  model: model ?? (await readFile(here('../test/fixtures/pose_small/config.yaml'), 'utf8')),
  weights: new Uint8Array(await readFile(weightsPath ?? here('../test/fixtures/pose_small/weights.pth'))),
});

// person boxes [x, y, w, h] from any detector; these two fit the people in people_6.jpg
const boxes = [
  [90, 60, 110, 250],
  [260, 70, 120, 240],
];
const poses = await estimator.estimatePoses({ data, width, height, channels: 3 }, { boxes });
for (const pose of poses) {
  console.log(`person at [${pose.box.join(', ')}], score ${pose.score.toFixed(3)}`);
  for (const k of pose.keypoints) console.log(`  ${k.name.padEnd(15)} (${k.x.toFixed(1)}, ${k.y.toFixed(1)})  ${k.score.toFixed(3)}`);
}
estimator.dispose();
