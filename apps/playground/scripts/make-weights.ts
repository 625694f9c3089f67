/**
 * Writes the bundled test weights of public/weights from the project's golden fixtures (random, untrained
 * weights of the small official configs), each in another format so the app's every reader is exercised:
 *   pose_small.pth            PyTorch zip, as the fixture
 *   seg_small.safetensors     safetensors
 *   face_small/model.json     tfjs weights manifest + shard
 *   det_fcos_small.pth        PyTorch zip, as the fixture
 *
 * Run: npx tsx scripts/make-weights.ts <fixtures folder, e.g. ../../../shared/fixtures/official>
 */
import { copyFileSync, mkdirSync } from 'node:fs';
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
console.log(`wrote ${out}`);
