/**
 * Writes the bundled test weights of public/weights from the project's golden fixtures (random, untrained
 * weights of the small official configs), each in another format so the app's every reader is exercised:
 *   pose_small.pth            PyTorch zip, as the fixture
 *   seg_small.safetensors     safetensors
 *   face_small/model.json     tfjs weights manifest + shard
 *   det_fcos_small.pth        PyTorch zip, as the fixture
 *   litehrnet_small/model.json tfjs weights manifest + shards (< 600 KB each) of head-pose's Lite-HRNet golden
 *                             fixture (mmpose 0.x key layout: backbone.*, keypoint_head.*)
 *
 * Run: npx tsx scripts/make-weights.ts <fixtures folder, e.g. ../../../shared/fixtures/official>
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { loadCheckpoint } from '@hrnetjs/core';
import { join } from 'node:path';
import { readCheckpointFile, writeSafetensorsFile, writeTfjsWeightsFiles } from '@hrnetjs/core/node';

const fixtures = process.argv[2];
if (!fixtures) {
  console.error('usage: npx tsx scripts/make-weights.ts <fixtures folder>');
  process.exit(2);
}
const out = new URL('../public/weights/', import.meta.url).pathname;
mkdirSync(join(out, 'face_small'), { recursive: true });

copyFileSync(join(fixtures, 'pose_small/weights.pth'), join(out, 'pose_small.pth'));
copyFileSync(join(fixtures, 'det_fcos_small/weights.pth'), join(out, 'det_fcos_small.pth'));
await writeSafetensorsFile(join(out, 'seg_small.safetensors'), await readCheckpointFile(join(fixtures, 'seg_small/weights.pth')));
await writeTfjsWeightsFiles(join(out, 'face_small'), await readCheckpointFile(join(fixtures, 'face_small/weights.pth')));
// the Lite-HRNet fixture lives with its package (gzipped): one 750 KB file would be too big to commit, so shards
const lite = new URL('../../../packages/head-pose/test/fixtures/litehrnet_small/weights.pth.gz', import.meta.url);
await writeTfjsWeightsFiles(join(out, 'litehrnet_small'), loadCheckpoint(gunzipSync(readFileSync(lite))), { shardSizeBytes: 400 * 1024 });
console.log(`wrote ${out}`);
